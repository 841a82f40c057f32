using ActorSpool.Domain.Messages;
using ActorSpool.Domain.Topology;
using static ActorSpool.Domain.Messages.JobQueueProtocol;
using static ActorSpool.Domain.Messages.JobQueueProtocol.Events;

namespace ActorSpool.Domain.Jobs;

/// <summary>
/// What a queue does with one command: the events to persist, and the answer to give once they are durable.
/// <see cref="Reply"/> is built from the state after the events were applied; null means "the queue's status"
/// (pause and resume answer with it, and only the actor knows its printers' health).
/// </summary>
public sealed record QueueDecision(IReadOnlyList<IJobQueueEvent> Events, Func<QueueState, ISpoolMessage>? Reply)
{
    public static QueueDecision Answer(ISpoolMessage reply) => new([], _ => reply);

    public static QueueDecision Persist(IJobQueueEvent e, Func<QueueState, ISpoolMessage>? reply) => new([e], reply);
}

/// <summary>
/// The rules of one queue, as a pure function <c>Decide(state, command, now) → events + reply</c> (DrawTogether's
/// ProcessCommand). <see cref="QueueState.Apply"/> is its other half. No actor and no clock here, so every rule is
/// tested directly, and the actor is glue that batches decisions into shared journal writes.
/// </summary>
public sealed class QueueRules(QueueDefinition definition, TimeZoneInfo holdZone)
{
    public QueueDefinition Definition { get; } = definition;

    public QueueDecision Decide(QueueState state, IJobQueueCommand command, DateTimeOffset now) => command switch
    {
        Commands.SubmitJob c => Submit(state, c, now),
        Commands.CreateJob c => Create(state, c, now),
        Commands.AddDocument c => AddDocument(state, c, now),
        Commands.CloseJob c => Close(state, c, now),
        Commands.RestartJob c => Restart(state, c, now),
        Commands.CancelJob c => Cancel(state, c, now),
        Commands.HoldJob c => Hold(state, c, now),
        Commands.ReleaseJob c => Release(state, c, now),
        Commands.PurgeJobs c => Purge(state, c, now),
        Commands.PurgeFinishedJobs c => PurgeFinished(state, c, now),
        Commands.PauseQueue c => AdministrationRefusal(c.By, "pause") is { } refusal ? QueueDecision.Answer(refusal)
            : state.Paused ? new QueueDecision([], null)
            : QueueDecision.Persist(new QueuePaused(c.By.Name, now), null),
        Commands.ResumeQueue c => AdministrationRefusal(c.By, "resume") is { } refusal ? QueueDecision.Answer(refusal)
            : !state.Paused ? new QueueDecision([], null)
            : QueueDecision.Persist(new QueueResumed(now), null),
        _ => throw new ArgumentException($"{command.GetType().Name} is not decided by the queue's rules", nameof(command)),
    };

    /// <summary>
    /// A worker's report. <paramref name="current"/>: the report is about the dispatch the queue waits for (the actor
    /// knows which deliveries run); a stale success still completes the job, because the device printed it.
    /// </summary>
    public QueueDecision Outcome(QueueState state, Commands.ReportOutcome report, bool current, DateTimeOffset now)
    {
        var events = new List<IJobQueueEvent>();
        var job = state.Find(report.JobId);
        // A report about a dispatch before Restart-Job concerns the earlier run, which already ended.
        if (job is not null && !job.State.IsTerminal() && report.Attempt > job.RestartedAfter)
        {
            switch (report.Outcome)
            {
                case DeliveryOutcome.Delivered:
                    events.Add(new JobCompleted(report.JobId, report.Attempt, report.Printer, now));
                    break;
                case DeliveryOutcome.Failed when current:
                    var error = report.Error ?? "delivery failed";
                    events.Add(new JobAttemptFailed(report.JobId, report.Attempt, report.Printer, error, now));
                    if (job.Attempts + 1 >= Definition.MaxAttempts)
                    {
                        events.Add(new JobAborted(report.JobId, $"gave up after {job.Attempts + 1} attempt(s); last error: {error}", now));
                    }
                    break;
                case DeliveryOutcome.NotStarted when current:
                    events.Add(new JobInterrupted(report.JobId, report.Error ?? "not started", now));
                    break;
            }
        }
        var reply = new Replies.OutcomeRecorded(report.JobId, report.Attempt);
        return new QueueDecision(events, _ => reply);
    }

