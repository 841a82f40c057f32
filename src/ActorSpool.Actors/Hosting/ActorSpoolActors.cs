using ActorSpool.Actors.Balancing;
using ActorSpool.Actors.Printers;
using ActorSpool.Actors.Queues;
using ActorSpool.Actors.Storage;
using ActorSpool.Actors.Workers;
using ActorSpool.Domain.Topology;
using Akka;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Hosting;
using static ActorSpool.Domain.Messages.JobQueueProtocol;
using static ActorSpool.Domain.Messages.PrinterProtocol;
using static ActorSpool.Domain.Messages.WorkerProtocol;

namespace ActorSpool.Actors.Hosting;

/// <summary>Registry keys of the spooler's top-level actors.</summary>
public sealed class JobQueueRegion;

public sealed class PrinterRegion;

public sealed class BalancerProxy;

public sealed class SpoolWorkerPool;

public static class ActorSpoolActors
{
    public const string WorkerRole = "worker";
    public const string IngressRole = "ingress";

    /// <summary>
    /// Registers the whole spooling actor graph: sharded JobQueue and Printer entities (remembered, so they come
    /// back wherever they land), the balancer singleton with a proxy on every node, and this node's workers.
    /// A single node runs exactly the same graph as a cluster.
    /// </summary>
    public static AkkaConfigurationBuilder WithActorSpool(
        this AkkaConfigurationBuilder builder,
        SpoolTopology topology,
        SpoolSettings settings,
        IDocumentStore documents,
        bool runsWorkers = true,
        ICrashPoints? crashPoints = null)
    {
        ShardOptions ShardOptions(object? handOffStopMessage = null) => new()
        {
            RememberEntities = true,
            RememberEntitiesStore = RememberEntitiesStore.Eventsourced,
            StateStoreMode = StateStoreMode.DData,
            Role = WorkerRole,
            HandOffStopMessage = handOffStopMessage,
        };

        builder
            .WithDistributedPubSub(null!)
            .WithShardRegion<PrinterRegion>(
                "printer",
                printer => topology.Printers.TryGetValue(printer, out var definition)
                    ? PrinterActor.Props(definition, settings, documents)
                    : Props.Create(() => new UnknownEntityActor("printer", printer)),
                new PrinterMessageExtractor(),
                ShardOptions(PrinterActor.HandOff.Instance))
            .WithShardRegion<JobQueueRegion>(
                "job-queue",
                (_, registry) => queue => topology.Queues.TryGetValue(queue, out var definition)
                    ? JobQueueActor.Props(definition, settings, registry.Get<BalancerProxy>(), registry.Get<PrinterRegion>(), documents)
                    : Props.Create(() => new UnknownEntityActor("queue", queue)),
                new QueueMessageExtractor(),
                ShardOptions());

        if (runsWorkers)
        {
            builder.WithSingleton<BalancerProxy>("balancer", BalancerActor.Props(), new ClusterSingletonOptions { Role = WorkerRole }, createProxyToo: true);
        }
        else
        {
            // A gateway-only node never hosts the balancer; it only talks to it.
            builder.WithSingletonProxy<BalancerProxy>("balancer", new ClusterSingletonOptions { Role = WorkerRole });
        }

        if (runsWorkers)
        {
            builder.WithActors((system, registry) =>
            {
                var node = Cluster.Get(system).SelfAddress.ToString();
                var balancer = registry.Get<BalancerProxy>();
                var printers = registry.Get<PrinterRegion>();
                var queues = registry.Get<JobQueueRegion>();
                var pool = system.ActorOf(
                    SpoolWorkerPoolActor.Props(settings.WorkersPerNode, () => SpoolWorkerActor.Props(settings, balancer, printers, queues, node,
                        target => ProtocolProps.For(target, documents, settings), crashPoints)),
                    "spool-workers");
                registry.Register<SpoolWorkerPool>(pool);

                // Leaving gracefully: workers finish and report their current job before sharding hands
                // the queues and printers over, so a leave fails and repeats nothing.
                CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeClusterShutdown, "drain-spool-workers", async () =>
                {
                    try
                    {
                        await pool.Ask<Drained>(Drain.Instance, TimeSpan.FromSeconds(28));
                    }
                    catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
                    {
                        system.Log.Warning("Spool workers did not finish their jobs before leaving; the queues will re-queue them");
                    }
                    return Done.Instance;
                });
            });
        }

        // Wake every configured queue and printer once the node is up: queues recover and resume dispatch
        // without waiting for a client, printers start their heartbeats.
        builder.WithActors((system, registry) =>
        {
            var queues = registry.Get<JobQueueRegion>();
            var printers = registry.Get<PrinterRegion>();
            Cluster.Get(system).RegisterOnMemberUp(() =>
            {
                foreach (var queue in topology.Queues.Keys) queues.Tell(new Commands.WakeUp(queue));
                foreach (var printer in topology.Printers.Keys) printers.Tell(new GetPrinterStatus(printer));
            });
        });
        return builder;
    }
}

/// <summary>An entity id no configuration knows (a stale remembered entity after a config change): stops itself.</summary>
public sealed class UnknownEntityActor : ReceiveActor
{
    public UnknownEntityActor(string kind, string name)
    {
        Akka.Event.Logging.GetLogger(Context).Warning("No {0} named {1} is configured on this node; ignoring its messages", kind, name);
        ReceiveAny(_ => Context.Parent.Tell(new Passivate(PoisonPill.Instance)));
    }
}
