using System.Collections.Immutable;
using System.Runtime.InteropServices;
using static ActorSpool.Domain.Messages.JobQueueProtocol;
using static ActorSpool.Domain.Messages.JobQueueProtocol.Events;

namespace ActorSpool.Domain.Jobs;

/// <summary>
/// The state of one queue, rebuilt from its events. Pure: no actor, no I/O, so ordering and the
/// life cycle of jobs are tested directly. Dispatch order: priority (higher first), then submission.
/// </summary>
public sealed class QueueState
{
    private readonly Dictionary<long, JobRecord> _jobs = new();

    // Pending jobs in dispatch order (priority desc, sequence asc).
    private readonly SortedSet<JobRecord> _pendingByPriority = new(Comparer<JobRecord>.Create(ComparePriority));

    // Pending and processing jobs in submission order: the head is the only candidate of a sequential queue.
    private readonly SortedSet<JobRecord> _activeBySequence = new(Comparer<JobRecord>.Create((a, b) => a.Sequence.CompareTo(b.Sequence)));

    // Held and incoming jobs: the only ones the queue's timers look at.
    private readonly HashSet<long> _held = new();

    // Unfinished jobs per owner (case-insensitive, as owners are compared), for the per-user limit.
    private readonly Dictionary<string, int> _unfinishedByOwner = new(StringComparer.OrdinalIgnoreCase);

    // Jobs per state, indexed by the IPP enum value: the live feed's queue counts without a pass over every job.
    private readonly int[] _countByState = new int[(int)JobState.Completed + 1];

    // The node addresses of the attempts, one string per member: thousands of jobs share it instead of each holding
    // its own copy, and looking it up by span allocates nothing per dispatch.
    private readonly HashSet<string> _nodes = new(StringComparer.Ordinal);
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _nodesBySpan;

    public QueueState() => _nodesBySpan = _nodes.GetAlternateLookup<ReadOnlySpan<char>>();

    public long NextSequence { get; private set; } = 1;

    /// <summary>A paused queue accepts jobs but dispatches none.</summary>
    public bool Paused { get; private set; }

    public int Count => _jobs.Count;

    public IEnumerable<JobRecord> Jobs => _jobs.Values;

    public int PendingCount => _pendingByPriority.Count;

    /// <summary>Jobs not finished yet: pending, held (incoming included) or processing.</summary>
    public int ActiveCount { get; private set; }

    /// <summary>Unfinished jobs of <paramref name="owner"/> (case-insensitive).</summary>
    public int ActiveCountOf(string owner) => _unfinishedByOwner.GetValueOrDefault(owner);

    public JobRecord? Find(long jobId) => _jobs.GetValueOrDefault(jobId);

    /// <summary>How many jobs are in <paramref name="state"/> (kept as events apply: no pass over the jobs).</summary>
    public int CountOf(JobState state) => _countByState[(int)state];

    public static int ComparePriority(JobRecord a, JobRecord b)
    {
        var byPriority = b.Priority.CompareTo(a.Priority);
        return byPriority != 0 ? byPriority : a.Sequence.CompareTo(b.Sequence);
    }

    /// <summary>
    /// The next job to hand out, or null. <paramref name="reserved"/> are jobs already being placed.
    /// A sequential queue only ever offers the oldest active job, and only when nothing else is in flight.
    /// </summary>
    public JobRecord? NextToDispatch(bool sequential, IReadOnlySet<long> reserved, Func<JobRecord, bool>? eligible = null)
    {
        if (sequential)
        {
            if (_activeBySequence.Count == 0) return null;
            var head = _activeBySequence.Min!;
            return head.State == JobState.Pending && !reserved.Contains(head.JobId) && (eligible?.Invoke(head) ?? true)
                ? head
                : null;
        }

        foreach (var job in _pendingByPriority)
        {
            if (!reserved.Contains(job.JobId) && (eligible?.Invoke(job) ?? true)) return job;
        }
        return null;
    }

    public JobRecord NewJob(long jobId, string queue, string owner, string name, int priority, JobDocument[] documents, DateTimeOffset at) =>
        new(jobId, queue, owner, name, priority, NextSequence, documents, at);

