using ActorSpool.Actors.Hosting;
using Akka.Cluster.Hosting;
using Akka.Hosting;

namespace ActorSpool.Actors.Balancing;

/// <summary>Registry key of the proxy to the balancer singleton (every node has one).</summary>
public sealed class BalancerProxy;

public static class BalancerHosting
{
    /// <summary>
    /// The cluster singleton "balancer" on the worker nodes, and a <see cref="BalancerProxy"/> to it on this node.
    /// <paramref name="hostsSingleton"/>: false on a node without the worker role, which never hosts the balancer
    /// and only talks to it.
    /// </summary>
    public static AkkaConfigurationBuilder WithBalancer(this AkkaConfigurationBuilder builder, bool hostsSingleton)
    {
        var options = new ClusterSingletonOptions { Role = SpoolRoles.Worker };
        return hostsSingleton
            ? builder.WithSingleton<BalancerProxy>("balancer", BalancerActor.Props(), options, createProxyToo: true)
            : builder.WithSingletonProxy<BalancerProxy>("balancer", options);
    }
}
