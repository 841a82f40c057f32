using ActorSpool.Actors.Membership;
using ActorSpool.Actors.Storage;
using ActorSpool.Domain.Jobs;
using ActorSpool.Domain.Topology;
using ActorSpool.TestSupport;
using Akka.Actor;
using Akka.Cluster;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using static ActorSpool.Domain.Messages.BalancerProtocol;
using static ActorSpool.Domain.Messages.JobQueueProtocol;
using static ActorSpool.Domain.Messages.WorkerProtocol;

namespace ActorSpool.Actors.Tests.Queues;

/// <summary>
/// When this node finds another node's process gone (<see cref="MemberCrashed"/>), the queue puts the jobs that
/// node's workers were delivering back in line at once, and gives back a grant of one of its workers that the
/// balancer sent before it heard (until the node is removed: then a worker on that address is a new process's).
/// Without that, both wait for the node's removal (a second or more after the crash).
/// The worker lives in a second actor system, reached over remoting like a worker on another node.
/// </summary>
public sealed class QueueCrashedNodeTests : TestKit
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _data = new();
    private readonly SqliteDocumentStore _documents;
    private readonly ActorSystem _otherNode;

    public QueueCrashedNodeTests() : base(QueueTestSystem.Config)
    {
        _documents = new SqliteDocumentStore($"Data Source={Path.Combine(_data.Path, "documents.db")}");
        _otherNode = ActorSystem.Create(Sys.Name, QueueTestSystem.Config); // one cluster needs one system name
        // Both in one cluster, as nodes are: the queue marks a crashed node only while it is a member.
        var cluster = Cluster.Get(Sys);
        cluster.Join(cluster.SelfAddress);
        Cluster.Get(_otherNode).Join(cluster.SelfAddress);
        AwaitCondition(() => cluster.State.Members.Count(m => m.Status == MemberStatus.Up) == 2, Patience);
    }

    [Fact]
    public async Task A_job_whose_workers_node_crashed_goes_back_in_line_at_once_and_a_late_grant_of_that_node_is_given_back()
    {
        // The worker as the queue knows it from a grant: a reference to an actor on another node.
        var (worker, remoteWorker) = await QueueTestSystem.ProbeOnOtherNodeAsync(this, _otherNode, "worker");
        var (queue, printers, balancer) = QueueTestSystem.StartQueue(this, QueueTestSystem.Office, _documents);
        QueueTestSystem.AnswerPrinterStatus(printers);
        Assert.IsType<Replies.JobAccepted>(await queue.Ask<object>(
            new Commands.SubmitJob("office", 1, "alice", "report", Priority: null, Hold: false, [new JobDocument(1, 100, "text/plain", null)]), Patience));
        var request = balancer.FishForMessage<RequestWorker>(_ => true, Patience);
        queue.Tell(new WorkerGranted(request.Request, remoteWorker));
        Assert.Equal(1, worker.ExpectMsg<ExecuteJob>(Patience).JobId);

        // The other node's process is gone; its actor system here stays up, so no Terminated would ever come.
        Sys.EventStream.Publish(new MemberCrashed(Cluster.Get(_otherNode).SelfUniqueAddress));

        var again = balancer.FishForMessage<RequestWorker>(r => r.Request.JobId == 1, Patience);
        var job = (await queue.Ask<Replies.JobInfo>(new Queries.GetJob("office", 1), Patience)).Job!;
        Assert.Equal((JobState.Pending, "its worker's node crashed"), (job.State, job.LastError));

        // The balancer had not heard yet and grants the same worker: the queue gives it back and asks again.
        queue.Tell(new WorkerGranted(again.Request, remoteWorker));
        Assert.Equal(remoteWorker, balancer.FishForMessage<WorkFinished>(_ => true, Patience).Worker);
        var third = balancer.FishForMessage<RequestWorker>(r => r.Request.JobId == 1, Patience);
        var survivor = CreateTestProbe("survivor");
        queue.Tell(new WorkerGranted(third.Request, survivor.Ref));
        Assert.Equal(1, survivor.ExpectMsg<ExecuteJob>(Patience).JobId);
        worker.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        // Once the node is removed, a worker on that address belongs to a process started again there: taken.
        var cluster = Cluster.Get(Sys);
        cluster.Down(Cluster.Get(_otherNode).SelfAddress);
        AwaitCondition(() => cluster.State.Members.Count == 1, Patience);
        Assert.IsType<Replies.JobAccepted>(await queue.Ask<object>(
            new Commands.SubmitJob("office", 2, "alice", "later", Priority: null, Hold: false, [new JobDocument(1, 100, "text/plain", null)]), Patience));
        var later = balancer.FishForMessage<RequestWorker>(r => r.Request.JobId == 2, Patience);
        queue.Tell(new WorkerGranted(later.Request, remoteWorker));
        await Eventually.WaitUntilAsync(async () =>
            (await queue.Ask<Replies.JobInfo>(new Queries.GetJob("office", 2), Patience)).Job?.State == JobState.Processing, "job 2 dispatched", Patience);
    }

    protected override void AfterAll()
    {
        _otherNode.Terminate().Wait(Patience);
        base.AfterAll();
        _documents.Dispose();
        _data.Dispose();
    }
}
