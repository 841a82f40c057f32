using ActorSpool.Domain.Jobs;
using static ActorSpool.Domain.Messages.JobQueueProtocol.Events;

namespace ActorSpool.Domain.Tests.Jobs;

public sealed class CopiesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(0, false)]
    [InlineData(-1, false)]
    [InlineData(1, true)]
    [InlineData(Copies.Max, true)]
    [InlineData(Copies.Max + 1, false)]
    public void Copies_must_be_within_one_to_max(int copies, bool valid)
    {
        Assert.Equal(valid, new Copies(copies, Uncollated: false).Problem() is null);
        Assert.Equal(valid, new Copies(copies, Uncollated: true).Problem() is null);
    }

    [Fact]
    public void The_page_estimate_counts_every_copy()
    {
        var job = new JobRecord(1, "office", "alice", "report", 50, 1, [new JobDocument(1, 10 * PageEstimate.BytesPerPage, "application/pdf", null)], T0);

        Assert.Equal(10, PageEstimate.ForJob(job));
        Assert.Equal(30, PageEstimate.ForJob(job with { Copies = new Copies(3, Uncollated: false) }));
    }

    [Fact]
    public void A_record_without_copies_means_one_copy_collated()
    {
        var job = new JobRecord(1, "office", "alice", "report", 50, 1, [], T0);

        Assert.Equal(Copies.One, job.Copies);
        Assert.Equal((1, false), (job.Copies.Count, job.Copies.Uncollated));
    }

    [Fact]
    public void Copies_survive_every_state_change_and_the_snapshot()
    {
        var state = new QueueState();
        var document = new JobDocument(1, 100, "text/plain", null);
        var job = state.NewJob(7, "office", "alice", "report", 50, [document], T0) with { Copies = new Copies(4, Uncollated: true) };
        state.Apply(new JobAccepted(job, false, T0));
        state.Apply(new JobHeld(7, T0));
        state.Apply(new JobReleased(7, T0));
        state.Apply(new JobDispatched(7, 1, "lj-1", "w", T0));
        state.Apply(new JobAttemptFailed(7, 1, "lj-1", "paper jam", T0));
        state.Apply(new JobDispatched(7, 2, "lj-2", "w", T0));
        state.Apply(new JobCompleted(7, 2, "lj-2", T0));
        state.Apply(new JobRestarted(7, state.NextSequence, T0));

        var restored = QueueState.FromSnapshot(state.ToSnapshot()).Find(7)!;
        Assert.Equal(JobState.Pending, restored.State);
        Assert.Equal(new Copies(4, Uncollated: true), restored.Copies);
    }

    [Fact]
    public void A_created_job_keeps_its_copies_while_documents_arrive_and_after_it_is_closed()
    {
        var state = new QueueState();
        var job = state.NewJob(8, "office", "alice", "multi", 50, [], T0) with { Copies = new Copies(2, Uncollated: false) };
        state.Apply(new JobCreated(job, T0));
        state.Apply(new DocumentAdded(8, new JobDocument(1, 10, "text/plain", null), T0));
        state.Apply(new DocumentAdded(8, new JobDocument(2, 20, "text/plain", null), T0));
        state.Apply(new JobClosed(8, "last-document", T0));

        var closed = state.Find(8)!;
        Assert.Equal(JobState.Pending, closed.State);
        Assert.Equal(2, closed.Copies.Count);
        Assert.Equal(2, closed.Documents.Length);
    }
}
