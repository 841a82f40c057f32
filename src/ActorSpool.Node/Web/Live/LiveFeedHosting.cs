using ActorSpool.Actors.Balancing;
using ActorSpool.Actors.Topology;
using ActorSpool.Domain.Messages;
using ActorSpool.Domain.Topology;
using ActorSpool.Node.Hosting;
using ActorSpool.Node.Ingress.Ipp;
using Akka.Cluster;
using Akka.Hosting;

namespace ActorSpool.Node.Web.Live;

/// <summary>Registry key of this node's <see cref="LiveFeedActor"/>.</summary>
public sealed class LiveFeed;

public static class LiveFeedHosting
{
    /// <summary>The actor's name under /user, on every node.</summary>
    public const string ActorName = "live-feed";

    /// <summary>
    /// This node's live feed at /user/live-feed (<see cref="LiveFeed"/>), on every node whatever its roles. Needs
    /// <see cref="BalancerProxy"/> and distributed pub-sub registered before it.
    /// </summary>
    public static AkkaConfigurationBuilder WithLiveFeed(this AkkaConfigurationBuilder builder, NodeOptions options, ILiveTopology topology) =>
        builder.WithActors((system, registry, resolver) =>
        {
            var address = resolver.GetService<IppPublicAddress>();
            var startedAt = DateTimeOffset.UtcNow;
            var version = typeof(LiveFeedHosting).Assembly.GetName().Version?.ToString() ?? "?";
            var roles = options.Roles.ToArray();
            var workers = options.Roles.Contains("worker") ? options.Workers : 0;
            var self = Cluster.Get(system).SelfAddress.ToString();
            // Asked at each report: the listeners bind after the actor system starts (and may choose their ports then).
            LiveProtocol.NodeReport Report() => new(self, roles, address.IppPort, address.WebPort, version, startedAt, workers);
            var feed = system.ActorOf(LiveFeedActor.Props(registry.Get<BalancerProxy>(), topology, Report), ActorName);
            registry.Register<LiveFeed>(feed);
        });
}
