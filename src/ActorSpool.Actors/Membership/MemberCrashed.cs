using Akka.Cluster;

namespace ActorSpool.Actors.Membership;

/// <summary>
/// Published on this node's event stream by the <see cref="CrashedNodeDownerActor"/> when its own probe found the
/// member's process gone (its remoting port refused every attempt), on every node that probed, whoever downed it.
/// Actors that wait for something from that member's actors (a worker's delivery, its outcome) stop waiting now:
/// otherwise they hear of it only when the member is removed, up to a second or more later. A member that froze or is
/// cut off still has its port open and never causes this event.
/// </summary>
public sealed record MemberCrashed(UniqueAddress Member);
