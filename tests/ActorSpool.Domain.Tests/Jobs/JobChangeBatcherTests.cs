using ActorSpool.Domain.Jobs;
using static ActorSpool.Domain.Messages.JobQueueProtocol;
using static ActorSpool.Domain.Messages.JobQueueProtocol.Events;

namespace ActorSpool.Domain.Tests.Jobs;

/// <summary>The queue's job changes go out only once durable, one batch per journal write, with the counts of then.</summary>
public sealed class JobChangeBatcherTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly QueueState _state = new();
    private readonly JobChangeBatcher _batcher = new("office", "akka.tcp://actorspool@127.0.0.1:1");

    /// <summary>Applies the events as the queue's Commit does, as one PersistAllAsync.</summary>
    private void Commit(params IJobQueueEvent[] events)
    {
        foreach (var e in events)
        {
            var before = JobChangeBatcher.JobIdOf(e) is { } id ? _state.Find(id)?.State : null;
            _state.Apply(e);
            _batcher.Applied(e, before, _state);
        }
        _batcher.Committed(events.Length, _state);
    }

    private JobAccepted Accepted(long id) =>
        new(_state.NewJob(id, "office", "alice", $"job {id}", 50, [new JobDocument(1, 10, "text/plain", null)], T0), false, T0);

    [Fact]
    public void Nothing_is_handed_out_before_the_journal_confirmed_it()
    {
        Commit(Accepted(1));

        Assert.Null(_batcher.TakeDurable());
        Assert.True(_batcher.Confirmed());
        var changes = _batcher.TakeDurable()!;

        var change = Assert.Single(changes.Changes);
        Assert.Equal((1L, "pending", true), (change.JobId, change.State, change.Submitted));
        Assert.Equal("office", changes.Queue);
        Assert.Equal("akka.tcp://actorspool@127.0.0.1:1", changes.Node);
        Assert.Equal(1, changes.Counts.Pending);
        Assert.Null(_batcher.TakeDurable());
    }

    [Fact]
    public void Each_change_carries_the_state_its_own_event_left_even_when_later_ones_are_applied_already()
    {
        Commit(Accepted(1));
        Commit(new JobDispatched(1, 1, "lj-1", "w", T0.AddSeconds(1)));
        Commit(new JobCompleted(1, 1, "lj-1", T0.AddSeconds(3)));

        Assert.True(_batcher.Confirmed());
        var first = _batcher.TakeDurable()!;
        Assert.Equal("pending", Assert.Single(first.Changes).State);
        Assert.Equal((1, 0, 0), (first.Counts.Pending, first.Counts.Processing, first.Counts.Completed));

        Assert.True(_batcher.Confirmed());
        Assert.True(_batcher.Confirmed());
        var rest = _batcher.TakeDurable()!;
        Assert.Equal(["processing", "completed"], rest.Changes.Select(c => c.State));
        Assert.Equal("lj-1", rest.Changes[1].Printer);
        Assert.Equal(3000, rest.Changes[1].SubmitToPrintedMs);
        Assert.Null(rest.Changes[0].SubmitToPrintedMs);
        Assert.Equal((0, 0, 1), (rest.Counts.Pending, rest.Counts.Processing, rest.Counts.Completed));
    }

    [Fact]
    public void A_commit_of_several_events_is_durable_with_its_last_confirmation()
    {
        Commit(Accepted(1), Accepted(2), Accepted(3));

        Assert.False(_batcher.Confirmed());
        Assert.False(_batcher.Confirmed());
        Assert.Null(_batcher.TakeDurable());
        Assert.True(_batcher.Confirmed());
        Assert.Equal([1L, 2, 3], _batcher.TakeDurable()!.Changes.Select(c => c.JobId));
    }

    [Fact]
    public void An_event_that_changes_no_state_is_no_change_but_a_pause_still_publishes_the_counts()
    {
        Commit(Accepted(1));
        _batcher.Confirmed();
        _batcher.TakeDurable();

        Commit(new JobInterrupted(1, "not processing: no change", T0));
        _batcher.Confirmed();
        Assert.Null(_batcher.TakeDurable());

        Commit(new QueuePaused("admin", T0));
        _batcher.Confirmed();
        var paused = _batcher.TakeDurable()!;
        Assert.Empty(paused.Changes);
        Assert.True(paused.Counts.Paused);
    }

    [Fact]
    public void Counts_follow_every_state_without_a_pass_over_the_jobs()
    {
        Commit(Accepted(1), Accepted(2), Accepted(3), Accepted(4));
        Commit(new JobHeld(2, T0), new JobCanceled(3, "alice", T0), new JobDispatched(4, 1, "lj-1", "w", T0));
        Commit(new JobAttemptFailed(4, 1, "lj-1", "jam", T0), new JobAborted(4, "too many attempts", T0));

        Assert.Equal((1, 1, 0, 0, 1, 1), (_state.CountOf(JobState.Pending), _state.CountOf(JobState.PendingHeld), _state.CountOf(JobState.Processing),
            _state.CountOf(JobState.Completed), _state.CountOf(JobState.Canceled), _state.CountOf(JobState.Aborted)));
        Commit(new JobsPurged([3, 4], T0));
        Assert.Equal((0, 0), (_state.CountOf(JobState.Canceled), _state.CountOf(JobState.Aborted)));
        Assert.Equal(2, _state.Count);
    }
}
