using ActorSpool.Actors.Hosting;
using ActorSpool.Actors.Printers;
using ActorSpool.Actors.Topology;
using ActorSpool.Domain.Topology;
using ActorSpool.Node.Spool;
using Akka.Cluster.Hosting;
using Akka.Hosting;

namespace ActorSpool.Node.Alerts;

/// <summary>Registry key of the alert manager singleton (registered on worker nodes only).</summary>
public sealed class AlertManager;

public static class AlertHosting
{
    /// <summary>
    /// Every node publishes its storage condition (/user/storage-reporter); worker nodes host the cluster singleton
    /// "alert-manager", like the balancer, so one node decides and sends each alert. Needs distributed pub-sub and the
    /// printer region registered before it.
    /// </summary>
    public static AkkaConfigurationBuilder WithAlerts(this AkkaConfigurationBuilder builder, AlertSettings settings, ILiveTopology topology, bool hostsSingleton)
    {
        builder.WithActors((system, _, resolver) => system.ActorOf(StorageReporterActor.Props(resolver.GetService<StorageHealth>()), "storage-reporter"));
        if (!hostsSingleton) return builder;
        return builder.WithSingleton<AlertManager>("alert-manager", (_, registry, resolver) =>
        {
            var loggers = resolver.GetService<ILoggerFactory>();
            var log = loggers.CreateLogger("ActorSpool.Node.Alerts");
            AlertDelivery Start(AlertSettings s) =>
                new(s, AlertDelivery.SinksFor(s, Http), log);
            return AlertManagerActor.Props(settings, topology, registry.Get<PrinterRegion>(), Start, log);
        }, new ClusterSingletonOptions { Role = SpoolRoles.Worker }, createProxyToo: false);
    }

    // One client for every alert manager this process hosts: sockets are pooled, DNS refreshed every few minutes.
    private static readonly HttpClient Http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
}