    /// <summary>
    /// Held jobs whose release time came, and incoming jobs idle for the multiple-operation-time-out: closed when they
    /// have a document (the client most likely lost track of the last one), aborted when they have none.
    /// <paramref name="documentOnItsWay"/>: a Send-Document reserved a number recently, so the job is not idle.
    /// </summary>
    public List<IJobQueueEvent> TimedEvents(QueueState state, DateTimeOffset now, TimeSpan multipleOperationTimeout, Func<long, bool> documentOnItsWay)
    {
        var events = new List<IJobQueueEvent>();
        foreach (var job in state.DueForRelease(now)) events.Add(new JobReleased(job.JobId, now));
        foreach (var job in state.IncomingIdleSince(now - multipleOperationTimeout))
        {
            if (documentOnItsWay(job.JobId)) continue;
            events.Add(job.Documents.Length > 0
                ? CloseEvent(job, "multiple-operation-time-out", now)
                : new JobAborted(job.JobId, $"no document arrived within the multiple-operation-time-out ({multipleOperationTimeout.TotalSeconds:0} s)", now));
        }
        return events;
    }

    /// <summary>
    /// Events between snapshots: <paramref name="snapshotEvery"/>, or a tenth of the queue's jobs when that is more. A
    /// snapshot holds every job, so a fixed cadence made a deep backlog write its whole state again every few hundred
    /// jobs (quadratic in the backlog); this way snapshotting costs a constant share per event and a recovery replays
    /// at most a tenth of the queue's size in events after its snapshot.
    /// </summary>
    public static int SnapshotInterval(int snapshotEvery, int jobs) => Math.Max(snapshotEvery, jobs / 10);

    /// <summary>Get-Jobs: unfinished jobs in dispatch order, finished ones newest first; <paramref name="limit"/> 0 = all.</summary>
    /// <remarks>Filters before ordering, so OrderBy(…).Take(limit) sorts only the <paramref name="limit"/> first of a deep queue.</remarks>
    public static JobRecord[] Listing(QueueState state, JobFilter which, string? owner, int limit)
    {
        var candidates = owner is null ? state.Jobs : state.Jobs.Where(j => j.Owner == owner);
        IEnumerable<JobRecord> jobs = which switch
        {
            JobFilter.NotCompleted => candidates.Where(j => !j.State.IsTerminal()).Order(DispatchOrder),
            JobFilter.Completed => candidates.Where(j => j.State.IsTerminal()).OrderByDescending(j => j.CompletedAt),
            _ => candidates.OrderBy(j => j.State.IsTerminal()).ThenBy(j => j, DispatchOrder),
        };
        return (limit > 0 ? jobs.Take(limit) : jobs).ToArray();
    }

    private static readonly IComparer<JobRecord> DispatchOrder = Comparer<JobRecord>.Create(QueueState.ComparePriority);

    /// <summary>The queue's counts by state; <paramref name="acceptingPrinters"/> is what the caller knows of its printers.</summary>
    public Replies.QueueStatus Status(QueueState state, string[] acceptingPrinters)
    {
        var counts = state.Jobs.GroupBy(j => j.State).ToDictionary(g => g.Key, g => g.Count());
        return new Replies.QueueStatus(
            Definition.Name,
            counts.GetValueOrDefault(JobState.Pending),
            counts.GetValueOrDefault(JobState.PendingHeld),
            counts.GetValueOrDefault(JobState.Processing),
            counts.GetValueOrDefault(JobState.Completed),
            counts.GetValueOrDefault(JobState.Canceled),
            counts.GetValueOrDefault(JobState.Aborted),
            acceptingPrinters,
            Definition.Sequential)
        {
            Paused = state.Paused,
        };
    }

