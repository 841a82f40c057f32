using ActorSpool.Actors.Balancing;
using ActorSpool.Actors.Membership;
using ActorSpool.Domain.Balancing;
using Akka.Actor;
using Akka.Cluster;
using Akka.TestKit.Xunit2;
using static ActorSpool.Domain.Messages.BalancerProtocol;

namespace ActorSpool.Actors.Tests.Balancing;

public sealed class BalancerActorTests() : TestKit("""
    akka.actor.provider = cluster
    akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
    akka.loglevel = WARNING
    """)
{
    private static WorkRequest Job(long id) => new("office", id, 1, 1000);

    [Fact]
    public void Grants_a_request_to_an_idle_worker_of_the_least_loaded_node()
    {
        var balancer = Sys.ActorOf(BalancerActor.Props(), "balancer");
        var busyNodeWorker1 = CreateTestProbe("a1");
        var busyNodeWorker2 = CreateTestProbe("a2");
        var idleNodeWorker1 = CreateTestProbe("b1");
        var idleNodeWorker2 = CreateTestProbe("b2");
        var queue = CreateTestProbe("queue");

        balancer.Tell(new RegisterWorker(busyNodeWorker1, "node-a", Job(100)));
        balancer.Tell(new RegisterWorker(busyNodeWorker2, "node-a", null));
        balancer.Tell(new RegisterWorker(idleNodeWorker1, "node-b", null));
        balancer.Tell(new RegisterWorker(idleNodeWorker2, "node-b", null));

        balancer.Tell(new RequestWorker(Job(1), queue));
        var first = queue.ExpectMsg<WorkerGranted>();
        Assert.Contains(first.Worker, new[] { idleNodeWorker1.Ref, idleNodeWorker2.Ref });

        // Now both nodes have one busy worker of two: equal share, so either may get the next one — but
        // once node-b's second worker is taken too, node-a's idle worker is the only choice.
        balancer.Tell(new RequestWorker(Job(2), queue));
        balancer.Tell(new RequestWorker(Job(3), queue));
        var granted = queue.ReceiveN(2).Cast<WorkerGranted>().Select(g => g.Worker).ToList();
        Assert.Contains(busyNodeWorker2.Ref, granted);

        // Everyone is busy: the next request waits until a worker finishes.
        balancer.Tell(new RequestWorker(Job(4), queue));
        queue.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        balancer.Tell(new WorkFinished(first.Worker));
        Assert.Equal(first.Worker, queue.ExpectMsg<WorkerGranted>().Worker);
    }

    [Fact]
    public void A_worker_that_stops_is_no_longer_granted()
    {
        var balancer = Sys.ActorOf(BalancerActor.Props(), "balancer");
        var doomed = CreateTestProbe("doomed");
        var survivor = CreateTestProbe("survivor");
        var queue = CreateTestProbe("queue");
        balancer.Tell(new RegisterWorker(doomed, "node-a", null));
        balancer.Tell(new RegisterWorker(survivor, "node-b", Job(50)));

        Sys.Stop(doomed.Ref);
        AwaitAssert(() =>
        {
            var status = balancer.Ask<BalancerStatus>(GetBalancerStatus.Instance, TimeSpan.FromSeconds(3)).Result;
            Assert.Single(status.Nodes);
        }, TimeSpan.FromSeconds(10));

        balancer.Tell(new RequestWorker(Job(1), queue));
        queue.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        balancer.Tell(new WorkFinished(survivor));
        Assert.Equal(survivor.Ref, queue.ExpectMsg<WorkerGranted>().Worker);
    }

    [Fact]
    public void A_queue_that_asks_again_for_a_job_whose_worker_stopped_gets_a_worker_without_asking_a_third_time()
    {
        var balancer = Sys.ActorOf(BalancerActor.Props(), "balancer");
        var doomed = CreateTestProbe("doomed");
        var survivor = CreateTestProbe("survivor");
        var queue = CreateTestProbe("queue");
        balancer.Tell(new RegisterWorker(doomed, "node-a", Job(1)));
        balancer.Tell(new RegisterWorker(survivor, "node-b", Job(50)));
        balancer.Tell(new WorkFinished(survivor));

        // The queue's own death watch fired before the balancer's: it asks again while the worker still counts as running job 1.
        balancer.Tell(new RequestWorker(Job(1), queue));
        queue.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        Sys.Stop(doomed.Ref);
        var grant = queue.ExpectMsg<WorkerGranted>(TimeSpan.FromSeconds(10));
        Assert.Equal(1, grant.Request.JobId);
        Assert.Equal(survivor.Ref, grant.Worker);
    }

    [Fact]
    public async Task The_workers_of_a_node_found_crashed_are_no_longer_granted_before_the_node_is_removed()
    {
        var balancer = Sys.ActorOf(BalancerActor.Props(), "balancer");
        var crashedNode = new Address("akka.tcp", "actorspool", "127.0.0.1", 4711);
        var onCrashedNode = CreateTestProbe("crashed");
        var survivor = CreateTestProbe("survivor");
        var queue = CreateTestProbe("queue");
        balancer.Tell(new RegisterWorker(onCrashedNode, crashedNode.ToString(), null));
        balancer.Tell(new RegisterWorker(survivor, "node-b", Job(50)));
        // Answered after its start: it listens to the event stream by now.
        Assert.Equal(2, (await balancer.Ask<BalancerStatus>(GetBalancerStatus.Instance, TimeSpan.FromSeconds(10))).Nodes.Length);

        // The worker's actor is still there (its node is not removed yet), but its process is gone.
        Sys.EventStream.Publish(new MemberCrashed(new UniqueAddress(crashedNode, 42)));
        balancer.Tell(new RequestWorker(Job(1), queue));
        queue.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        balancer.Tell(new WorkFinished(survivor));
        Assert.Equal(survivor.Ref, queue.ExpectMsg<WorkerGranted>().Worker);
    }

    [Fact]
    public void A_sites_job_goes_to_its_sites_worker_to_the_alternate_once_that_worker_is_gone_and_waits_with_neither()
    {
        var balancer = Sys.ActorOf(BalancerActor.Props(), "balancer");
        var siteA = CreateTestProbe("site-a");
        var siteB = CreateTestProbe("site-b");
        var queue = CreateTestProbe("queue");
        balancer.Tell(new RegisterWorker(siteA, "node-a", null) { Site = "a" });
        balancer.Tell(new RegisterWorker(siteB, "node-b", null) { Site = "b" });

        balancer.Tell(new RequestWorker(new WorkRequest("office", 1, 1, 1000) { Site = "a", AlternateSite = "b" }, queue));
        Assert.Equal(siteA.Ref, queue.ExpectMsg<WorkerGranted>().Worker);
        balancer.Tell(new WorkFinished(siteA));

        Sys.Stop(siteA.Ref);
        AwaitAssert(() => Assert.DoesNotContain(Status(balancer).Nodes, n => n.Site == "a"), TimeSpan.FromSeconds(10));
        balancer.Tell(new RequestWorker(new WorkRequest("office", 2, 1, 1000) { Site = "a", AlternateSite = "b" }, queue));
        Assert.Equal(siteB.Ref, queue.ExpectMsg<WorkerGranted>().Worker);

        // Site c has no node and no alternate: the request waits and the status says so.
        balancer.Tell(new RequestWorker(new WorkRequest("office", 3, 1, 1000) { Site = "c" }, queue));
        balancer.Tell(new WorkFinished(siteB));
        queue.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        var status = Status(balancer);
        Assert.Equal(new SiteLoad("c", 0, 1, 1), status.Sites.Single(s => s.Site == "c"));
        Assert.Equal("b", status.Nodes.Single().Site);
    }

    private static BalancerStatus Status(IActorRef balancer) =>
        balancer.Ask<BalancerStatus>(GetBalancerStatus.Instance, TimeSpan.FromSeconds(3)).GetAwaiter().GetResult();
}
