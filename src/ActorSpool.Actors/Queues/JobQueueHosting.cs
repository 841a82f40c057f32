using ActorSpool.Actors.Balancing;
using ActorSpool.Actors.Hosting;
using ActorSpool.Actors.Printers;
using ActorSpool.Actors.Storage;
using ActorSpool.Actors.Topology;
using ActorSpool.Domain.Messages;
using ActorSpool.Domain.Topology;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Hosting;

namespace ActorSpool.Actors.Queues;

/// <summary>Registry key of the sharded JobQueue entities.</summary>
public sealed class JobQueueRegion;

public static class JobQueueHosting
{
    /// <summary>
    /// The "job-queue" shard region (<see cref="JobQueueRegion"/>): one remembered, persistent entity per queue of
    /// the live topology (created with its definition at the time, then following its changes). A queue talks to the balancer and the printers, so the host also registers <see cref="PrinterRegion"/>
    /// and <see cref="BalancerProxy"/> (looked up when a queue starts).
    /// </summary>
    public static AkkaConfigurationBuilder WithJobQueueRegion(this AkkaConfigurationBuilder builder, ILiveTopology topology, SpoolSettings settings,
        IDocumentStore documents) =>
        builder.WithShardRegion<JobQueueRegion>(
            "job-queue",
            (_, registry) => queue => topology.Current.Queues.TryGetValue(queue, out var definition)
                ? JobQueueActor.Props(definition, settings, registry.Get<BalancerProxy>(), registry.Get<PrinterRegion>(), documents, topology)
                : UnknownEntityActor.Props("queue", queue),
            MessageExtractor,
            SpoolSharding.EntityOptions());

    /// <summary>Routes queue messages to their queue's entity (one entity per queue name).</summary>
    public static readonly EntityNameExtractor<IQueueMessage> MessageExtractor = new(m => m.Queue);

    /// <summary>The shard the queue named <paramref name="queue"/> lives in (to find its node in the region's statistics).</summary>
    public static string ShardIdOf(string queue) => MessageExtractor.ShardId(queue, null);
}
