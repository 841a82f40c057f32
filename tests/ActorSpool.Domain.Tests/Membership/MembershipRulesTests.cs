using ActorSpool.Domain.Membership;

namespace ActorSpool.Domain.Tests.Membership;

public sealed class MembershipRulesTests
{
    [Theory]
    [InlineData(3, 2, true)] // two survivors of three: the side keep-majority keeps
    [InlineData(3, 1, false)] // alone, cut off from the other survivor: leave it to the split brain resolver
    [InlineData(5, 3, true)]
    [InlineData(5, 2, false)]
    [InlineData(2, 1, false)] // half is no majority: keep-majority breaks the tie, not this rule
    [InlineData(4, 2, false)]
    public void A_crashed_member_is_downed_only_from_a_side_that_keeps_a_strict_majority(int members, int reachable, bool downs) =>
        Assert.Equal(downs, CrashedMemberRule.ObserverKeepsMajority(members, reachable));

    [Theory]
    [InlineData(3, 2, FenceVerdict.Open)]
    [InlineData(3, 1, FenceVerdict.Open)] // one peer on time plus itself: 2 of 3
    [InlineData(3, 0, FenceVerdict.Closed)] // woke from a freeze: every peer's heartbeat is overdue
    [InlineData(5, 1, FenceVerdict.Closed)]
    [InlineData(5, 2, FenceVerdict.Open)]
    [InlineData(2, 0, FenceVerdict.Closed)]
    [InlineData(1, 0, FenceVerdict.Open)] // a single node prints on its own
    public void Deliveries_need_a_majority_of_the_members_within_reach(int members, int othersAvailable, FenceVerdict verdict) =>
        Assert.Equal(verdict, DeliveryFenceRule.Decide(selfGone: false, members, othersAvailable));

    [Fact]
    public void A_downed_node_is_gone_even_when_it_still_hears_its_peers() =>
        Assert.Equal(FenceVerdict.Gone, DeliveryFenceRule.Decide(selfGone: true, members: 3, othersAvailable: 2));
}
