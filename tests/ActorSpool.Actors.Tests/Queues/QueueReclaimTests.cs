using ActorSpool.Actors.Queues;
using ActorSpool.Actors.Storage;
using ActorSpool.Domain.Jobs;
using ActorSpool.Domain.Printers;
using ActorSpool.Domain.Topology;
using ActorSpool.TestSupport;
using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using static ActorSpool.Domain.Messages.BalancerProtocol;
using static ActorSpool.Domain.Messages.JobQueueProtocol;
using static ActorSpool.Domain.Messages.PrinterProtocol;
using static ActorSpool.Domain.Messages.WorkerProtocol;

namespace ActorSpool.Actors.Tests.Queues;

/// <summary>
/// A queue that starts (again, or on another node after its node died) with jobs its journal shows in delivery asks
/// their workers whether they still deliver them, and waits a while for the answers. A job whose worker answers that
/// it is idle, or whose worker's node is no longer a member, cannot be delivered by anyone: it goes back in line at
/// once instead of when that wait ends. The queue runs over Akka.Persistence.TestKit's journal with probes for
/// balancer, printers and workers.
/// </summary>
public sealed class QueueReclaimTests : TestKit
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _data = new();
    private readonly SqliteDocumentStore _documents;

    public QueueReclaimTests() : base(QueueTestSystem.Config)
    {
        _documents = new SqliteDocumentStore($"Data Source={Path.Combine(_data.Path, "documents.db")}");
        var cluster = Akka.Cluster.Cluster.Get(Sys);
        cluster.Join(cluster.SelfAddress);
        AwaitCondition(() => cluster.State.Members.Any(m => m.Status == Akka.Cluster.MemberStatus.Up), Patience);
    }

    [Fact]
    public async Task A_job_whose_worker_answers_that_it_is_idle_goes_back_in_line_when_the_queue_starts_again()
    {
        var worker = CreateTestProbe("worker");
        var queue = await StartWithJobInDeliveryAsync(worker);

        // The worker's process was started again on the same address: the worker of that name has never seen the job.
        var asked = worker.ExpectMsg<IsWorkingOn>(Patience);
        Assert.Equal(1, asked.JobId);
        worker.Reply(new WorkingOn(asked.JobId, asked.Attempt, Busy: false));

        var job = await WaitForPendingAsync(queue);
        Assert.Equal("its worker is not delivering it", job.LastError);
    }

    [Fact]
    public async Task A_job_whose_worker_was_on_a_node_that_left_the_cluster_goes_back_in_line_when_the_queue_starts_again()
    {
        // The worker lived on another node, which is gone (never a member here: the same as removed after a crash).
        var other = ActorSystem.Create("other-node", QueueTestSystem.Config);
        var worker = new TestProbe(other, new XunitAssertions(), "worker");
        var queue = await StartWithJobInDeliveryAsync(worker);
        await other.Terminate();

        var job = await WaitForPendingAsync(queue);
        Assert.Equal("its worker's node left the cluster", job.LastError);
    }

    [Fact]
    public async Task A_job_whose_worker_still_delivers_it_stays_with_that_worker_when_the_queue_starts_again()
    {
        var worker = CreateTestProbe("worker");
        var queue = await StartWithJobInDeliveryAsync(worker);

        var asked = worker.ExpectMsg<IsWorkingOn>(Patience);
        worker.Reply(new WorkingOn(asked.JobId, asked.Attempt, Busy: true));
        // The worker's outcome is the one the queue records: no second delivery was started meanwhile.
        queue.Tell(new Commands.ReportOutcome("office", 1, asked.Attempt, "lj-1", DeliveryOutcome.Delivered, null), worker.Ref);
        worker.ExpectMsg<Replies.OutcomeRecorded>(Patience);
        var job = (await queue.Ask<Replies.JobInfo>(new Queries.GetJob("office", 1), Patience)).Job!;
        Assert.Equal(JobState.Completed, job.State);
        Assert.Equal(1, job.Dispatches);
    }

    /// <summary>Job 1 dispatched to <paramref name="worker"/>, then the queue stopped and started again (its journal kept).</summary>
    private async Task<IActorRef> StartWithJobInDeliveryAsync(TestProbe worker)
    {
        var (queue, printers, balancer) = StartQueue();
        QueueTestSystem.AnswerPrinterStatus(printers);
        Assert.IsType<Replies.JobAccepted>(await queue.Ask<object>(
            new Commands.SubmitJob("office", 1, "alice", "report", Priority: null, Hold: false, [new JobDocument(1, 100, "text/plain", null)]), Patience));
        var request = balancer.FishForMessage<RequestWorker>(_ => true, Patience);
        queue.Tell(new WorkerGranted(request.Request, worker.Ref));
        // The worker is told once the dispatch is in the journal.
        Assert.Equal(1, worker.ExpectMsg<ExecuteJob>(Patience).JobId);

        Watch(queue);
        queue.Tell(PoisonPill.Instance);
        ExpectTerminated(queue, Patience);
        var (next, nextPrinters, _) = StartQueue();
        QueueTestSystem.AnswerPrinterStatus(nextPrinters);
        return next;
    }

    private static async Task<JobRecord> WaitForPendingAsync(IActorRef queue)
    {
        JobRecord? job = null;
        await Eventually.WaitUntilAsync(async () =>
        {
            job = (await queue.Ask<Replies.JobInfo>(new Queries.GetJob("office", 1), Patience)).Job;
            return job?.State == JobState.Pending;
        }, "job 1 to go back in line", Patience);
        return job!;
    }

    private (IActorRef Queue, TestProbe Printers, TestProbe Balancer) StartQueue() => QueueTestSystem.StartQueue(this, QueueTestSystem.Office, _documents);

    protected override void AfterAll()
    {
        base.AfterAll();
        _documents.Dispose();
        _data.Dispose();
    }
}