    /// <summary>Send-Document asks for a number first: the problem that stops the job taking a document, or null.</summary>
    public Replies.CommandResult? DocumentProblem(QueueState state, Commands.ReserveDocument command)
    {
        if (CanAddDocument(state, command.JobId, command.By, out var job) is { } refusal) return refusal;
        return job.Documents.Length >= Definition.MaxDocumentsPerJob
            ? new Replies.CommandResult(CommandOutcome.TooManyDocuments,
                $"job {job.JobId} already has {job.Documents.Length} document(s), the most queue {Definition.Name} takes in one job", job)
            : null;
    }

    /// <summary>
    /// Pause, resume and purge are an authenticated admin's (CUPS's default policy, from any address): the refusal
    /// for anyone else, or null.
    /// </summary>
    public Replies.CommandResult? AdministrationRefusal(Requester by, string what)
    {
        if (by.Admin) return null;
        return by.Authenticated
            ? new Replies.CommandResult(CommandOutcome.NotAuthorized, $"only an admin may {what} queue {Definition.Name}; {by.Name} is not one", null)
            : new Replies.CommandResult(CommandOutcome.NotAuthenticated, $"only an authenticated admin may {what} queue {Definition.Name}: log in", null);
    }

    private QueueDecision Submit(QueueState state, Commands.SubmitJob command, DateTimeOffset now)
    {
        // A resubmission of the same job (an ingress retry): idempotent.
        if (state.Find(command.JobId) is { } existing) return QueueDecision.Answer(new Replies.JobAccepted(existing));
        var priority = command.Priority ?? Definition.DefaultPriority;
        var problem = priority is < 1 or > 100 ? $"job-priority {priority} is outside 1..100"
            : command.Documents.Length == 0 ? "a job needs at least one document"
            : HoldProblem(command.HoldUntil) ?? command.Copies.Problem();
        if (problem is not null) return QueueDecision.Answer(new Replies.JobRejected(command.JobId, problem));
        if (command.Documents.Length > Definition.MaxDocumentsPerJob)
        {
            return QueueDecision.Answer(new Replies.JobRejected(command.JobId,
                $"the job has {command.Documents.Length} documents; queue {Definition.Name} takes at most {Definition.MaxDocumentsPerJob} in one job")
            { Kind = Rejection.TooManyDocuments });
        }
        if (TooManyJobs(state, command.JobId, command.Owner) is { } full) return QueueDecision.Answer(full);
        var hold = command.HoldUntil is { } asked ? asked.StartingAt(now, holdZone)
            : command.Hold ? JobHold.Indefinite
            : null;
        var job = state.NewJob(command.JobId, Definition.Name, command.Owner, command.Name, priority, command.Documents, now) with
        {
            HoldUntil = hold?.Until,
            ReleaseAt = hold?.ReleaseAt,
            Copies = command.Copies,
        };
        return QueueDecision.Persist(new JobAccepted(job, hold is not null, now), s => new Replies.JobAccepted(s.Find(job.JobId)!));
    }

