namespace ActorSpool.Domain.Membership;

/// <summary>What the delivery fence says about this node right now.</summary>
public enum FenceVerdict
{
    /// <summary>The node is in touch with a majority of the members: it may send to printers.</summary>
    Open,

    /// <summary>The node hears from too few members (it was frozen, starved or cut off): deliveries wait.</summary>
    Closed,

    /// <summary>The cluster downed or removed this node: its deliveries stop for good, the survivors have its jobs.</summary>
    Gone,
}

/// <summary>
/// May this node send a job to a printer now? A node that was frozen (SIGSTOP, a VM paused, a stalled host) or cut off
/// may already have been downed by the others, who hand its jobs to the survivors; if it went on printing when it
/// woke, those jobs would print twice. Its own failure detector tells it at once, even before it learns that it was
/// downed: after a silence, the other members' heartbeats are overdue. So a delivery (and each further piece of a
/// document) needs the node to hear from a majority of the members, itself included; the others need longer than
/// the failure detector's pause to down it, so the fence closes first.
/// </summary>
public static class DeliveryFenceRule
{
    /// <param name="selfGone">This node's member status is Down or Removed (or its cluster stopped).</param>
    /// <param name="members">Members that count for a majority, this node included.</param>
    /// <param name="othersAvailable">Other members whose heartbeats this node's failure detector finds on time.</param>
    public static FenceVerdict Decide(bool selfGone, int members, int othersAvailable)
    {
        if (selfGone) return FenceVerdict.Gone;
        if (members <= 1) return FenceVerdict.Open;
        return (othersAvailable + 1) * 2 > members ? FenceVerdict.Open : FenceVerdict.Closed;
    }
}
