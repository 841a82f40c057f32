using ActorSpool.Domain.Jobs;
using static ActorSpool.Domain.Messages.JobQueueProtocol.Events;

namespace ActorSpool.Domain.Tests.Jobs;

public sealed class QueueStateTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly HashSet<long> NoneReserved = [];

    private static JobRecord Accept(QueueState state, long id, int priority, bool held = false)
    {
        var job = state.NewJob(id, "office", "alice", $"job {id}", priority, [new JobDocument(1, 100, "text/plain", null)], T0);
        state.Apply(new JobAccepted(job, held, T0));
        return state.Find(id)!;
    }

    private static List<long> DrainOrder(QueueState state, bool sequential)
    {
        var order = new List<long>();
        while (state.NextToDispatch(sequential, NoneReserved) is { } next)
        {
            order.Add(next.JobId);
            state.Apply(new JobDispatched(next.JobId, 1, "lj-1", "w", T0));
            state.Apply(new JobCompleted(next.JobId, 1, "lj-1", T0));
        }
        return order;
    }

    [Fact]
    public void Higher_priority_goes_first_then_submission_order()
    {
        var state = new QueueState();
        Accept(state, 1, 50);
        Accept(state, 2, 90);
        Accept(state, 3, 50);
        Accept(state, 4, 100);
        Accept(state, 5, 1);

        Assert.Equal([4L, 2, 1, 3, 5], DrainOrder(state, sequential: false));
    }

    [Fact]
    public void Sequential_queue_ignores_priority_and_offers_only_the_oldest_job()
    {
        var state = new QueueState();
        Accept(state, 1, 10);
        Accept(state, 2, 100);
        Accept(state, 3, 50);

        var first = state.NextToDispatch(sequential: true, NoneReserved);
        Assert.Equal(1, first!.JobId);

        // While job 1 is out for delivery nothing else may start.
        state.Apply(new JobDispatched(1, 1, "lj-1", "w", T0));
        Assert.Null(state.NextToDispatch(sequential: true, NoneReserved));
        // Also not while it is merely being placed.
        Assert.Null(new QueueState().NextToDispatch(true, NoneReserved));

        state.Apply(new JobCompleted(1, 1, "lj-1", T0));
        Assert.Equal([2L, 3], DrainOrder(state, sequential: true));
    }

    [Fact]
    public void Sequential_queue_retries_a_failed_head_before_anything_else()
    {
        var state = new QueueState();
        Accept(state, 1, 50);
        Accept(state, 2, 50);
        state.Apply(new JobDispatched(1, 1, "lj-1", "w", T0));
        state.Apply(new JobAttemptFailed(1, 1, "lj-1", "refused", T0));

        Assert.Equal(1, state.NextToDispatch(sequential: true, NoneReserved)!.JobId);
        Assert.Equal(1, state.Find(1)!.Attempts);
    }

    [Fact]
    public void Reserved_and_held_jobs_are_skipped()
    {
        var state = new QueueState();
        Accept(state, 1, 80);
        Accept(state, 2, 70, held: true);
        Accept(state, 3, 60);

        Assert.Equal(3, state.NextToDispatch(false, new HashSet<long> { 1 })!.JobId);
        Assert.Equal(JobState.PendingHeld, state.Find(2)!.State);

        state.Apply(new JobReleased(2, T0));
        Assert.Equal(2, state.NextToDispatch(false, new HashSet<long> { 1 })!.JobId);
    }

    [Fact]
    public void Interrupted_delivery_goes_back_to_pending_without_counting_an_attempt()
    {
        var state = new QueueState();
        Accept(state, 1, 50);
        state.Apply(new JobDispatched(1, 1, "lj-1", "w", T0));
        state.Apply(new JobInterrupted(1, "worker lost", T0));

        var job = state.Find(1)!;
        Assert.Equal(JobState.Pending, job.State);
        Assert.Equal(0, job.Attempts);
        Assert.Equal(1, job.Dispatches);
    }

    [Fact]
    public void Terminal_jobs_stay_terminal()
    {
        var state = new QueueState();
        Accept(state, 1, 50);
        state.Apply(new JobCanceled(1, "bob", T0));
        state.Apply(new JobCompleted(1, 1, "lj-1", T0));
        state.Apply(new JobAttemptFailed(1, 1, "lj-1", "late", T0));

        Assert.Equal(JobState.Canceled, state.Find(1)!.State);
        Assert.Null(state.NextToDispatch(false, NoneReserved));
    }

    [Fact]
    public void Snapshot_restores_the_same_state_and_order()
    {
        var state = new QueueState();
        Accept(state, 1, 20);
        Accept(state, 2, 90);
        Accept(state, 3, 50, held: true);
        state.Apply(new JobDispatched(2, 1, "lj-1", "w", T0));
        state.Apply(new JobCompleted(2, 1, "lj-1", T0));

        var restored = QueueState.FromSnapshot(state.ToSnapshot());

        Assert.Equal(state.Jobs.OrderBy(j => j.JobId), restored.Jobs.OrderBy(j => j.JobId));
        Assert.Equal(state.NextSequence, restored.NextSequence);
        Assert.Equal(state.NextToDispatch(false, NoneReserved)?.JobId, restored.NextToDispatch(false, NoneReserved)?.JobId);
    }

    [Fact]
    public void Retention_purges_oldest_terminal_jobs_beyond_the_limit()
    {
        var state = new QueueState();
        for (var id = 1; id <= 5; id++)
        {
            Accept(state, id, 50);
            state.Apply(new JobCanceled(id, "x", T0));
        }
        Accept(state, 6, 50);

        var purge = state.PurgeCandidates(keep: 2, cutoff: T0.AddDays(-1));
        Assert.Equal([3L, 2, 1], purge);

        state.Apply(new JobsPurged(purge, T0));
        Assert.Equal([4L, 5, 6], state.Jobs.Select(j => j.JobId).Order());
    }
}