    /// <summary>Create-Job: the job is recorded without documents and stays incoming (never dispatched) until closed.</summary>
    private QueueDecision Create(QueueState state, Commands.CreateJob command, DateTimeOffset now)
    {
        if (state.Find(command.JobId) is { } existing) return QueueDecision.Answer(new Replies.JobAccepted(existing)); // an ingress retry
        var priority = command.Priority ?? Definition.DefaultPriority;
        var problem = priority is < 1 or > 100 ? $"job-priority {priority} is outside 1..100"
            : HoldProblem(command.HoldUntil) ?? command.Copies.Problem();
        if (problem is not null) return QueueDecision.Answer(new Replies.JobRejected(command.JobId, problem));
        if (TooManyJobs(state, command.JobId, command.Owner) is { } full) return QueueDecision.Answer(full);
        // The hold is worked out when the job is closed: a named period counts from then, not from Create-Job.
        var hold = command.HoldUntil is { Until: HoldUntil.NoHold } ? null : command.HoldUntil;
        var job = state.NewJob(command.JobId, Definition.Name, command.Owner, command.Name, priority, [], now) with
        {
            HoldUntil = hold?.Until,
            ReleaseAt = hold?.ReleaseAt,
            Copies = command.Copies,
        };
        return QueueDecision.Persist(new JobCreated(job, now), s => new Replies.JobAccepted(s.Find(job.JobId)!));
    }

    /// <summary>Send-Document, its document stored: recorded (and the job closed when it is the last) before the answer.</summary>
    private QueueDecision AddDocument(QueueState state, Commands.AddDocument command, DateTimeOffset now)
    {
        var events = new List<IJobQueueEvent>();
        if (state.Find(command.JobId) is { } owned && !command.By.MayChange(owned)) return QueueDecision.Answer(NotYours(owned, command.By));
        if (state.Find(command.JobId) is { } known && known.Documents.Any(d => d.Number == command.Document.Number))
        {
            // An ingress retry of a document already recorded: only the close may still be missing.
            if (command.Last && known.Incoming) events.Add(CloseEvent(known, "last-document", now));
        }
        else
        {
            if (CanAddDocument(state, command.JobId, command.By, out var job) is { } refusal) return QueueDecision.Answer(refusal);
            events.Add(new DocumentAdded(job.JobId, command.Document, now));
            if (command.Last) events.Add(CloseEvent(job, "last-document", now));
        }
        return new QueueDecision(events, s => Ok(s, command.JobId));
    }

    /// <summary>Close-Job: an incoming job with documents becomes printable; a job already closed stays as it is.</summary>
    private QueueDecision Close(QueueState state, Commands.CloseJob command, DateTimeOffset now)
    {
        if (CanChange(state, command.JobId, command.By, out var job) is { } refusal) return QueueDecision.Answer(refusal);
        if (!job.Incoming) return QueueDecision.Answer(new Replies.CommandResult(CommandOutcome.Ok, null, job));
        if (job.Documents.Length == 0)
        {
            return QueueDecision.Answer(new Replies.CommandResult(CommandOutcome.NotPossible,
                $"job {job.JobId} has no document yet: send one with Send-Document, or cancel the job", job));
        }
        return QueueDecision.Persist(CloseEvent(job, "Close-Job", now), s => Ok(s, job.JobId));
    }

    /// <summary>Restart-Job (RFC 8011 §4.3.7): a finished job whose documents are still kept prints again.</summary>
    private QueueDecision Restart(QueueState state, Commands.RestartJob command, DateTimeOffset now)
    {
        if (state.Find(command.JobId) is not { } job) return QueueDecision.Answer(NotFound(command.JobId));
        if (!command.By.MayChange(job)) return QueueDecision.Answer(NotYours(job, command.By));
        var problem = job switch
        {
            { State: var s } when !s.IsTerminal() => $"job {job.JobId} is {s.ToKeyword()}: only a completed, canceled or aborted job can be restarted",
            { Documents.Length: 0 } => $"job {job.JobId} has no document to print",
            _ => HoldProblem(command.HoldUntil),
        };
        if (problem is not null) return QueueDecision.Answer(new Replies.CommandResult(CommandOutcome.NotPossible, problem, job));
        var hold = command.HoldUntil?.StartingAt(now, holdZone);
        return QueueDecision.Persist(new JobRestarted(job.JobId, state.NextSequence, now) { HoldUntil = hold?.Until, ReleaseAt = hold?.ReleaseAt },
            s => Ok(s, job.JobId));
    }

