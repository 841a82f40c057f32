using static ActorSpool.Domain.Messages.JobQueueProtocol;
using static ActorSpool.Domain.Messages.JobQueueProtocol.Events;
using static ActorSpool.Domain.Messages.LiveProtocol;

namespace ActorSpool.Domain.Jobs;

/// <summary>
/// Collects a queue's job changes as its events are applied and hands them out only once the journal confirmed them,
/// batched: the queue publishes what <see cref="TakeDurable"/> returns once per journal write, not once per event.
/// The changes are taken when each event is applied (the state it left the job in), so what is published is exactly
/// what the durable events say, even when later events were already applied in memory.
/// </summary>
public sealed class JobChangeBatcher(string queue, string node)
{
    private sealed class PendingCommit(int events, int changes, QueueCounts counts)
    {
        public int Remaining { get; set; } = events;
        public int Changes { get; } = changes;
        public QueueCounts Counts { get; } = counts;
    }

    private readonly Queue<JobChange> _applied = new();
    private readonly Queue<PendingCommit> _commits = new();
    private readonly List<JobChange> _durable = [];
    private int _appliedSinceCommit;
    private QueueCounts? _durableCounts;
    private QueueCounts? _publishedCounts;

    /// <summary>The job an event is about, or null (queue-wide events).</summary>
    public static long? JobIdOf(IJobQueueEvent e) => e switch
    {
        JobAccepted a => a.Job.JobId,
        JobCreated c => c.Job.JobId,
        JobDispatched d => d.JobId,
        JobCompleted c => c.JobId,
        JobAttemptFailed f => f.JobId,
        JobInterrupted i => i.JobId,
        JobAborted a => a.JobId,
        JobCanceled c => c.JobId,
        JobHeld h => h.JobId,
        JobReleased r => r.JobId,
        JobClosed c => c.JobId,
        JobRestarted r => r.JobId,
        _ => null, // DocumentAdded changes no state; pause, resume and purge only the counts
    };

    /// <summary>
    /// Records the change <paramref name="e"/> made, just after it was applied to <paramref name="state"/>;
    /// <paramref name="before"/> is the job's state before it (null: a new job). An event that left the job's state
    /// as it was is no change.
    /// </summary>
    public void Applied(IJobQueueEvent e, JobState? before, QueueState state)
    {
        if (JobIdOf(e) is not { } jobId || state.Find(jobId) is not { } job) return;
        var submitted = e is JobAccepted or JobCreated;
        if (!submitted && before == job.State) return;
        _applied.Enqueue(new JobChange(jobId, job.State.ToKeyword(), job.Printer, e.At)
        {
            Submitted = submitted,
            SubmitToPrintedMs = job.State == JobState.Completed && job.CompletedAt is { } done
                ? (long)Math.Max(0, (done - job.SubmittedAt).TotalMilliseconds)
                : null,
        });
        _appliedSinceCommit++;
    }

    /// <summary>The <paramref name="events"/> applied since the last call go to the journal as one PersistAllAsync.</summary>
    public void Committed(int events, QueueState state)
    {
        _commits.Enqueue(new PendingCommit(events, _appliedSinceCommit, CountsOf(state)));
        _appliedSinceCommit = 0;
    }

    /// <summary>One event of the oldest commit is durable; true when that made a whole commit durable.</summary>
    public bool Confirmed()
    {
        if (!_commits.TryPeek(out var commit)) return false;
        if (--commit.Remaining > 0) return false;
        _commits.Dequeue();
        for (var i = 0; i < commit.Changes; i++) _durable.Add(_applied.Dequeue());
        _durableCounts = commit.Counts;
        return true;
    }

    /// <summary>The durable changes not published yet (null when nothing changed since the last time).</summary>
    public JobChanges? TakeDurable()
    {
        if (_durableCounts is null || (_durable.Count == 0 && _durableCounts == _publishedCounts)) return null;
        var changes = new JobChanges(queue, node, _durable.ToArray(), _durableCounts);
        _durable.Clear();
        _publishedCounts = _durableCounts;
        return changes;
    }

    public static QueueCounts CountsOf(QueueState state) => new(
        state.Paused,
        state.CountOf(JobState.Pending),
        state.CountOf(JobState.PendingHeld),
        state.CountOf(JobState.Processing),
        state.CountOf(JobState.Completed),
        state.CountOf(JobState.Canceled),
        state.CountOf(JobState.Aborted));
}
