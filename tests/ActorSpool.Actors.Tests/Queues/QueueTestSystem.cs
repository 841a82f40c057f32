using ActorSpool.Actors.Queues;
using ActorSpool.Actors.Storage;
using ActorSpool.Domain.Printers;
using ActorSpool.Domain.Topology;
using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit;
using static ActorSpool.Domain.Messages.PrinterProtocol;

namespace ActorSpool.Actors.Tests.Queues;

/// <summary>An ActorSystem for a queue entity on its own: the cluster provider (pub-sub, sharding messages) and Akka.Persistence.TestKit's in-memory journal and snapshot store.</summary>
public static class QueueTestSystem
{
    public static readonly Config Config = ConfigurationFactory.ParseString("""
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
        akka.loglevel = WARNING
        akka.persistence.journal {
          plugin = "akka.persistence.journal.test"
          auto-start-journals = ["akka.persistence.journal.test"]
          test { class = "Akka.Persistence.TestKit.TestJournal, Akka.Persistence.TestKit", plugin-dispatcher = "akka.actor.default-dispatcher" }
        }
        akka.persistence.snapshot-store {
          plugin = "akka.persistence.snapshot-store.test"
          auto-start-snapshot-stores = ["akka.persistence.snapshot-store.test"]
          test { class = "Akka.Persistence.TestKit.TestSnapshotStore, Akka.Persistence.TestKit", plugin-dispatcher = "akka.actor.default-dispatcher" }
        }
        """);

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>A queue over one printer, lj-1.</summary>
    public static readonly QueueDefinition Office = new("office", ["lj-1"], QueueMode.Failover, Sequential: false, DefaultPriority: 50,
        MaxAttempts: 3, MaxDocumentBytes: 1 << 20, RawPort: null);

    /// <summary>
    /// A probe in <paramref name="otherNode"/> (another node's actor system) and the reference to it as this node's
    /// actors get it from a message: a remote reference carrying that node's address.
    /// </summary>
    public static async Task<(TestProbe Probe, IActorRef Remote)> ProbeOnOtherNodeAsync(TestKitBase kit, ActorSystem otherNode, string name)
    {
        var probe = new TestProbe(otherNode, new Akka.TestKit.Xunit2.XunitAssertions(), name);
        var address = ((ExtendedActorSystem)otherNode).Provider.DefaultAddress;
        return (probe, await kit.Sys.ActorSelection(probe.Ref.Path.ToStringWithAddress(address)).ResolveOne(Patience));
    }

    /// <summary>A queue entity with probes in place of its balancer and its printers' region.</summary>
    public static (IActorRef Queue, TestProbe Printers, TestProbe Balancer) StartQueue(TestKitBase kit, QueueDefinition definition, IDocumentStore documents)
    {
        var printers = kit.CreateTestProbe();
        var balancer = kit.CreateTestProbe();
        var queue = kit.Sys.ActorOf(JobQueueActor.Props(definition, new SpoolSettings(), balancer.Ref, printers.Ref, documents));
        return (queue, printers, balancer);
    }

    /// <summary>Answers the queue's first question about a printer: idle and reachable, keeping submission order when <paramref name="sequential"/>.</summary>
    public static void AnswerPrinterStatus(TestProbe printers, bool sequential = false)
    {
        var asked = printers.FishForMessage<GetPrinterStatus>(_ => true, Patience);
        printers.Reply(new PrinterStatus(asked.Printer, PrinterState.Idle, Reachable: true, Paused: false, BreakerOpen: false, UsingFallback: false,
            ActiveDeliveries: 0, WaitingDeliveries: 0, [], Delivered: 0, Failed: 0, DateTimeOffset.UtcNow)
        { Sequential = sequential });
    }
}