    public void Apply(IJobQueueEvent @event)
    {
        switch (@event)
        {
            case JobAccepted e:
                NextSequence = Math.Max(NextSequence, e.Job.Sequence + 1);
                Put(e.Held ? WithHold(e.Job, e.Job.HoldUntil, e.Job.ReleaseAt) : e.Job with { State = JobState.Pending, HoldUntil = null, ReleaseAt = null });
                break;
            case JobCreated e:
                NextSequence = Math.Max(NextSequence, e.Job.Sequence + 1);
                Put(e.Job with { State = JobState.PendingHeld, Incoming = true, LastDocumentAt = e.At });
                break;
            case DocumentAdded e:
                Update(e.JobId, j => j.Incoming && j.Documents.All(d => d.Number != e.Document.Number)
                    ? j with { Documents = [.. j.Documents.Append(e.Document).OrderBy(d => d.Number)], LastDocumentAt = e.At }
                    : j);
                break;
            case JobClosed e:
                Update(e.JobId, j => !j.Incoming ? j
                    : e.HoldUntil is null && e.ReleaseAt is null
                        ? j with { Incoming = false, State = JobState.Pending, HoldUntil = null, ReleaseAt = null }
                        : WithHold(j, e.HoldUntil, e.ReleaseAt) with { Incoming = false });
                break;
            case JobDispatched e:
                Update(e.JobId, j => j with
                {
                    State = JobState.Processing,
                    Printer = e.Printer,
                    Worker = e.Worker,
                    ProcessingAt = e.At,
                    Dispatches = Math.Max(j.Dispatches, e.Attempt),
                    // A dispatch still open here lost its worker unnoticed: a new one only starts once that one ended.
                    AttemptHistory = Append(
                        EndOpen(j.AttemptHistory, e.At, AttemptOutcome.Interrupted, "superseded by a new dispatch"),
                        new JobAttempt(e.Attempt, e.Printer, NodeOf(e.Worker), e.At, null, null, null)),
                });
                break;
            case JobCompleted e:
                Update(e.JobId, j => j.State.IsTerminal() ? j : j with
                {
                    State = JobState.Completed,
                    Printer = e.Printer,
                    Attempts = j.Attempts + 1,
                    CompletedAt = e.At,
                    // A stale success completes the job while a later dispatch is under way: its report will not count.
                    AttemptHistory = EndOpen(EndAttempt(j, e.Attempt, e.Printer, e.At, AttemptOutcome.Delivered, null),
                        e.At, AttemptOutcome.Interrupted, "an earlier attempt delivered the job"),
                });
                break;
            case JobAttemptFailed e:
                Update(e.JobId, j => j.State.IsTerminal() ? j : j with
                {
                    State = JobState.Pending,
                    Attempts = j.Attempts + 1,
                    LastError = e.Reason,
                    Printer = e.Printer,
                    AttemptHistory = EndAttempt(j, e.Attempt, e.Printer, e.At, AttemptOutcome.Failed, e.Reason),
                });
                break;
            case JobInterrupted e:
                Update(e.JobId, j => j.State != JobState.Processing ? j : j with
                {
                    State = JobState.Pending,
                    LastError = e.Reason,
                    AttemptHistory = EndOpen(j.AttemptHistory, e.At, AttemptOutcome.Interrupted, e.Reason),
                });
                break;
            case JobAborted e:
                Update(e.JobId, j => j.State.IsTerminal() ? j : Finished(j, e.At) with
                {
                    State = JobState.Aborted,
                    LastError = e.Reason,
                    // Only a delivery still under way: after a last failed attempt, that one stays "failed".
                    AttemptHistory = EndOpen(j.AttemptHistory, e.At, AttemptOutcome.Aborted, e.Reason),
                });
                break;
            case JobCanceled e:
                Update(e.JobId, j => j.State.IsTerminal() ? j : Finished(j, e.At) with
                {
                    State = JobState.Canceled,
                    CanceledBy = e.By,
                    // Who canceled is the job's CanceledBy.
                    AttemptHistory = EndOpen(j.AttemptHistory, e.At, AttemptOutcome.Canceled, null),
                });
                break;
            case JobHeld e:
                Update(e.JobId, j => j.State is JobState.Pending or JobState.PendingHeld ? WithHold(j, e.HoldUntil, e.ReleaseAt) : j);
                break;
            case JobReleased e:
                Update(e.JobId, j => j.State != JobState.PendingHeld ? j
                    : j with { State = j.Incoming ? JobState.PendingHeld : JobState.Pending, HoldUntil = null, ReleaseAt = null });
                break;
            case JobRestarted e:
                NextSequence = Math.Max(NextSequence, e.Sequence + 1);
                Update(e.JobId, j => !j.State.IsTerminal() ? j : Restarted(j, e));
                break;
            case QueuePaused:
                Paused = true;
                break;
            case QueueResumed:
                Paused = false;
                break;
            case JobsPurged e:
                foreach (var id in e.JobIds) Remove(id);
                break;
            default:
                throw new ArgumentException($"Unknown queue event {@event.GetType().Name}", nameof(@event));
        }
    }

