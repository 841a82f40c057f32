using ActorSpool.Domain.Jobs;
using static ActorSpool.Domain.Messages.JobQueueProtocol.Events;

namespace ActorSpool.Domain.Tests.Jobs;

/// <summary>Incoming (Create-Job) jobs, closing them, timed holds and Restart-Job, as queue state transitions.</summary>
public sealed class QueueStateLifecycleTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly HashSet<long> NoneReserved = [];

    private static JobDocument Doc(int number, long length = 100) => new(number, length, "text/plain", $"doc {number}");

    private static JobRecord Create(QueueState state, long id, string? holdUntil = null, DateTimeOffset? releaseAt = null)
    {
        var job = state.NewJob(id, "office", "alice", $"job {id}", 50, [], T0) with { HoldUntil = holdUntil, ReleaseAt = releaseAt };
        state.Apply(new JobCreated(job, T0));
        return state.Find(id)!;
    }

    private static JobRecord Accept(QueueState state, long id)
    {
        state.Apply(new JobAccepted(state.NewJob(id, "office", "alice", $"job {id}", 50, [Doc(1)], T0), false, T0));
        return state.Find(id)!;
    }

    private static void Complete(QueueState state, long id, int dispatch = 1)
    {
        state.Apply(new JobDispatched(id, dispatch, "lj-1", "w", T0));
        state.Apply(new JobCompleted(id, dispatch, "lj-1", T0));
    }

    [Fact]
    public void A_created_job_is_incoming_pending_held_and_never_offered_for_dispatch()
    {
        var state = new QueueState();

        var job = Create(state, 1);

        Assert.Equal(JobState.PendingHeld, job.State);
        Assert.True(job.Incoming);
        Assert.Equal(["job-incoming"], job.StateReasons);
        Assert.Empty(job.Documents);
        state.Apply(new DocumentAdded(1, Doc(1), T0.AddSeconds(1)));
        Assert.Null(state.NextToDispatch(sequential: false, NoneReserved));
        Assert.Null(state.NextToDispatch(sequential: true, NoneReserved));
        Assert.Equal(0, state.PendingCount);
    }

    [Fact]
    public void Documents_are_kept_in_document_number_order_once_each_and_restart_the_time_out()
    {
        var state = new QueueState();
        Create(state, 1);

        state.Apply(new DocumentAdded(1, Doc(2, 200), T0.AddSeconds(5)));
        state.Apply(new DocumentAdded(1, Doc(1, 100), T0.AddSeconds(10)));
        state.Apply(new DocumentAdded(1, Doc(2, 999), T0.AddSeconds(15))); // a repeated number changes nothing

        var job = state.Find(1)!;
        Assert.Equal([1, 2], job.Documents.Select(d => d.Number));
        Assert.Equal(300, job.TotalBytes);
        Assert.Equal(T0.AddSeconds(10), job.LastDocumentAt);
        Assert.Empty(state.IncomingIdleSince(T0.AddSeconds(9)));
        Assert.Equal([1L], state.IncomingIdleSince(T0.AddSeconds(10)).Select(j => j.JobId));
    }

    [Fact]
    public void The_time_out_of_a_job_without_documents_runs_from_its_creation()
    {
        var state = new QueueState();
        Create(state, 1);
        Accept(state, 2);

        Assert.Empty(state.IncomingIdleSince(T0.AddSeconds(-1)));
        Assert.Equal([1L], state.IncomingIdleSince(T0).Select(j => j.JobId));
    }

    [Fact]
    public void Closing_makes_the_job_pending_and_ends_its_document_list()
    {
        var state = new QueueState();
        Create(state, 1);
        state.Apply(new DocumentAdded(1, Doc(1), T0));
        state.Apply(new DocumentAdded(1, Doc(2), T0));

        state.Apply(new JobClosed(1, "last-document", T0.AddSeconds(1)));
        state.Apply(new DocumentAdded(1, Doc(3), T0.AddSeconds(2)));

        var job = state.Find(1)!;
        Assert.Equal(JobState.Pending, job.State);
        Assert.False(job.Incoming);
        Assert.Equal([1, 2], job.Documents.Select(d => d.Number));
        Assert.Equal(1, state.NextToDispatch(sequential: true, NoneReserved)!.JobId);
        Assert.Empty(state.IncomingIdleSince(T0.AddDays(1)));
    }

    [Fact]
    public void A_job_closed_with_a_hold_stays_held_until_its_release_time()
    {
        var state = new QueueState();
        Create(state, 1, HoldUntil.Night);
        state.Apply(new DocumentAdded(1, Doc(1), T0));

        state.Apply(new JobClosed(1, "Close-Job", T0.AddMinutes(1)) { HoldUntil = HoldUntil.Night, ReleaseAt = T0.AddHours(6) });

        var job = state.Find(1)!;
        Assert.Equal(JobState.PendingHeld, job.State);
        Assert.False(job.Incoming);
        Assert.Equal(["job-hold-until-specified"], job.StateReasons);
        Assert.Equal(HoldUntil.Night, job.HoldUntil);
        Assert.Null(state.NextToDispatch(false, NoneReserved));
        Assert.Empty(state.DueForRelease(T0.AddHours(6).AddTicks(-1)));
        Assert.Equal([1L], state.DueForRelease(T0.AddHours(6)).Select(j => j.JobId));

        state.Apply(new JobReleased(1, T0.AddHours(6)));
        Assert.Equal(JobState.Pending, state.Find(1)!.State);
        Assert.Null(state.Find(1)!.HoldUntil);
        Assert.Empty(state.DueForRelease(T0.AddDays(1)));
    }

    [Fact]
    public void A_job_closed_without_a_hold_is_pending_whatever_it_asked_for_at_creation()
    {
        var state = new QueueState();
        Create(state, 1, releaseAt: T0.AddMinutes(1));
        state.Apply(new DocumentAdded(1, Doc(1), T0));

        Assert.Empty(state.DueForRelease(T0.AddHours(1))); // incoming jobs are not released, they are closed

        state.Apply(new JobClosed(1, "last-document", T0.AddMinutes(2)));
        Assert.Equal(JobState.Pending, state.Find(1)!.State);
        Assert.Null(state.Find(1)!.ReleaseAt);
    }

    [Fact]
    public void Holding_an_incoming_job_keeps_it_incoming_and_holds_it_once_closed()
    {
        var state = new QueueState();
        Create(state, 1);
        state.Apply(new DocumentAdded(1, Doc(1), T0));

        state.Apply(new JobHeld(1, T0));
        Assert.True(state.Find(1)!.Incoming);
        Assert.Equal(HoldUntil.Indefinite, state.Find(1)!.HoldUntil);
        state.Apply(new JobClosed(1, "Close-Job", T0) { HoldUntil = HoldUntil.Indefinite });

        var job = state.Find(1)!;
        Assert.Equal(JobState.PendingHeld, job.State);
        Assert.Equal(HoldUntil.Indefinite, job.HoldUntil);
        Assert.Empty(state.DueForRelease(DateTimeOffset.MaxValue));
    }

    [Fact]
    public void Releasing_an_incoming_job_drops_its_hold_request_but_not_its_incoming_state()
    {
        var state = new QueueState();
        Create(state, 1, HoldUntil.Weekend, T0.AddDays(2));

        state.Apply(new JobReleased(1, T0));

        var job = state.Find(1)!;
        Assert.True(job.Incoming);
        Assert.Equal(JobState.PendingHeld, job.State);
        Assert.False(job.HoldRequested);
    }

    [Fact]
    public void Hold_job_with_a_time_sets_the_release_time_and_a_later_hold_replaces_it()
    {
        var state = new QueueState();
        Accept(state, 1);

        state.Apply(new JobHeld(1, T0) { HoldUntil = HoldUntil.Evening, ReleaseAt = T0.AddHours(6) });
        Assert.Equal((HoldUntil.Evening, T0.AddHours(6)), (state.Find(1)!.HoldUntil, state.Find(1)!.ReleaseAt));

        state.Apply(new JobHeld(1, T0) { ReleaseAt = T0.AddMinutes(5) });
        Assert.Equal(((string?)null, T0.AddMinutes(5)), (state.Find(1)!.HoldUntil, state.Find(1)!.ReleaseAt));
        Assert.Equal([1L], state.DueForRelease(T0.AddMinutes(5)).Select(j => j.JobId));
    }

    [Fact]
    public void A_hold_recorded_before_named_holds_existed_is_indefinite()
    {
        var state = new QueueState();
        state.Apply(new JobAccepted(state.NewJob(1, "office", "alice", "old", 50, [Doc(1)], T0), Held: true, T0));

        Assert.Equal(HoldUntil.Indefinite, state.Find(1)!.HoldUntil);
        Assert.Empty(state.DueForRelease(DateTimeOffset.MaxValue));
    }

    [Fact]
    public void Canceling_an_incoming_job_ends_it()
    {
        var state = new QueueState();
        Create(state, 1, HoldUntil.Indefinite);

        state.Apply(new JobCanceled(1, "bob", T0));
        state.Apply(new JobClosed(1, "Close-Job", T0));

        var job = state.Find(1)!;
        Assert.Equal(JobState.Canceled, job.State);
        Assert.False(job.Incoming);
        Assert.Null(job.HoldUntil);
        Assert.Empty(state.IncomingIdleSince(DateTimeOffset.MaxValue));
    }

    [Fact]
    public void Restarting_a_finished_job_puts_it_behind_the_waiting_jobs_with_fresh_attempts()
    {
        var state = new QueueState();
        Accept(state, 1);
        state.Apply(new JobDispatched(1, 1, "lj-1", "w", T0));
        state.Apply(new JobAttemptFailed(1, 1, "lj-1", "refused", T0));
        Complete(state, 1, dispatch: 2);
        Accept(state, 2);

        state.Apply(new JobRestarted(1, state.NextSequence, T0.AddMinutes(1)));

        var job = state.Find(1)!;
        Assert.Equal(JobState.Pending, job.State);
        Assert.Equal(0, job.Attempts);
        Assert.Equal(2, job.Dispatches); // late answers of the earlier dispatches stay recognisable
        Assert.Equal(2, job.RestartedAfter);
        Assert.Null(job.CompletedAt);
        Assert.Null(job.LastError);
        Assert.Equal([1], job.Documents.Select(d => d.Number));
        Assert.Equal(job.Sequence + 1, state.NextSequence);
        Assert.Equal(2, state.NextToDispatch(sequential: true, NoneReserved)!.JobId);
        Assert.Equal([2L, 1], Drain(state));
    }

    [Fact]
    public void Restart_with_a_hold_restarts_held_and_restart_of_an_unfinished_job_changes_nothing()
    {
        var state = new QueueState();
        Accept(state, 1);
        state.Apply(new JobCanceled(1, "bob", T0));
        Accept(state, 2);

        state.Apply(new JobRestarted(1, state.NextSequence, T0) { HoldUntil = HoldUntil.Indefinite });
        state.Apply(new JobRestarted(2, state.NextSequence, T0));

        Assert.Equal(JobState.PendingHeld, state.Find(1)!.State);
        Assert.Null(state.Find(1)!.CanceledBy);
        Assert.Equal(JobState.Pending, state.Find(2)!.State);
        Assert.Equal(2, state.Find(2)!.Sequence);
    }

    [Fact]
    public void Snapshot_keeps_incoming_jobs_and_holds()
    {
        var state = new QueueState();
        Create(state, 1);
        state.Apply(new DocumentAdded(1, Doc(1), T0.AddSeconds(3)));
        Accept(state, 2);
        state.Apply(new JobHeld(2, T0) { ReleaseAt = T0.AddHours(1) });

        var restored = QueueState.FromSnapshot(state.ToSnapshot());

        Assert.Equal(state.Jobs.OrderBy(j => j.JobId), restored.Jobs.OrderBy(j => j.JobId));
        Assert.Equal([1L], restored.IncomingIdleSince(T0.AddSeconds(3)).Select(j => j.JobId));
        Assert.Equal([2L], restored.DueForRelease(T0.AddHours(1)).Select(j => j.JobId));
    }

    private static List<long> Drain(QueueState state)
    {
        var order = new List<long>();
        var dispatch = 10;
        while (state.NextToDispatch(false, NoneReserved) is { } next)
        {
            order.Add(next.JobId);
            Complete(state, next.JobId, ++dispatch);
        }
        return order;
    }
}
