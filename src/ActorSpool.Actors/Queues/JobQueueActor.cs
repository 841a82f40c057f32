using ActorSpool.Actors.Storage;
using ActorSpool.Domain.Balancing;
using ActorSpool.Domain.Jobs;
using ActorSpool.Domain.Printers;
using ActorSpool.Domain.Topology;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Akka.Persistence;
using static ActorSpool.Domain.Jobs.JobQueueEvents;
using static ActorSpool.Domain.Messages.BalancerProtocol;
using static ActorSpool.Domain.Messages.JobQueueProtocol;
using static ActorSpool.Domain.Messages.PrinterProtocol;
using static ActorSpool.Domain.Messages.WorkerProtocol;

namespace ActorSpool.Actors.Queues;

/// <summary>
/// One logical queue: an event-sourced entity that owns its jobs' life cycle. It accepts jobs, picks a
/// printer of its pool by health (failover or balance), asks the balancer for a worker, and records every
/// outcome; retries go to the next healthy printer until the attempts run out, then the job is aborted.
/// </summary>
public sealed class JobQueueActor : ReceivePersistentActor, IWithTimers
{
    /// <summary>A job waiting for the balancer to grant a worker, bound for <paramref name="Printer"/>.</summary>
    private sealed record Placement(string Printer, DateTimeOffset RequestedAt);

    /// <summary>The highest document number reserved for an incoming job, and when (a Send-Document under way).</summary>
    private sealed record DocumentSlot(int Number, DateTimeOffset ReservedAt);

    /// <summary>A job handed to a worker.</summary>
    private sealed record Running(string Printer, int Attempt, IActorRef Worker, DateTimeOffset StartedAt);

    private sealed record Tick
    {
        public static readonly Tick Instance = new();
    }

    private sealed record RetentionTick
    {
        public static readonly RetentionTick Instance = new();
    }

    private sealed record RecoveryFinished
    {
        public static readonly RecoveryFinished Instance = new();
    }

    /// <summary>The time after recovery within which workers still delivering our jobs have answered.</summary>
    private sealed record ReclaimWindowClosed
    {
        public static readonly ReclaimWindowClosed Instance = new();
    }

    private static readonly TimeSpan ReclaimWindow = TimeSpan.FromSeconds(5);

    private readonly QueueDefinition _definition;
    private readonly SpoolSettings _settings;
    private readonly IActorRef _balancer;
    private readonly IActorRef _printers;
    private readonly IDocumentStore _documents;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, PrinterStatus> _printerStatus = new();
    private readonly Dictionary<long, Placement> _placing = new();
    private readonly Dictionary<long, Running> _running = new();
    // Document numbers handed to Send-Documents under way (not persisted: a lost one leaves a gap in the numbers).
    private readonly Dictionary<long, DocumentSlot> _documentSlots = new();
    private QueueState _state = new();
    private int _rotation;
    private int _eventsSinceSnapshot;

    public ITimerScheduler Timers { get; set; } = null!;

    public override string PersistenceId { get; }

