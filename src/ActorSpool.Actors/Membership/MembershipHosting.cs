using Akka.Hosting;

namespace ActorSpool.Actors.Membership;

public static class MembershipHosting
{
    /// <summary>
    /// The <see cref="CrashedNodeDownerActor"/> on this node (<c>actorspool.cluster.down-crashed-nodes</c>): members whose
    /// process died are downed within a fraction of a second instead of the split brain resolver's ~7 s.
    /// </summary>
    public static AkkaConfigurationBuilder WithCrashedNodeDowning(this AkkaConfigurationBuilder builder, bool enabled) =>
        enabled ? builder.WithActors((system, _) => system.ActorOf(CrashedNodeDownerActor.Props(), CrashedNodeDownerActor.Name)) : builder;
}
