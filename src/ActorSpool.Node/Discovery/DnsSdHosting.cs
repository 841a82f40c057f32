using ActorSpool.Actors.Topology;
using ActorSpool.Node.Hosting;
using ActorSpool.Node.Ingress.Ipp;
using ActorSpool.Node.Security;
using Akka.Configuration;

namespace ActorSpool.Node.Discovery;

public static class DnsSdHosting
{
    /// <summary>
    /// The DNS-SD advertiser when <c>actorspool.dnssd.enabled</c> (or --dnssd) says so; a bad setting stops the start.
    /// It starts publishing once the listeners are bound.
    /// </summary>
    public static IServiceCollection AddDnsSd(this IServiceCollection services, NodeOptions options, Config hocon)
    {
        DnsSdSettings settings;
        try
        {
            settings = DnsSdSettings.FromConfig(hocon, options.DnsSd);
        }
        catch (Exception e) when (e is ConfigurationException or FormatException)
        {
            throw new StartupException(e.Message, e);
        }
        services.AddSingleton(settings);
        if (!settings.Enabled) return services;
        services.AddSingleton(sp =>
        {
            var address = sp.GetRequiredService<IppPublicAddress>();
            var security = sp.GetRequiredService<SecuritySettings>();
            var lifetime = sp.GetRequiredService<IHostApplicationLifetime>();
            var started = new TaskCompletionSource();
            lifetime.ApplicationStarted.Register(() => started.TrySetResult());
            return new DnsSdAdvertiser(settings, sp.GetRequiredService<ILiveTopology>(), address.Hostname,
                () => new DnsSdNode(address.IppPort, $"{IppPublicAddress.UriHost(address.Hostname)}:{address.WebPort}", address.TlsOffered,
                    IppPublicAddress.OfferFor(overTls: true, security).Authentication == "basic"),
                () => started.Task, sp.GetRequiredService<ILogger<DnsSdAdvertiser>>());
        });
        services.AddHostedService(sp => sp.GetRequiredService<DnsSdAdvertiser>());
        return services;
    }
}
