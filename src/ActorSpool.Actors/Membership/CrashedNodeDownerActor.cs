using ActorSpool.Domain.Membership;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Remote;

namespace ActorSpool.Actors.Membership;

/// <summary>
/// Downs a member whose process is gone as soon as that is certain, instead of after the failure detector's
/// acceptable pause and the split brain resolver's stable-after (about 7 s together). The kernel closes a dead
/// process's connections at once, so the survivors see the association drop; this actor then connects to the
/// member's remoting port, and when every attempt is refused (no process listens there) and this node's side keeps a
/// majority, it downs the member (<see cref="CrashedMemberRule"/>). A member that is slow, paused or partitioned still
/// has its port open or does not answer at all: it is left to the failure detector and the split brain resolver.
/// </summary>
public sealed class CrashedNodeDownerActor : ReceiveActor
{
    public const string Name = "crashed-node-downer";

    private sealed record ProbeResult(UniqueAddress Member, string Trigger, bool Refused, string Detail);

    private readonly Cluster _cluster = Cluster.Get(Context.System);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly HashSet<UniqueAddress> _probing = [];

    public CrashedNodeDownerActor()
    {
        Receive<DisassociatedEvent>(e => Suspect(e.RemoteAddress, "its connection closed"));
        Receive<ClusterEvent.UnreachableMember>(e => Suspect(e.Member.Address, "it was marked unreachable"));
        Receive<ClusterEvent.IClusterDomainEvent>(_ => { });
        Receive<ProbeResult>(Decide);
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new CrashedNodeDownerActor());

    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(DisassociatedEvent));
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.UnreachableMember));
    }

    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
        _cluster.Unsubscribe(Self);
    }

    private static bool CountsForMajority(Member m) =>
        m.Status is MemberStatus.Joining or MemberStatus.WeaklyUp or MemberStatus.Up or MemberStatus.Leaving;

    // Also a member already down (another node found it crashed first): this node's own probe tells its actors.
    private Member? SuspectMemberAt(Address address) =>
        _cluster.State.Members.FirstOrDefault(m => m.Address.Equals(address) && m.Status is MemberStatus.Joining or MemberStatus.WeaklyUp or MemberStatus.Up or MemberStatus.Down);

    private void Suspect(Address address, string trigger)
    {
        if (_cluster.SelfMember.Status != MemberStatus.Up || address.Equals(_cluster.SelfAddress)) return;
        if (SuspectMemberAt(address) is not { } member || !_probing.Add(member.UniqueAddress)) return;
        if (address.Host is not { } host || address.Port is not { } port) return;
        ProbeAsync(member.UniqueAddress, host, port, trigger).PipeTo(Self);
    }

    private static async Task<ProbeResult> ProbeAsync(UniqueAddress member, string host, int port, string trigger)
    {
        var verdict = await RemotingPortProbe.ProbeAsync(host, port);
        return new ProbeResult(member, trigger, verdict.Refused, verdict.Detail);
    }

    private void Decide(ProbeResult result)
    {
        _probing.Remove(result.Member);
        var state = _cluster.State;
        var member = state.Members.FirstOrDefault(m => m.UniqueAddress.Equals(result.Member));
        if (member is null || member.Status is not (MemberStatus.Down or MemberStatus.Joining or MemberStatus.WeaklyUp or MemberStatus.Up)) return;
        if (!result.Refused)
        {
            _log.Info("Member {0} is not treated as crashed after {1}: {2}", member.Address, result.Trigger, result.Detail);
            return;
        }
        if (member.Status == MemberStatus.Down)
        {
            _log.Info("Member {0}, already down, crashed: after {1}, {2}", member.Address, result.Trigger, result.Detail);
            Context.System.EventStream.Publish(new MemberCrashed(member.UniqueAddress));
            return;
        }
        var counted = state.Members.Where(CountsForMajority).ToList();
        var reachable = counted.Count(m => !m.UniqueAddress.Equals(result.Member) && !state.Unreachable.Contains(m));
        if (!CrashedMemberRule.ObserverKeepsMajority(counted.Count, reachable))
        {
            _log.Warning("Member {0} looks crashed ({1}), but this node reaches only {2} of {3} members: the split brain resolver decides",
                member.Address, result.Detail, reachable, counted.Count);
            return;
        }
        _log.Warning("Member {0} crashed: after {1}, {2}. Downing it now rather than after the failure detector and the split brain resolver",
            member.Address, result.Trigger, result.Detail);
        // Quarantining the dead incarnation marks it terminated in the cluster's reachability, so the leader removes it
        // as soon as it is down instead of first waiting for the failure detector to call it unreachable. Only that
        // incarnation is affected: a process restarted on the same address comes with a new uid.
        ((IRemoteActorRefProvider)((ExtendedActorSystem)Context.System).Provider).Quarantine(member.Address, member.UniqueAddress.Uid);
        _cluster.Down(member.Address);
        Context.System.EventStream.Publish(new MemberCrashed(member.UniqueAddress));
    }
}
