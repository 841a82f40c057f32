using ActorSpool.Node.Management.Catalogs;
using ActorSpool.Node.Management.Palettes;

namespace ActorSpool.Node.Management;

/// <summary>Registers the command host, its palettes and the log ring buffer behind <c>log peek</c>/<c>log tail</c>.</summary>
public static class ManagementServices
{
    /// <summary>Call after the logging providers are configured (it adds one that feeds the ring buffer).</summary>
    public static IServiceCollection AddCommandHost(this IServiceCollection services)
    {
        services.AddSingleton(new LogRingBuffer());
        services.AddSingleton<ILoggerProvider, RingBufferLoggerProvider>();

        // What the palettes show, gathered once for spoolctl and the REST API (Web/Api) alike.
        services.AddSingleton<QueueCatalog>();
        services.AddSingleton<PrinterCatalog>();
        services.AddSingleton<JobCatalog>();
        services.AddSingleton<BalancerCatalog>();
        services.AddSingleton<ClusterCatalog>();
        services.AddSingleton<TopologyCatalog>();

        services.AddCommandPalette<ClusterPalette>();
        services.AddCommandPalette<ActorPalette>();
        services.AddCommandPalette<LogPalette>();
        services.AddCommandPalette<NodePalette>();
        services.AddCommandPalette<QueuePalette>();
        services.AddCommandPalette<JobPalette>();
        services.AddCommandPalette<PrinterPalette>();
        services.AddCommandPalette<WorkerPalette>();
        services.AddCommandPalette<BalancerPalette>();
        services.AddCommandPalette<StoragePalette>();
        services.AddCommandPalette<ConfigPalette>();

        services.AddSingleton<CommandHost>();
        services.AddHostedService(sp => sp.GetRequiredService<CommandHost>());
        return services;
    }

    /// <summary>Offers a palette on the command host (palette names must be unique).</summary>
    public static IServiceCollection AddCommandPalette<T>(this IServiceCollection services)
        where T : class, ICommandPalette =>
        services.AddSingleton<ICommandPalette, T>();
}