    private QueueDecision Cancel(QueueState state, Commands.CancelJob command, DateTimeOffset now) =>
        CanChange(state, command.JobId, command.By, out var job) is { } refusal
            ? QueueDecision.Answer(refusal)
            : QueueDecision.Persist(new JobCanceled(job.JobId, CanceledBy(command.By, command.Reason), now), s => Ok(s, job.JobId));

    /// <summary>Purge-Jobs: every unfinished job canceled in one decision (one journal write), or none when refused.</summary>
    private QueueDecision Purge(QueueState state, Commands.PurgeJobs command, DateTimeOffset now)
    {
        if (AdministrationRefusal(command.By, "purge the jobs of") is { } refusal) return QueueDecision.Answer(refusal);
        var by = CanceledBy(command.By, "Purge-Jobs");
        var events = state.Jobs.Where(j => !j.State.IsTerminal()).OrderBy(j => j.Sequence)
            .Select(IJobQueueEvent (j) => new JobCanceled(j.JobId, by, now)).ToList();
        return new QueueDecision(events, _ => new Replies.CommandResult(CommandOutcome.Ok, $"{events.Count} job(s) canceled", null));
    }

    /// <summary>The finished jobs that finished before the date leave the queue in one event (none: nothing written).</summary>
    private QueueDecision PurgeFinished(QueueState state, Commands.PurgeFinishedJobs command, DateTimeOffset now)
    {
        if (AdministrationRefusal(command.By, "purge the finished jobs of") is { } refusal) return QueueDecision.Answer(refusal);
        var purge = state.FinishedBefore(command.FinishedBefore);
        var answer = new Replies.CommandResult(CommandOutcome.Ok, $"{purge.Length} job(s) purged", null) { Count = purge.Length };
        return purge.Length == 0 ? QueueDecision.Answer(answer) : new QueueDecision([new JobsPurged(purge, now)], _ => answer);
    }

    private static string CanceledBy(Requester by, string? reason) => reason is null ? by.Name : $"{by.Name}: {reason}";

    private QueueDecision Hold(QueueState state, Commands.HoldJob command, DateTimeOffset now)
    {
        if (CanChange(state, command.JobId, command.By, out var job) is { } refusal) return QueueDecision.Answer(refusal);
        if (job.State != JobState.Pending && job.State != JobState.PendingHeld)
        {
            return QueueDecision.Answer(new Replies.CommandResult(CommandOutcome.NotPossible, $"job {job.JobId} is {job.State.ToKeyword()} and can no longer be held", job));
        }
        if (HoldProblem(command.HoldUntil) is { } problem) return QueueDecision.Answer(new Replies.CommandResult(CommandOutcome.NotPossible, problem, job));
        var asked = command.HoldUntil ?? JobHold.Indefinite;
        // An incoming job keeps the hold as asked: it starts when the job is closed.
        var hold = job.Incoming ? (asked.Until == HoldUntil.NoHold ? null : asked) : asked.StartingAt(now, holdZone);
        if (hold is null)
        {
            // no-hold, or a period that is on now: the job is printable, as after Release-Job.
            return job.State == JobState.Pending || (job.Incoming && !job.HoldRequested)
                ? QueueDecision.Answer(new Replies.CommandResult(CommandOutcome.Ok, null, job))
                : QueueDecision.Persist(new JobReleased(job.JobId, now), s => Ok(s, job.JobId));
        }
        return QueueDecision.Persist(new JobHeld(job.JobId, now) { HoldUntil = hold.Until, ReleaseAt = hold.ReleaseAt }, s => Ok(s, job.JobId));
    }

