using ActorSpool.Actors.Hosting;
using ActorSpool.Actors.Storage;
using ActorSpool.Actors.Topology;
using Akka.Cluster.Hosting;
using Akka.Hosting;

namespace ActorSpool.Actors.Housekeeping;

/// <summary>Registry key of the orphan sweeper singleton.</summary>
public sealed class OrphanSweeper;

public static class HousekeepingHosting
{
    /// <summary>
    /// The cluster singleton "orphan-sweeper" on the worker nodes (add it after the job-queue region, which it asks);
    /// nothing when <see cref="SpoolSettings.OrphanSweepInterval"/> is zero.
    /// </summary>
    public static AkkaConfigurationBuilder WithOrphanSweeper(this AkkaConfigurationBuilder builder, ILiveTopology topology, SpoolSettings settings,
        IDocumentStore documents)
    {
        if (settings.OrphanSweepInterval <= TimeSpan.Zero) return builder;
        return builder.WithSingleton<OrphanSweeper>("orphan-sweeper",
            OrphanSweeperActor.Props(() => topology.Current.Queues.Keys.ToHashSet(StringComparer.Ordinal), settings, documents),
            new ClusterSingletonOptions { Role = SpoolRoles.Worker }, createProxyToo: false);
    }
}
