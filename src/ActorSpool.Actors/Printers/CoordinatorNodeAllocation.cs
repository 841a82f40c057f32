using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster.Sharding;

namespace ActorSpool.Actors.Printers;

/// <summary>
/// Places every printer shard on the node of the printer shard coordinator (the oldest worker node, where the balancer
/// singleton runs too) and never moves one to a node that joins. A printer entity only grants permits; the bytes
/// flow on the workers' nodes. So a node that hosts neither the balancer nor a queue hosts no printer either, and
/// its crash pauses no printer: with the default allocation a printer whose entity was there waited for the node's
/// removal, the coordinator's removal margin and a new entity's first probe (1–2 s in the chaos tests). A shard that
/// lived on a node that died is placed on the coordinator's node when next asked for.
/// </summary>
public sealed class CoordinatorNodeAllocation : IShardAllocationStrategy
{
    public Task<IActorRef> AllocateShard(IActorRef requester, string shardId, IImmutableDictionary<IActorRef, IImmutableList<string>> currentShardAllocations) =>
        Task.FromResult(Choose(currentShardAllocations.Keys.ToList(), r => currentShardAllocations[r].Count) ?? requester);

    public Task<IImmutableSet<string>> Rebalance(IImmutableDictionary<IActorRef, IImmutableList<string>> currentShardAllocations, IImmutableSet<string> rebalanceInProgress) =>
        Task.FromResult<IImmutableSet<string>>(ImmutableHashSet<string>.Empty);

    /// <summary>
    /// The coordinator runs in the oldest node's actor system, so that node's region is the one local to it (an
    /// address without host); without one (not expected), the region with the fewest shards.
    /// </summary>
    public static IActorRef? Choose(IReadOnlyList<IActorRef> regions, Func<IActorRef, int> shardsOf) =>
        regions.FirstOrDefault(r => r.Path.Address.HasLocalScope) ?? regions.OrderBy(shardsOf).FirstOrDefault();
}
