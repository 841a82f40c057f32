using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;

namespace ActorSpool.Actors.Hosting;

/// <summary>What the sharded JobQueue and Printer regions have in common.</summary>
public static class SpoolSharding
{
    /// <summary>Shards of each region: a few per node of any cluster we expect, few enough for a single node.</summary>
    public const int MaxShards = 50;

    /// <summary>
    /// Entities are remembered so they come back wherever they land (a queue resumes dispatch, a printer its
    /// heartbeat, without waiting for a client); they live on worker nodes only.
    /// </summary>
    public static ShardOptions EntityOptions(object? handOffStopMessage = null) => new()
    {
        RememberEntities = true,
        RememberEntitiesStore = RememberEntitiesStore.Eventsourced,
        StateStoreMode = StateStoreMode.DData,
        Role = SpoolRoles.Worker,
        HandOffStopMessage = handOffStopMessage,
    };
}

/// <summary>Routes <typeparamref name="TMessage"/>s to the entity <paramref name="entityName"/> names (the queue, the printer).</summary>
public sealed class EntityNameExtractor<TMessage>(Func<TMessage, string> entityName) : HashCodeMessageExtractor(SpoolSharding.MaxShards)
    where TMessage : class
{
    public override string? EntityId(object message) => message is TMessage m ? entityName(m) : null;
}