    private QueueDecision Release(QueueState state, Commands.ReleaseJob command, DateTimeOffset now)
    {
        if (CanChange(state, command.JobId, command.By, out var job) is { } refusal) return QueueDecision.Answer(refusal);
        if (job.State != JobState.PendingHeld)
        {
            return QueueDecision.Answer(new Replies.CommandResult(CommandOutcome.NotPossible, $"job {job.JobId} is {job.State.ToKeyword()}, not held", job));
        }
        if (job.Incoming && !job.HoldRequested)
        {
            return QueueDecision.Answer(new Replies.CommandResult(CommandOutcome.NotPossible,
                $"job {job.JobId} is still receiving documents (job-incoming); it is printable once closed", job));
        }
        return QueueDecision.Persist(new JobReleased(job.JobId, now), s => Ok(s, job.JobId));
    }

    /// <summary>
    /// The refusal for an unknown job, someone else's (unless <paramref name="by"/> is an admin) or a finished one, or
    /// null when the job may change.
    /// </summary>
    private Replies.CommandResult? CanChange(QueueState state, long jobId, Requester by, out JobRecord job)
    {
        job = state.Find(jobId)!;
        if (job is null) return NotFound(jobId);
        if (!by.MayChange(job)) return NotYours(job, by);
        return job.State.IsTerminal()
            ? new Replies.CommandResult(CommandOutcome.NotPossible, $"job {jobId} is already {job.State.ToKeyword()}", job)
            : null;
    }

    /// <summary>The refusal unless the job is incoming (takes documents).</summary>
    private Replies.CommandResult? CanAddDocument(QueueState state, long jobId, Requester by, out JobRecord job)
    {
        if (CanChange(state, jobId, by, out job) is { } refusal) return refusal;
        return job.Incoming ? null
            : new Replies.CommandResult(CommandOutcome.NotPossible, $"job {jobId} is closed ({job.State.ToKeyword()}): it takes no more documents", job);
    }

    /// <summary>Closes an incoming job; the hold it asked for starts now (a named period is reckoned from now).</summary>
    private JobClosed CloseEvent(JobRecord job, string reason, DateTimeOffset now)
    {
        var hold = job.HoldRequested ? new JobHold(job.HoldUntil, job.ReleaseAt).StartingAt(now, holdZone) : null;
        return new JobClosed(job.JobId, reason, now) { HoldUntil = hold?.Until, ReleaseAt = hold?.ReleaseAt };
    }

    /// <summary>Another user's job: the answer names neither the owner nor anything of the job.</summary>
    private static Replies.CommandResult NotYours(JobRecord job, Requester by) =>
        new(CommandOutcome.NotAuthorized, $"job {job.JobId} is not {by.Name}'s: only its owner or an admin may change it", null);

    /// <summary>The queue's or the owner's limit of unfinished jobs is reached: the refusal, else null.</summary>
    private Replies.JobRejected? TooManyJobs(QueueState state, long jobId, string owner)
    {
        if (state.ActiveCount >= Definition.MaxJobs)
        {
            return new Replies.JobRejected(jobId, $"queue {Definition.Name} holds its maximum of {Definition.MaxJobs} unfinished jobs; try again once some have printed")
            { Kind = Rejection.TooManyJobs };
        }
        if (Definition.MaxJobsPerUser > 0 && state.ActiveCountOf(owner) >= Definition.MaxJobsPerUser)
        {
            return new Replies.JobRejected(jobId, $"{owner} has {Definition.MaxJobsPerUser} unfinished jobs in queue {Definition.Name}, the most one user may have; try again once some have printed")
            { Kind = Rejection.TooManyJobs };
        }
        return null;
    }

    private Replies.CommandResult NotFound(long jobId) =>
        new(CommandOutcome.NotFound, $"job {jobId} not found in queue {Definition.Name}", null);

    private static Replies.CommandResult Ok(QueueState state, long jobId) => new(CommandOutcome.Ok, null, state.Find(jobId));

    private static string? HoldProblem(JobHold? hold) =>
        hold?.Until is { } keyword && !HoldUntil.IsKeyword(keyword) ? $"job-hold-until '{keyword}' is not supported" : null;
}
