using ActorSpool.Domain.Jobs;
using static ActorSpool.Domain.Messages.JobQueueProtocol.Events;

namespace ActorSpool.Domain.Tests.Jobs;

/// <summary>A job's attempt history as <see cref="QueueState.Apply"/> builds it from the queue's events.</summary>
public sealed class AttemptHistoryTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private const string NodeA = "akka.tcp://actorspool@10.0.0.1:4053";
    private const string NodeB = "akka.tcp://actorspool@10.0.0.2:4053";

    private static string Worker(string node, int n) => $"{node}/system/sharding/spool-worker/{n}/spool-worker-{n}#12{n}";

    private static QueueState WithJob(long id = 1)
    {
        var state = new QueueState();
        state.Apply(new JobAccepted(state.NewJob(id, "office", "alice", $"job {id}", 50, [new JobDocument(1, 100, "text/plain", null)], T0), false, T0));
        return state;
    }

    [Fact]
    public void A_job_failing_on_one_printer_then_delivered_on_another_has_both_attempts_with_outcomes_and_times()
    {
        var state = WithJob();

        state.Apply(new JobDispatched(1, 1, "lj-1", Worker(NodeA, 1), T0.AddSeconds(1)));
        Assert.Equal(new JobAttempt(1, "lj-1", NodeA, T0.AddSeconds(1), null, null, null), Assert.Single(state.Find(1)!.AttemptHistory));
        state.Apply(new JobAttemptFailed(1, 1, "lj-1", "connection reset", T0.AddSeconds(2)));
        state.Apply(new JobDispatched(1, 2, "lj-2", Worker(NodeB, 3), T0.AddSeconds(3)));
        state.Apply(new JobCompleted(1, 2, "lj-2", T0.AddSeconds(4)));

        var job = state.Find(1)!;
        Assert.Equal(JobState.Completed, job.State);
        Assert.Equal(2, job.Attempts);
        Assert.Equal<JobAttempt>(
            [
                new JobAttempt(1, "lj-1", NodeA, T0.AddSeconds(1), T0.AddSeconds(2), AttemptOutcome.Failed, "connection reset"),
                new JobAttempt(2, "lj-2", NodeB, T0.AddSeconds(3), T0.AddSeconds(4), AttemptOutcome.Delivered, null),
            ],
            job.AttemptHistory);
    }

    [Fact]
    public void Interrupted_canceled_and_aborted_deliveries_end_their_attempt_and_a_last_failure_stays_failed()
    {
        var state = WithJob();
        state.Apply(new JobDispatched(1, 1, "lj-1", Worker(NodeA, 1), T0.AddSeconds(1)));
        state.Apply(new JobInterrupted(1, "worker lost during delivery", T0.AddSeconds(2)));
        state.Apply(new JobDispatched(1, 2, "lj-1", Worker(NodeA, 2), T0.AddSeconds(3)));
        state.Apply(new JobCanceled(1, "alice", T0.AddSeconds(4)));

        Assert.Equal<JobAttempt>(
            [
                new JobAttempt(1, "lj-1", NodeA, T0.AddSeconds(1), T0.AddSeconds(2), AttemptOutcome.Interrupted, "worker lost during delivery"),
                new JobAttempt(2, "lj-1", NodeA, T0.AddSeconds(3), T0.AddSeconds(4), AttemptOutcome.Canceled, null),
            ],
            state.Find(1)!.AttemptHistory);
        // A late success of the canceled delivery changes nothing: the job is finished.
        state.Apply(new JobCompleted(1, 2, "lj-1", T0.AddSeconds(5)));
        Assert.Equal(AttemptOutcome.Canceled, state.Find(1)!.AttemptHistory[1].Outcome);

        var aborted = WithJob(2);
        aborted.Apply(new JobDispatched(2, 1, "lj-1", Worker(NodeA, 1), T0.AddSeconds(1)));
        aborted.Apply(new JobAttemptFailed(2, 1, "lj-1", "refused", T0.AddSeconds(2)));
        aborted.Apply(new JobAborted(2, "gave up after 1 attempt(s); last error: refused", T0.AddSeconds(2)));
        Assert.Equal(AttemptOutcome.Failed, Assert.Single(aborted.Find(2)!.AttemptHistory).Outcome);

        var abortedWhileDelivering = WithJob(3);
        abortedWhileDelivering.Apply(new JobDispatched(3, 1, "lj-1", Worker(NodeB, 1), T0.AddSeconds(1)));
        abortedWhileDelivering.Apply(new JobAborted(3, "aborted by the system", T0.AddSeconds(2)));
        Assert.Equal(new JobAttempt(1, "lj-1", NodeB, T0.AddSeconds(1), T0.AddSeconds(2), AttemptOutcome.Aborted, "aborted by the system"),
            Assert.Single(abortedWhileDelivering.Find(3)!.AttemptHistory));
    }

    [Fact]
    public void A_stale_success_marks_its_own_attempt_delivered_and_ends_the_one_under_way()
    {
        var state = WithJob();
        state.Apply(new JobDispatched(1, 1, "lj-1", Worker(NodeA, 1), T0.AddSeconds(1)));
        state.Apply(new JobInterrupted(1, "no outcome reported in time", T0.AddSeconds(2)));
        state.Apply(new JobDispatched(1, 2, "lj-2", Worker(NodeB, 1), T0.AddSeconds(3)));
        state.Apply(new JobCompleted(1, 1, "lj-1", T0.AddSeconds(4))); // the first worker did print it after all

        var history = state.Find(1)!.AttemptHistory;
        Assert.Equal([(1, AttemptOutcome.Delivered), (2, AttemptOutcome.Interrupted)], history.Select(a => (a.Attempt, a.Outcome!.Value)));
        Assert.All(history, a => Assert.Equal(T0.AddSeconds(4), a.EndedAt));
    }

    [Fact]
    public void The_history_survives_a_restart_and_keeps_numbering_by_dispatch()
    {
        var state = WithJob();
        state.Apply(new JobDispatched(1, 1, "lj-1", Worker(NodeA, 1), T0.AddSeconds(1)));
        state.Apply(new JobCompleted(1, 1, "lj-1", T0.AddSeconds(2)));
        state.Apply(new JobRestarted(1, state.NextSequence, T0.AddSeconds(3)));
        state.Apply(new JobDispatched(1, 2, "lj-1", Worker(NodeA, 1), T0.AddSeconds(4)));
        state.Apply(new JobCompleted(1, 2, "lj-1", T0.AddSeconds(5)));

        var job = state.Find(1)!;
        Assert.Equal(1, job.Attempts); // the count starts again at a restart; the history does not
        Assert.Equal([1, 2], job.AttemptHistory.Select(a => a.Attempt));
        Assert.All(job.AttemptHistory, a => Assert.Equal(AttemptOutcome.Delivered, a.Outcome));
    }

    [Fact]
    public void A_job_retrying_for_ever_keeps_only_its_newest_attempts()
    {
        var state = WithJob();
        const int dispatches = JobAttempt.MaxKept * 3 + 7;
        for (var n = 1; n <= dispatches; n++)
        {
            state.Apply(new JobDispatched(1, n, $"lj-{n % 2}", Worker(NodeA, n % 4), T0.AddSeconds(2 * n)));
            state.Apply(new JobAttemptFailed(1, n, $"lj-{n % 2}", $"failure {n}", T0.AddSeconds(2 * n + 1)));
        }

        var history = state.Find(1)!.AttemptHistory;
        Assert.Equal(JobAttempt.MaxKept, history.Length);
        Assert.Equal(Enumerable.Range(dispatches - JobAttempt.MaxKept + 1, JobAttempt.MaxKept), history.Select(a => a.Attempt));
        Assert.Equal($"failure {dispatches}", history[^1].Error);
        // One node string shared by every attempt, not a copy per dispatch.
        Assert.All(history, a => Assert.Same(history[0].Node, a.Node));
    }

    [Fact]
    public void A_job_from_a_snapshot_without_history_gets_its_current_dispatch_from_the_record_when_it_ends()
    {
        // As a version-1 snapshot reads: processing, dispatched twice, no history.
        var processing = new JobRecord(1, "office", "alice", "job 1", 50, 1, [new JobDocument(1, 100, "text/plain", null)], T0)
        {
            State = JobState.Processing,
            Dispatches = 2,
            Attempts = 1,
            Printer = "lj-1",
            Worker = Worker(NodeA, 1),
            ProcessingAt = T0.AddSeconds(1),
        };
        var state = QueueState.FromSnapshot(new QueueSnapshot([processing], 2));
        Assert.Empty(state.Find(1)!.AttemptHistory);

        state.Apply(new JobCompleted(1, 2, "lj-1", T0.AddSeconds(2)));

        Assert.Equal(new JobAttempt(2, "lj-1", NodeA, T0.AddSeconds(1), T0.AddSeconds(2), AttemptOutcome.Delivered, null),
            Assert.Single(state.Find(1)!.AttemptHistory));
    }

    [Theory]
    [InlineData("akka.tcp://actorspool@10.0.0.1:4053/system/sharding/w/1#5", "akka.tcp://actorspool@10.0.0.1:4053")]
    [InlineData("akka.ssl.tcp://actorspool@[::1]:4053/user/spool-worker-1", "akka.ssl.tcp://actorspool@[::1]:4053")]
    [InlineData("akka://spool/user/spool-worker-1", "akka://spool")]
    [InlineData("akka://spool", "akka://spool")]
    [InlineData("w", "w")]
    public void The_node_is_the_address_of_the_workers_path(string worker, string node) =>
        Assert.Equal(node, JobAttempt.NodeOf(worker).ToString());
}
