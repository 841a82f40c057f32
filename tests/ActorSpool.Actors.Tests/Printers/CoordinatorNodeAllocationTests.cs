using System.Collections.Immutable;
using ActorSpool.Actors.Printers;
using ActorSpool.Actors.Tests.Queues;
using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;

namespace ActorSpool.Actors.Tests.Printers;

/// <summary>
/// Printer shards go to the region in the coordinator's own actor system (the oldest node's), never to the other
/// nodes' regions, and are never rebalanced onto a node that joins: a node hosting neither the balancer nor a queue
/// then hosts no printer, and its crash pauses none. The other node's region is a real remote reference.
/// </summary>
public sealed class CoordinatorNodeAllocationTests() : TestKit(QueueTestSystem.Config)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_printer_shard_goes_to_the_coordinators_node_however_the_shards_are_spread_and_none_is_ever_rebalanced()
    {
        using var other = ActorSystem.Create("other-node", QueueTestSystem.Config);
        try
        {
            var (_, otherRegion) = await QueueTestSystem.ProbeOnOtherNodeAsync(this, other, "region");
            var localRegion = CreateTestProbe("region").Ref;
            var requester = otherRegion; // the first message for the shard came from the other node
            var allocations = ImmutableDictionary<IActorRef, IImmutableList<string>>.Empty
                .Add(otherRegion, ImmutableList<string>.Empty)
                .Add(localRegion, ImmutableList.Create("1", "2", "3"));
            var strategy = new CoordinatorNodeAllocation();

            Assert.Equal(localRegion, await strategy.AllocateShard(requester, "4", allocations));
            Assert.Empty(await strategy.Rebalance(allocations, ImmutableHashSet<string>.Empty));
            // Without a region in the coordinator's system (not expected), still a region rather than none.
            Assert.Equal(otherRegion, CoordinatorNodeAllocation.Choose([otherRegion], _ => 0));
        }
        finally
        {
            await other.Terminate();
        }
    }
}
