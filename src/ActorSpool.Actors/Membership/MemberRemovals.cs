using Akka.Actor;
using Akka.Cluster;

namespace ActorSpool.Actors.Membership;

/// <summary>
/// A task that completes at the next removal of a member from the cluster. A message sent to an entity on a node that
/// just died is lost; once the node is removed, the sharding regions re-ask where its shards live, so a message sent
/// again then reaches the entity where it comes back. Ingress uses it to ask again at once instead of after its retry
/// interval. Without a cluster it never completes.
/// </summary>
public sealed class MemberRemovals : IExtension
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public MemberRemovals(ExtendedActorSystem system)
    {
        if (system.Provider is IClusterActorRefProvider)
        {
            system.SystemActorOf(Props.Create(() => new RemovalListener(this)), "member-removals");
        }
    }

    public static MemberRemovals Get(ActorSystem system) => system.WithExtension<MemberRemovals, MemberRemovalsProvider>();

    /// <summary>
    /// After a removal, the time the shard regions need to hear of it before a message sent again (one that went to a
    /// shard on the removed member and was lost) finds the shard's new home.
    /// </summary>
    public static readonly TimeSpan ShardMoveGrace = TimeSpan.FromMilliseconds(300);

    /// <summary>Completes when the next member is removed.</summary>
    public Task Next => Volatile.Read(ref _next).Task;

    private void Removed() => Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    private sealed class RemovalListener : ReceiveActor
    {
        public RemovalListener(MemberRemovals removals)
        {
            Receive<ClusterEvent.MemberRemoved>(_ => removals.Removed());
            Receive<ClusterEvent.IClusterDomainEvent>(_ => { });
            Receive<ClusterEvent.CurrentClusterState>(_ => { });
        }

        protected override void PreStart() =>
            Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot, typeof(ClusterEvent.MemberRemoved));

        protected override void PostStop() => Cluster.Get(Context.System).Unsubscribe(Self);
    }
}

public sealed class MemberRemovalsProvider : ExtensionIdProvider<MemberRemovals>
{
    public override MemberRemovals CreateExtension(ExtendedActorSystem system) => new(system);
}