    /// <summary>Held jobs whose release time has come (incoming ones wait to be closed first).</summary>
    public List<JobRecord> DueForRelease(DateTimeOffset now) =>
        _held.Select(id => _jobs[id]).Where(j => !j.Incoming && j.ReleaseAt <= now).ToList();

    /// <summary>Incoming jobs that have received nothing since <paramref name="cutoff"/> (multiple-operation-time-out).</summary>
    public List<JobRecord> IncomingIdleSince(DateTimeOffset cutoff) =>
        _held.Select(id => _jobs[id]).Where(j => j.Incoming && (j.LastDocumentAt ?? j.SubmittedAt) <= cutoff).ToList();

    public QueueSnapshot ToSnapshot() => new(_jobs.Values.OrderBy(j => j.Sequence).ToArray(), NextSequence) { Paused = Paused };

    public static QueueState FromSnapshot(QueueSnapshot snapshot)
    {
        var state = new QueueState { NextSequence = snapshot.NextSequence, Paused = snapshot.Paused };
        foreach (var job in snapshot.Jobs) state.Put(job);
        return state;
    }

    /// <summary>Terminal jobs that finished (or, never started, were submitted) before <paramref name="cutoff"/>.</summary>
    public long[] FinishedBefore(DateTimeOffset cutoff) =>
        _jobs.Values.Where(j => j.State.IsTerminal() && (j.CompletedAt ?? j.SubmittedAt) < cutoff).Select(j => j.JobId).ToArray();

    /// <summary>Terminal jobs beyond the newest <paramref name="keep"/> or finished before <paramref name="cutoff"/>.</summary>
    public long[] PurgeCandidates(int keep, DateTimeOffset cutoff)
    {
        var terminal = _jobs.Values.Where(j => j.State.IsTerminal()).OrderByDescending(j => j.Sequence).ToList();
        return terminal
            .Where((job, index) => index >= keep || (job.CompletedAt ?? job.SubmittedAt) < cutoff)
            .Select(j => j.JobId)
            .ToArray();
    }

    // A hold without keyword or time is indefinite (also for events written before named holds existed).
    private static JobRecord WithHold(JobRecord job, string? holdUntil, DateTimeOffset? releaseAt) => job with
    {
        State = JobState.PendingHeld,
        HoldUntil = holdUntil ?? (releaseAt is null ? HoldUntil.Indefinite : null),
        ReleaseAt = releaseAt,
    };

    private static JobRecord Finished(JobRecord job, DateTimeOffset at) =>
        job with { Incoming = false, HoldUntil = null, ReleaseAt = null, CompletedAt = at };

    private static JobRecord Restarted(JobRecord job, JobRestarted e)
    {
        var restarted = job with
        {
            State = JobState.Pending,
            Sequence = e.Sequence,
            Attempts = 0,
            RestartedAfter = job.Dispatches,
            LastError = null,
            ProcessingAt = null,
            CompletedAt = null,
            CanceledBy = null,
            HoldUntil = null,
            ReleaseAt = null,
        };
        return e.HoldUntil is null && e.ReleaseAt is null ? restarted : WithHold(restarted, e.HoldUntil, e.ReleaseAt);
    }

