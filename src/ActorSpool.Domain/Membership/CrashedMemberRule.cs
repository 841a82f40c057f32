namespace ActorSpool.Domain.Membership;

/// <summary>
/// When a node may down a member whose process is gone without waiting for the failure detector and the split brain
/// resolver. A closed connection followed by refused connections to the member's remoting port means no process
/// listens there any more (a crash, a kill, an OOM kill); a busy or paused process still accepts connections, so a
/// slow node is never downed this way. The rule only anticipates what keep-majority would decide: the observer acts
/// only from a side that keeps a strict majority of the members without the crashed one, so a firewall that rejects
/// connections in a partition cannot make a minority down the majority.
/// </summary>
public static class CrashedMemberRule
{
    /// <summary>Connection attempts to the member's remoting port that must all be refused.</summary>
    public const int RefusalsNeeded = 2;

    /// <summary>Pause between the attempts: a port that is being re-bound by a restarting process gets the benefit of the doubt.</summary>
    public static readonly TimeSpan BetweenAttempts = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// When the port still accepts (or accepts and resets), it is looked at again this long after the previous look: a
    /// killed process's connections may close a few milliseconds before its listening socket does, so the first look
    /// can find it open (seen in the chaos runs: such a kill waited ~4 s for the failure detector). A live process
    /// accepts at every look and is left to the failure detector.
    /// </summary>
    public static readonly TimeSpan[] LookAgainAfter = [TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(500)];

    /// <param name="members">Members that count for a majority (Joining, WeaklyUp, Up, Leaving), the crashed one included.</param>
    /// <param name="reachableWithoutSuspect">Those of them this node reaches (itself included), the crashed one excluded.</param>
    public static bool ObserverKeepsMajority(int members, int reachableWithoutSuspect) =>
        members > 0 && reachableWithoutSuspect * 2 > members;
}
