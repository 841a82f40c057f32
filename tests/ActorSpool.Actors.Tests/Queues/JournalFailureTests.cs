using ActorSpool.Actors.Queues;
using ActorSpool.Actors.Storage;
using ActorSpool.Domain.Jobs;
using ActorSpool.Domain.Topology;
using ActorSpool.TestSupport;
using Akka.Actor;
using Akka.Persistence;
using Akka.Persistence.TestKit;
using Akka.TestKit.Xunit2;
using static ActorSpool.Domain.Messages.JobQueueProtocol;

namespace ActorSpool.Actors.Tests.Queues;

/// <summary>
/// The queue entity over Akka.Persistence.TestKit's journal, which fails or rejects writes on demand: whoever waits for
/// a write that failed hears <see cref="Replies.StorageUnavailable"/> at once (never an acceptance), the entity stops,
/// and the next incarnation (sharding starts one after entity-restart-backoff) recovers the journal as it was: the
/// refused job is not there, earlier ones are, and the next write works.
/// </summary>
public sealed class JournalFailureTests : TestKit
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly QueueDefinition Office = new("office", [], QueueMode.Failover, Sequential: false, DefaultPriority: 50, MaxAttempts: 3,
        MaxDocumentBytes: 1 << 20, RawPort: null);

    private readonly TempDirectory _data = new();
    private readonly SqliteDocumentStore _documents;
    private readonly ITestJournal _journal;

    public JournalFailureTests() : base(QueueTestSystem.Config)
    {
        _documents = new SqliteDocumentStore($"Data Source={Path.Combine(_data.Path, "documents.db")}");
        _journal = TestJournal.FromRef(Persistence.Instance.Apply(Sys).JournalFor(null));
    }

    [Fact]
    public async Task A_failed_write_answers_storage_unavailable_at_once_and_the_next_incarnation_has_only_what_was_stored()
    {
        var queue = StartQueue();
        Assert.IsType<Replies.JobAccepted>(await queue.Ask<object>(Submit(1), Patience));

        await _journal.OnWrite.Fail();
        Watch(queue);
        var refused = await queue.Ask<object>(Submit(2), Patience);
        var unavailable = Assert.IsType<Replies.StorageUnavailable>(refused);
        Assert.Contains("journal write failed", unavailable.Reason);
        ExpectTerminated(queue, Patience); // memory was ahead of the journal: it starts over from the journal

        await _journal.OnWrite.Pass();
        var next = StartQueue();
        Assert.NotNull(await JobAsync(next, 1));
        Assert.Null(await JobAsync(next, 2)); // no phantom: the refused job was never stored
        var status = await next.Ask<Replies.QueueStatus>(new Queries.GetQueueStatus("office"), Patience);
        Assert.Equal(1, status.Pending);

        // The next write works, and is there for the incarnation after.
        Assert.IsType<Replies.JobAccepted>(await next.Ask<object>(Submit(2), Patience));
        Stop(next);
        var third = StartQueue();
        Assert.NotNull(await JobAsync(third, 2));
    }

    [Fact]
    public async Task A_rejected_write_answers_storage_unavailable_and_the_queue_recovers_without_the_rejected_job()
    {
        var queue = StartQueue();
        Assert.IsType<Replies.JobAccepted>(await queue.Ask<object>(Submit(1), Patience));

        await _journal.OnWrite.Reject();
        Watch(queue);
        var unavailable = Assert.IsType<Replies.StorageUnavailable>(await queue.Ask<object>(Submit(2), Patience));
        Assert.Contains("journal refused", unavailable.Reason);
        // Akka keeps an actor running after a rejection; the queue stops itself since it applied what was refused.
        ExpectTerminated(queue, Patience);

        await _journal.OnWrite.Pass();
        var next = StartQueue();
        Assert.NotNull(await JobAsync(next, 1));
        Assert.Null(await JobAsync(next, 2));
        Assert.IsType<Replies.JobAccepted>(await next.Ask<object>(Submit(3), Patience));
    }

    [Fact]
    public async Task Every_client_waiting_behind_a_failed_write_hears_so_and_none_is_told_its_change_was_made()
    {
        var queue = StartQueue();
        Assert.IsType<Replies.JobAccepted>(await queue.Ask<object>(Submit(1), Patience));

        // The failure comes back after a while, so several commands and a query wait behind the writes in flight.
        await _journal.OnWrite.FailWithDelay(TimeSpan.FromMilliseconds(500));
        var clients = Enumerable.Range(0, 3).Select(i => CreateTestProbe($"client-{i}")).ToArray();
        queue.Tell(Submit(2), clients[0]);
        queue.Tell(new Commands.CancelJob("office", 1, Requester.Operator), clients[1]);
        queue.Tell(new Queries.GetJob("office", 1), clients[2]);
        foreach (var client in clients) client.ExpectMsg<Replies.StorageUnavailable>(Patience);

        await _journal.OnWrite.Pass();
        var next = StartQueue();
        Assert.Equal(JobState.Pending, (await JobAsync(next, 1))!.State); // the cancel was not made
        Assert.Null(await JobAsync(next, 2));
    }

    [Fact]
    public async Task A_queue_whose_recovery_fails_stops_and_the_next_start_recovers_everything()
    {
        var queue = StartQueue();
        Assert.IsType<Replies.JobAccepted>(await queue.Ask<object>(Submit(1), Patience));
        Stop(queue);

        await _journal.OnRecovery.Fail();
        var failing = StartQueue();
        Watch(failing);
        ExpectTerminated(failing, Patience);

        await _journal.OnRecovery.Pass();
        var next = StartQueue();
        Assert.NotNull(await JobAsync(next, 1));
    }

    private IActorRef StartQueue() =>
        Sys.ActorOf(JobQueueActor.Props(Office, new SpoolSettings(), CreateTestProbe().Ref, CreateTestProbe().Ref, _documents));

    private void Stop(IActorRef queue)
    {
        Watch(queue);
        queue.Tell(PoisonPill.Instance);
        ExpectTerminated(queue, Patience);
    }

    private static Commands.SubmitJob Submit(long jobId) =>
        new("office", jobId, "alice", $"job {jobId}", Priority: null, Hold: false, [new JobDocument(1, 100, "text/plain", null)]);

    private static async Task<JobRecord?> JobAsync(IActorRef queue, long jobId) =>
        (await queue.Ask<Replies.JobInfo>(new Queries.GetJob("office", jobId), Patience)).Job;

    protected override void AfterAll()
    {
        base.AfterAll();
        _documents.Dispose();
        _data.Dispose();
    }
}