    public JobQueueActor(QueueDefinition definition, SpoolSettings settings, IActorRef balancer, IActorRef printers, IDocumentStore documents)
    {
        _definition = definition;
        _settings = settings;
        _balancer = balancer;
        _printers = printers;
        _documents = documents;
        PersistenceId = PersistenceIdFor(definition.Name);

        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is QueueSnapshot snapshot) _state = QueueState.FromSnapshot(snapshot);
        });
        Recover<IJobQueueEvent>(e => _state.Apply(e));
        Recover<RecoveryCompleted>(_ => Self.Tell(RecoveryFinished.Instance));

        Command<RecoveryFinished>(_ => OnRecovered());
        Command<WorkingOn>(Reclaim);
        Command<ReclaimWindowClosed>(_ => InterruptUnclaimed("no worker claimed the delivery after the queue restarted"));
        Command<Commands.SubmitJob>(Submit);
        Command<Commands.CreateJob>(Create);
        Command<Commands.ReserveDocument>(ReserveDocument);
        Command<Commands.AddDocument>(AddDocument);
        Command<Commands.CloseJob>(Close);
        Command<Commands.RestartJob>(Restart);
        Command<Commands.CancelJob>(Cancel);
        Command<Commands.HoldJob>(Hold);
        Command<Commands.ReleaseJob>(Release);
        Command<Commands.ReportOutcome>(RecordOutcome);
        Command<Commands.PauseQueue>(Pause);
        Command<Commands.ResumeQueue>(Resume);
        Command<Commands.WakeUp>(_ => { });
        Command<WorkerGranted>(Granted);
        Command<Terminated>(WorkerLost);
        Command<PrinterStatus>(status =>
        {
            if (!_definition.Printers.Contains(status.Name)) return;
            _printerStatus[status.Name] = status;
            TryDispatch();
        });
        Command<SubscribeAck>(_ => { });
        Command<Tick>(_ => OnTick());
        Command<RetentionTick>(_ => PurgeOldJobs());
        Command<Queries.GetJob>(q => Sender.Tell(new Replies.JobInfo(_state.Find(q.JobId))));
        Command<Queries.GetJobs>(q => Sender.Tell(new Replies.JobList(Listing(q))));
        Command<Queries.GetQueueStatus>(_ => Sender.Tell(Status()));
        Command<SaveSnapshotSuccess>(s => DeleteSnapshots(new SnapshotSelectionCriteria(s.Metadata.SequenceNr - 1)));
        Command<SaveSnapshotFailure>(f => _log.Warning("Queue {0}: snapshot failed: {1}", _definition.Name, f.Cause.Message));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(_ => { });
    }

    public static string PersistenceIdFor(string queue) => $"job-queue-{queue}";

    private void OnRecovered()
    {
        DistributedPubSub.Get(Context.System).Mediator.Tell(new Subscribe(StatusTopic, Self));
        foreach (var printer in _definition.Printers) _printers.Tell(new GetPrinterStatus(printer));
        Timers.StartPeriodicTimer("tick", Tick.Instance, _settings.DispatchRetryInterval);
        Timers.StartPeriodicTimer("retention", RetentionTick.Instance, TimeSpan.FromSeconds(30));

        // Jobs that were in delivery when the queue stopped: if the queue merely moved (its node died or left),
        // their workers may still be delivering. Ask them; what nobody claims goes back in line.
        var inDelivery = _state.Jobs.Where(j => j.State == JobState.Processing).ToList();
        foreach (var job in inDelivery.Where(j => j.Worker is not null))
        {
            Context.ActorSelection(job.Worker).Tell(new IsWorkingOn(_definition.Name, job.JobId, job.Dispatches));
        }
        if (inDelivery.Count > 0) Timers.StartSingleTimer("reclaim", ReclaimWindowClosed.Instance, ReclaimWindow);
        _log.Info("Queue {0}: recovered {1} job(s), {2} pending, {3} in delivery", _definition.Name, _state.Count, _state.PendingCount, inDelivery.Count);
        TryDispatch();
    }

    private void Reclaim(WorkingOn answer)
    {
        if (!answer.Busy || _running.ContainsKey(answer.JobId)) return;
        if (_state.Find(answer.JobId) is not { State: JobState.Processing } job || job.Dispatches != answer.Attempt) return;
        _running[answer.JobId] = new Running(job.Printer!, answer.Attempt, Sender, DateTimeOffset.UtcNow);
        Context.Watch(Sender);
    }

    /// <summary>Puts processing jobs that no live worker is delivering back in line (at-least-once: one may print twice).</summary>
    private void InterruptUnclaimed(string reason)
    {
        var interrupted = _state.Jobs.Where(j => j.State == JobState.Processing && !_running.ContainsKey(j.JobId))
            .Select(j => new JobInterrupted(j.JobId, reason, DateTimeOffset.UtcNow))
            .ToList();
        if (interrupted.Count == 0) return;
        _log.Info("Queue {0}: {1} job(s) were in delivery with no live worker; re-queued", _definition.Name, interrupted.Count);
        PersistAll(interrupted, Apply);
        DeferAsync(interrupted, _ => TryDispatch());
    }

    private void Submit(Commands.SubmitJob command)
    {
        if (_state.Find(command.JobId) is { } existing)
        {
            // A resubmission of the same job (an ingress retry): idempotent.
            Sender.Tell(new Replies.JobAccepted(existing));
            return;
        }
        var priority = command.Priority ?? _definition.DefaultPriority;
        if (priority is < 1 or > 100)
        {
            Sender.Tell(new Replies.JobRejected(command.JobId, $"job-priority {priority} is outside 1..100"));
            return;
        }
        if (command.Documents.Length == 0)
        {
            Sender.Tell(new Replies.JobRejected(command.JobId, "a job needs at least one document"));
            return;
        }
        if ((HoldProblem(command.HoldUntil) ?? JobCopies.Problem(command.Copies)) is { } problem)
        {
            Sender.Tell(new Replies.JobRejected(command.JobId, problem));
            return;
        }
        var now = DateTimeOffset.UtcNow;
        var hold = command.HoldUntil is { } asked ? asked.StartingAt(now, _settings.HoldTimeZone)
            : command.Hold ? JobHold.Indefinite
            : null;
        var job = _state.NewJob(command.JobId, _definition.Name, command.Owner, command.Name, priority, command.Documents, now) with
        {
            HoldUntil = hold?.Until,
            ReleaseAt = hold?.ReleaseAt,
            Copies = command.Copies,
            UncollatedCopies = command.UncollatedCopies,
        };
        var replyTo = Sender;
        Persist(new JobAccepted(job, hold is not null, job.SubmittedAt), e =>
        {
            Apply(e);
            replyTo.Tell(new Replies.JobAccepted(_state.Find(job.JobId)!));
            TryDispatch();
        });
    }

    /// <summary>Create-Job: the job is recorded without documents and stays incoming (never dispatched) until closed.</summary>
    private void Create(Commands.CreateJob command)
    {
        if (_state.Find(command.JobId) is { } existing)
        {
            Sender.Tell(new Replies.JobAccepted(existing)); // an ingress retry
            return;
        }
        var priority = command.Priority ?? _definition.DefaultPriority;
        var problem = priority is < 1 or > 100 ? $"job-priority {priority} is outside 1..100"
            : HoldProblem(command.HoldUntil) ?? JobCopies.Problem(command.Copies);
        if (problem is not null)
        {
            Sender.Tell(new Replies.JobRejected(command.JobId, problem));
            return;
        }
        // The hold is worked out when the job is closed: a named period counts from then, not from Create-Job.
        var hold = command.HoldUntil is { Until: HoldUntil.NoHold } ? null : command.HoldUntil;
        var job = _state.NewJob(command.JobId, _definition.Name, command.Owner, command.Name, priority, [], DateTimeOffset.UtcNow) with
        {
            HoldUntil = hold?.Until,
            ReleaseAt = hold?.ReleaseAt,
            Copies = command.Copies,
            UncollatedCopies = command.UncollatedCopies,
        };
        var replyTo = Sender;
        Persist(new JobCreated(job, job.SubmittedAt), e =>
        {
            Apply(e);
            replyTo.Tell(new Replies.JobAccepted(_state.Find(job.JobId)!));
        });
    }

    /// <summary>
    /// Send-Document asks for a document number before it stores the document, so two Send-Documents never store
    /// under the same number. A reservation also counts as activity for the multiple-operation-time-out.
    /// </summary>
    private void ReserveDocument(Commands.ReserveDocument command)
    {
        if (!CanAddDocument(command.JobId, out var job)) return;
        var recorded = job.Documents.Select(d => d.Number).DefaultIfEmpty(0).Max();
        var number = Math.Max(recorded, _documentSlots.GetValueOrDefault(job.JobId)?.Number ?? 0) + 1;
        _documentSlots[job.JobId] = new DocumentSlot(number, DateTimeOffset.UtcNow);
        Sender.Tell(new Replies.DocumentReserved(job.JobId, number));
    }

    /// <summary>Send-Document, its document stored: recorded (and the job closed when it is the last) before the answer.</summary>
    private void AddDocument(Commands.AddDocument command)
    {
        var now = DateTimeOffset.UtcNow;
        var events = new List<IJobQueueEvent>();
        if (_state.Find(command.JobId) is { } known && known.Documents.Any(d => d.Number == command.Document.Number))
        {
            // An ingress retry of a document already recorded: only the close may still be missing.
            if (command.Last && known.Incoming) events.Add(CloseEvent(known, "last-document", now));
        }
        else
        {
            if (!CanAddDocument(command.JobId, out var job)) return;
            events.Add(new DocumentAdded(job.JobId, command.Document, now));
            if (command.Last) events.Add(CloseEvent(job, "last-document", now));
        }
        var replyTo = Sender;
        if (events.Count == 0)
        {
            replyTo.Tell(new Replies.CommandResult(CommandOutcome.Ok, null, _state.Find(command.JobId)));
            return;
        }
        PersistAll(events, Apply);
        DeferAsync(events, _ =>
        {
            replyTo.Tell(new Replies.CommandResult(CommandOutcome.Ok, null, _state.Find(command.JobId)));
            TryDispatch();
        });
    }

    /// <summary>Close-Job: an incoming job with documents becomes printable; a job already closed stays as it is.</summary>
    private void Close(Commands.CloseJob command)
    {
        if (!CanChange(command.JobId, out var job)) return;
        if (!job.Incoming)
        {
            Sender.Tell(new Replies.CommandResult(CommandOutcome.Ok, null, job));
            return;
        }
        if (job.Documents.Length == 0)
        {
            Sender.Tell(new Replies.CommandResult(CommandOutcome.NotPossible,
                $"job {job.JobId} has no document yet: send one with Send-Document, or cancel the job", job));
            return;
        }
        var replyTo = Sender;
        Persist(CloseEvent(job, "Close-Job", DateTimeOffset.UtcNow), e =>
        {
            Apply(e);
            replyTo.Tell(new Replies.CommandResult(CommandOutcome.Ok, null, _state.Find(job.JobId)));
            TryDispatch();
        });
    }

    /// <summary>Restart-Job (RFC 8011 §4.3.7): a finished job whose documents are still kept prints again.</summary>
    private void Restart(Commands.RestartJob command)
    {
        var job = _state.Find(command.JobId);
        var problem = job switch
        {
            null => null,
            { State: var state } when !state.IsTerminal() =>
                $"job {job.JobId} is {state.ToKeyword()}: only a completed, canceled or aborted job can be restarted",
            { Documents.Length: 0 } => $"job {job.JobId} has no document to print",
            _ => HoldProblem(command.HoldUntil),
        };
        if (job is null)
        {
            Sender.Tell(new Replies.CommandResult(CommandOutcome.NotFound, $"job {command.JobId} not found in queue {_definition.Name}", null));
            return;
        }
        if (problem is not null)
        {
            Sender.Tell(new Replies.CommandResult(CommandOutcome.NotPossible, problem, job));
            return;
        }
        var now = DateTimeOffset.UtcNow;
        var hold = command.HoldUntil?.StartingAt(now, _settings.HoldTimeZone);
        var replyTo = Sender;
        Persist(new JobRestarted(job.JobId, _state.NextSequence, now) { HoldUntil = hold?.Until, ReleaseAt = hold?.ReleaseAt }, e =>
        {
            Apply(e);
            _log.Info("Queue {0}: job {1} restarted", _definition.Name, job.JobId);
            replyTo.Tell(new Replies.CommandResult(CommandOutcome.Ok, null, _state.Find(job.JobId)));
            TryDispatch();
        });
    }

    /// <summary>Answers NotFound / NotPossible unless the job is incoming (takes documents); true when it is.</summary>
    private bool CanAddDocument(long jobId, out JobRecord job)
    {
        if (!CanChange(jobId, out job)) return false;
        if (job.Incoming) return true;
        Sender.Tell(new Replies.CommandResult(CommandOutcome.NotPossible,
            $"job {jobId} is closed ({job.State.ToKeyword()}): it takes no more documents", job));
        return false;
    }

    /// <summary>Closes an incoming job; the hold it asked for starts now (a named period is reckoned from now).</summary>
    private JobClosed CloseEvent(JobRecord job, string reason, DateTimeOffset now)
    {
        var hold = job.HoldRequested ? new JobHold(job.HoldUntil, job.ReleaseAt).StartingAt(now, _settings.HoldTimeZone) : null;
        return new JobClosed(job.JobId, reason, now) { HoldUntil = hold?.Until, ReleaseAt = hold?.ReleaseAt };
    }

    private static string? HoldProblem(JobHold? hold) =>
        hold?.Until is { } keyword && !HoldUntil.IsKeyword(keyword) ? $"job-hold-until '{keyword}' is not supported" : null;

    private void Cancel(Commands.CancelJob command)
    {
        if (!CanChange(command.JobId, out var job)) return;
        var replyTo = Sender;
        Persist(new JobCanceled(job.JobId, command.By, DateTimeOffset.UtcNow), e =>
        {
            Apply(e);
            if (_placing.Remove(job.JobId)) _balancer.Tell(new WithdrawRequest(_definition.Name, job.JobId));
            replyTo.Tell(new Replies.CommandResult(CommandOutcome.Ok, null, _state.Find(job.JobId)));
            TryDispatch();
        });
    }

    private void Hold(Commands.HoldJob command)
    {
        if (!CanChange(command.JobId, out var job)) return;
        if (job.State != JobState.Pending && job.State != JobState.PendingHeld)
        {
            Sender.Tell(new Replies.CommandResult(CommandOutcome.NotPossible, $"job {job.JobId} is {job.State.ToKeyword()} and can no longer be held", job));
            return;
        }
        if (HoldProblem(command.HoldUntil) is { } problem)
        {
            Sender.Tell(new Replies.CommandResult(CommandOutcome.NotPossible, problem, job));
            return;
        }
        var now = DateTimeOffset.UtcNow;
        var asked = command.HoldUntil ?? JobHold.Indefinite;
        // An incoming job keeps the hold as asked: it starts when the job is closed.
        var hold = job.Incoming ? (asked.Until == HoldUntil.NoHold ? null : asked) : asked.StartingAt(now, _settings.HoldTimeZone);
        var replyTo = Sender;
        if (hold is null)
        {
            // no-hold, or a period that is on now: the job is printable, as after Release-Job.
            if (job.State == JobState.Pending || (job.Incoming && !job.HoldRequested))
            {
                Sender.Tell(new Replies.CommandResult(CommandOutcome.Ok, null, job));
                return;
            }
            Persist(new JobReleased(job.JobId, now), e =>
            {
                Apply(e);
                replyTo.Tell(new Replies.CommandResult(CommandOutcome.Ok, null, _state.Find(job.JobId)));
                TryDispatch();
            });
            return;
        }
        Persist(new JobHeld(job.JobId, now) { HoldUntil = hold.Until, ReleaseAt = hold.ReleaseAt }, e =>
        {
            Apply(e);
            if (_placing.Remove(job.JobId)) _balancer.Tell(new WithdrawRequest(_definition.Name, job.JobId));
            replyTo.Tell(new Replies.CommandResult(CommandOutcome.Ok, null, _state.Find(job.JobId)));
        });
    }

    private void Release(Commands.ReleaseJob command)
    {
        if (!CanChange(command.JobId, out var job)) return;
        if (job.State != JobState.PendingHeld)
        {
            Sender.Tell(new Replies.CommandResult(CommandOutcome.NotPossible, $"job {job.JobId} is {job.State.ToKeyword()}, not held", job));
            return;
        }
        if (job.Incoming && !job.HoldRequested)
        {
            Sender.Tell(new Replies.CommandResult(CommandOutcome.NotPossible,
                $"job {job.JobId} is still receiving documents (job-incoming); it is printable once closed", job));
            return;
        }
        var replyTo = Sender;
        Persist(new JobReleased(job.JobId, DateTimeOffset.UtcNow), e =>
        {
            Apply(e);
            replyTo.Tell(new Replies.CommandResult(CommandOutcome.Ok, null, _state.Find(job.JobId)));
            TryDispatch();
        });
    }

    private void Pause(Commands.PauseQueue command)
    {
        if (_state.Paused)
        {
            Sender.Tell(Status());
            return;
        }
        var replyTo = Sender;
        Persist(new QueuePaused(command.By, DateTimeOffset.UtcNow), e =>
        {
            Apply(e);
            // Jobs waiting for a worker stay pending; running deliveries finish.
            foreach (var jobId in _placing.Keys) _balancer.Tell(new WithdrawRequest(_definition.Name, jobId));
            _placing.Clear();
            _log.Info("Queue {0}: paused by {1}; accepting jobs, dispatching none", _definition.Name, command.By);
            replyTo.Tell(Status());
        });
    }

    private void Resume(Commands.ResumeQueue command)
    {
        if (!_state.Paused)
        {
            Sender.Tell(Status());
            return;
        }
        var replyTo = Sender;
        Persist(new QueueResumed(DateTimeOffset.UtcNow), e =>
        {
            Apply(e);
            _log.Info("Queue {0}: resumed", _definition.Name);
            replyTo.Tell(Status());
            TryDispatch();
        });
    }

    /// <summary>Answers NotFound / NotPossible for unknown or finished jobs; true when the job may change.</summary>
    private bool CanChange(long jobId, out JobRecord job)
    {
        job = _state.Find(jobId)!;
        if (job is null)
        {
            Sender.Tell(new Replies.CommandResult(CommandOutcome.NotFound, $"job {jobId} not found in queue {_definition.Name}", null));
            return false;
        }
        if (job.State.IsTerminal())
        {
            Sender.Tell(new Replies.CommandResult(CommandOutcome.NotPossible, $"job {jobId} is already {job.State.ToKeyword()}", job));
            return false;
        }
        return true;
    }

    private void Granted(WorkerGranted grant)
    {
        var jobId = grant.Request.JobId;
        var job = _state.Find(jobId);
        if (!_placing.Remove(jobId, out var placement) || _state.Paused || job is not { State: JobState.Pending }
            || !(_printerStatus.GetValueOrDefault(placement.Printer)?.IsAcceptingWork ?? false))
        {
            // Canceled, held or its printer failed while we waited: give the worker back and place the job anew.
            _balancer.Tell(new WorkFinished(grant.Worker));
            TryDispatch();
            return;
        }
        var attempt = job.Dispatches + 1;
        _running[jobId] = new Running(placement.Printer, attempt, grant.Worker, DateTimeOffset.UtcNow);
        Context.Watch(grant.Worker);
        // The full address (also for a local worker), so a queue that recovers on another node finds the worker.
        var workerPath = Akka.Serialization.Serialization.SerializedActorPath(grant.Worker);
        Persist(new JobDispatched(jobId, attempt, placement.Printer, workerPath, DateTimeOffset.UtcNow), e =>
        {
            Apply(e);
            grant.Worker.Tell(new ExecuteJob(_definition.Name, jobId, attempt, placement.Printer, job.Documents, grant.Request.Pages)
            {
                Copies = job.Copies,
                UncollatedCopies = job.UncollatedCopies,
            });
        });
    }

    private void RecordOutcome(Commands.ReportOutcome report)
    {
        var replyTo = Sender;
        var job = _state.Find(report.JobId);
        // Current: the dispatch we are waiting for, also when it was not reclaimed yet after a restart.
        var current = (_running.TryGetValue(report.JobId, out var running) && running.Attempt == report.Attempt)
                      || (job is { State: JobState.Processing } && job.Dispatches == report.Attempt);
        if (current) StopRunning(report.JobId);

        var events = new List<IJobQueueEvent>();
        var now = DateTimeOffset.UtcNow;
        // A report about a dispatch before Restart-Job concerns the earlier run, which already ended.
        if (job is not null && !job.State.IsTerminal() && report.Attempt > job.RestartedAfter)
        {
            switch (report.Outcome)
            {
                case DeliveryOutcome.Delivered:
                    // Even a stale report of success counts: the device printed the job.
                    events.Add(new JobCompleted(report.JobId, report.Attempt, report.Printer, now));
                    break;
                case DeliveryOutcome.Failed when current:
                    events.Add(new JobAttemptFailed(report.JobId, report.Attempt, report.Printer, report.Error ?? "delivery failed", now));
                    if (job.Attempts + 1 >= _definition.MaxAttempts)
                    {
                        var reason = $"gave up after {job.Attempts + 1} attempt(s); last error: {report.Error}";
                        _log.Error("Queue {0}: job {1} aborted: {2}", _definition.Name, report.JobId, reason);
                        events.Add(new JobAborted(report.JobId, reason, now));
                    }
                    break;
                case DeliveryOutcome.NotStarted when current:
                    events.Add(new JobInterrupted(report.JobId, report.Error ?? "not started", now));
                    break;
            }
        }

        if (events.Count == 0)
        {
            replyTo.Tell(new Replies.OutcomeRecorded(report.JobId, report.Attempt));
            TryDispatch();
            return;
        }
        PersistAll(events, Apply);
        DeferAsync(events, _ =>
        {
            replyTo.Tell(new Replies.OutcomeRecorded(report.JobId, report.Attempt));
            TryDispatch();
        });
    }

    private void WorkerLost(Terminated terminated)
    {
        var lost = _running.Where(r => r.Value.Worker.Equals(terminated.ActorRef)).Select(r => r.Key).ToList();
        foreach (var jobId in lost) StopRunning(jobId);
        var events = lost
            .Where(id => _state.Find(id) is { State: JobState.Processing })
            .Select(id => new JobInterrupted(id, "worker lost during delivery", DateTimeOffset.UtcNow))
            .ToList();
        if (events.Count == 0) return;
        _log.Warning("Queue {0}: worker {1} lost with job(s) {2}; re-queued", _definition.Name, terminated.ActorRef.Path, string.Join(",", lost));
        PersistAll(events, Apply);
        DeferAsync(events, _ => TryDispatch());
    }

    private void StopRunning(long jobId)
    {
        if (!_running.Remove(jobId, out var running)) return;
        if (!_running.Values.Any(r => r.Worker.Equals(running.Worker))) Context.Unwatch(running.Worker);
    }

    private void OnTick()
    {
        var now = DateTimeOffset.UtcNow;
        PublishDepth();
        // The balancer keeps no journal: after a hand-over it has forgotten our requests, so ask again.
        foreach (var (jobId, placement) in _placing.Where(p => now - p.Value.RequestedAt >= _settings.DispatchRetryInterval).ToList())
        {
            var job = _state.Find(jobId);
            if (_state.Paused || job is not { State: JobState.Pending } || !(_printerStatus.GetValueOrDefault(placement.Printer)?.IsAcceptingWork ?? false))
            {
                _placing.Remove(jobId);
                _balancer.Tell(new WithdrawRequest(_definition.Name, jobId));
                continue;
            }
            _placing[jobId] = placement with { RequestedAt = now };
            _balancer.Tell(new RequestWorker(WorkRequestFor(job), Self));
        }
        // A delivery that outlived every timeout below it lost its worker without a Terminated (e.g. a partition).
        var overdue = _running.Where(r => now - r.Value.StartedAt > _settings.DeliveryTimeout + TimeSpan.FromMinutes(1)).Select(r => r.Key).ToList();
        overdue.ForEach(StopRunning);
        var events = overdue.Select(id => (IJobQueueEvent)new JobInterrupted(id, "no outcome reported in time", now)).ToList();
        events.AddRange(TimedEvents(now));
        if (events.Count > 0)
        {
            PersistAll(events, Apply);
            DeferAsync(events, _ => TryDispatch());
        }
        foreach (var printer in _definition.Printers.Where(p => !_printerStatus.ContainsKey(p)))
        {
            _printers.Tell(new GetPrinterStatus(printer));
        }
        TryDispatch();
    }

    /// <summary>
    /// Held jobs whose release time came, and incoming jobs idle for the multiple-operation-time-out: closed when they
    /// have a document (the client most likely lost track of the last one), aborted when they have none.
    /// </summary>
    private List<IJobQueueEvent> TimedEvents(DateTimeOffset now)
    {
        var events = new List<IJobQueueEvent>();
        foreach (var job in _state.DueForRelease(now))
        {
            _log.Info("Queue {0}: job {1} released: its job-hold-until {2} came", _definition.Name, job.JobId, job.HoldUntil ?? "time");
            events.Add(new JobReleased(job.JobId, now));
        }
        var timeout = _settings.MultipleOperationTimeout;
        foreach (var job in _state.IncomingIdleSince(now - timeout))
        {
            if (_documentSlots.TryGetValue(job.JobId, out var slot) && now - slot.ReservedAt < timeout) continue; // a document is on its way
            if (job.Documents.Length > 0)
            {
                _log.Info("Queue {0}: job {1} closed with {2} document(s): no Send-Document within {3}", _definition.Name, job.JobId, job.Documents.Length, timeout);
                events.Add(CloseEvent(job, "multiple-operation-time-out", now));
            }
            else
            {
                _log.Warning("Queue {0}: job {1} aborted: Create-Job but no document within {2}", _definition.Name, job.JobId, timeout);
                events.Add(new JobAborted(job.JobId, $"no document arrived within the multiple-operation-time-out ({timeout.TotalSeconds:0} s)", now));
            }
        }
        return events;
    }

    /// <summary>Places as many pending jobs as the pool's healthy, free printers can take right now.</summary>
    private void TryDispatch()
    {
        if (IsRecovering || _state.Paused) return;
        var inFlight = _placing.Values.Select(p => p.Printer).Concat(_running.Values.Select(r => r.Printer))
            .GroupBy(p => p).ToDictionary(g => g.Key, g => g.Count());
        var reserved = new HashSet<long>(_placing.Keys);
        while (_state.NextToDispatch(_definition.Sequential, reserved) is { } job)
        {
            if (_definition.Sequential && _running.Count > 0) break;
            var avoid = job.Attempts > 0 ? job.Printer : null;
            var printer = PrinterSelector.Choose(_definition, p => _printerStatus.GetValueOrDefault(p), inFlight, avoid, _rotation++);
            if (printer is null) break;
            if (avoid is not null && printer != avoid) SpoolMetrics.Failovers.WithLabels(_definition.Name).Inc();
            _placing[job.JobId] = new Placement(printer, DateTimeOffset.UtcNow);
            reserved.Add(job.JobId);
            inFlight[printer] = inFlight.GetValueOrDefault(printer) + 1;
            _balancer.Tell(new RequestWorker(WorkRequestFor(job), Self));
        }
    }

    private void PublishDepth()
    {
        var counts = _state.Jobs.GroupBy(j => j.State).ToDictionary(g => g.Key, g => g.Count());
        foreach (var state in Enum.GetValues<JobState>())
        {
            SpoolMetrics.QueueJobs.WithLabels(_definition.Name, state.ToKeyword()).Set(counts.GetValueOrDefault(state));
        }
    }

    protected override void PostStop()
    {
        // The queue now lives on another node, which reports it from there.
        foreach (var state in Enum.GetValues<JobState>()) SpoolMetrics.QueueJobs.RemoveLabelled(_definition.Name, state.ToKeyword());
        base.PostStop();
    }

    private WorkRequest WorkRequestFor(JobRecord job) =>
        new(_definition.Name, job.JobId, PageEstimate.ForJob(job), job.TotalBytes);

    private void PurgeOldJobs()
    {
        var purge = _state.PurgeCandidates(_settings.RetainTerminalJobs, DateTimeOffset.UtcNow - _settings.RetainTerminalFor);
        if (purge.Length == 0) return;
        Persist(new JobsPurged(purge, DateTimeOffset.UtcNow), e =>
        {
            Apply(e);
            var documents = _documents;
            // Documents go after the journal forgot the jobs; a crash in between leaves orphans for the store to sweep.
            Task.Run(async () =>
            {
                foreach (var id in purge) await documents.DeleteJobAsync(id);
            });
        });
    }

    /// <summary>Applies a live event (not a replayed one) and counts it.</summary>
    private void Apply(IJobQueueEvent e)
    {
        _state.Apply(e);
        var queue = _definition.Name;
        switch (e)
        {
            case JobAccepted or JobCreated:
                SpoolMetrics.JobsAccepted.WithLabels(queue).Inc();
                break;
            case JobClosed closed:
                _documentSlots.Remove(closed.JobId);
                break;
            case JobCompleted:
                SpoolMetrics.JobsFinished.WithLabels(queue, "completed").Inc();
                break;
            case JobCanceled canceled:
                _documentSlots.Remove(canceled.JobId);
                SpoolMetrics.JobsFinished.WithLabels(queue, "canceled").Inc();
                break;
            case JobAborted aborted:
                _documentSlots.Remove(aborted.JobId);
                SpoolMetrics.JobsFinished.WithLabels(queue, "aborted").Inc();
                SpoolMetrics.JobsAborted.WithLabels(queue).Inc();
                break;
        }
        if (++_eventsSinceSnapshot >= _settings.SnapshotEvery)
        {
            _eventsSinceSnapshot = 0;
            SaveSnapshot(_state.ToSnapshot());
        }
    }

    private JobRecord[] Listing(Queries.GetJobs query)
    {
        IEnumerable<JobRecord> jobs = query.Which switch
        {
            JobFilter.NotCompleted => _state.InDisplayOrder().Where(j => !j.State.IsTerminal()),
            JobFilter.Completed => _state.Jobs.Where(j => j.State.IsTerminal()).OrderByDescending(j => j.CompletedAt),
            _ => _state.InDisplayOrder(),
        };
        if (query.Owner is { } owner) jobs = jobs.Where(j => j.Owner == owner);
        return (query.Limit > 0 ? jobs.Take(query.Limit) : jobs).ToArray();
    }

    private Replies.QueueStatus Status()
    {
        var counts = _state.Jobs.GroupBy(j => j.State).ToDictionary(g => g.Key, g => g.Count());
        return new Replies.QueueStatus(
            _definition.Name,
            counts.GetValueOrDefault(JobState.Pending),
            counts.GetValueOrDefault(JobState.PendingHeld),
            counts.GetValueOrDefault(JobState.Processing),
            counts.GetValueOrDefault(JobState.Completed),
            counts.GetValueOrDefault(JobState.Canceled),
            counts.GetValueOrDefault(JobState.Aborted),
            _definition.Printers.Where(p => _printerStatus.GetValueOrDefault(p)?.IsAcceptingWork ?? false).ToArray(),
            _definition.Sequential) { Paused = _state.Paused };
    }

    public static Props Props(QueueDefinition definition, SpoolSettings settings, IActorRef balancer, IActorRef printers, IDocumentStore documents) =>
        Akka.Actor.Props.Create(() => new JobQueueActor(definition, settings, balancer, printers, documents));
}