    /// <summary>
    /// The history with the attempt numbered <paramref name="attempt"/> ended. One dispatched before the job kept a
    /// history (read from an older snapshot) is taken from the record when it is the last dispatch; an older one that
    /// is no longer kept stays out.
    /// </summary>
    private ImmutableArray<JobAttempt> EndAttempt(JobRecord job, int attempt, string printer, DateTimeOffset at, AttemptOutcome outcome, string? error)
    {
        var history = job.AttemptHistory;
        for (var i = history.Length - 1; i >= 0; i--)
        {
            if (history[i].Attempt == attempt) return history.SetItem(i, history[i] with { EndedAt = at, Outcome = outcome, Error = error });
        }
        return attempt == job.Dispatches
            ? Append(history, new JobAttempt(attempt, printer, NodeOf(job.Worker), job.ProcessingAt, at, outcome, error))
            : history;
    }

    /// <summary>The history with every attempt still under way ended (normally only the newest one is).</summary>
    private static ImmutableArray<JobAttempt> EndOpen(ImmutableArray<JobAttempt> history, DateTimeOffset at, AttemptOutcome outcome, string? error)
    {
        JobAttempt[]? ended = null;
        for (var i = history.Length - 1; i >= 0; i--)
        {
            if (history[i].Outcome is not null) continue;
            ended ??= history.ToArray();
            ended[i] = history[i] with { EndedAt = at, Outcome = outcome, Error = error };
        }
        return ended is null ? history : ImmutableCollectionsMarshal.AsImmutableArray(ended);
    }

    /// <summary>The history with <paramref name="attempt"/> appended, keeping the newest <see cref="JobAttempt.MaxKept"/>.</summary>
    private static ImmutableArray<JobAttempt> Append(ImmutableArray<JobAttempt> history, JobAttempt attempt)
    {
        var kept = history.AsSpan();
        if (kept.Length >= JobAttempt.MaxKept) kept = kept[(kept.Length - JobAttempt.MaxKept + 1)..];
        var appended = new JobAttempt[kept.Length + 1];
        kept.CopyTo(appended);
        appended[^1] = attempt;
        return ImmutableCollectionsMarshal.AsImmutableArray(appended);
    }

    private string? NodeOf(string? worker)
    {
        if (worker is null) return null;
        var node = JobAttempt.NodeOf(worker);
        if (_nodesBySpan.TryGetValue(node, out var known)) return known;
        var added = node.ToString();
        _nodes.Add(added);
        return added;
    }

    private void Update(long jobId, Func<JobRecord, JobRecord> change)
    {
        // An event for an unknown job can only follow a purge: nothing to do.
        if (!_jobs.TryGetValue(jobId, out var job)) return;
        Put(change(job));
    }

    private void Put(JobRecord job)
    {
        Remove(job.JobId);
        _jobs[job.JobId] = job;
        _countByState[(int)job.State]++;
        if (!job.State.IsTerminal()) CountActive(job.Owner, +1);
        if (job.State == JobState.Pending) _pendingByPriority.Add(job);
        if (job.State == JobState.PendingHeld) _held.Add(job.JobId);
        if (job.State is JobState.Pending or JobState.Processing) _activeBySequence.Add(job);
    }

    private void Remove(long jobId)
    {
        if (!_jobs.Remove(jobId, out var old)) return;
        _countByState[(int)old.State]--;
        if (!old.State.IsTerminal()) CountActive(old.Owner, -1);
        _pendingByPriority.Remove(old);
        _activeBySequence.Remove(old);
        _held.Remove(jobId);
    }

    private void CountActive(string owner, int change)
    {
        ActiveCount += change;
        var count = _unfinishedByOwner.GetValueOrDefault(owner) + change;
        if (count == 0) _unfinishedByOwner.Remove(owner);
        else _unfinishedByOwner[owner] = count;
    }
}
