using System.Net;
using System.Net.Sockets;
using ActorSpool.Actors.Topology;
using ActorSpool.Domain.Topology;
using ActorSpool.Node.Hosting;
using ActorSpool.Node.Ingress.Lpd;
using ActorSpool.Node.Ingress.Raw;
using ActorSpool.Node.Spool;
using Akka.Configuration;

namespace ActorSpool.Node.Ingress;

/// <summary>Registers the LPD and raw listeners with the node and logs where they listen.</summary>
public static class IngressServices
{
    /// <summary>
    /// Reads <c>actorspool.lpd</c> / <c>actorspool.raw</c>, checks that the ports are free (a
    /// <see cref="StartupException"/> otherwise) and registers <see cref="LpdIngressService"/> (when enabled) and
    /// <see cref="RawIngressService"/> (when <c>actorspool.raw.enabled</c>; it listens on the queues' <c>raw-port</c>s as the live topology has them). Call after AddAkka: hosted services start
    /// in registration order, and these should take jobs only once the actor system runs.
    /// </summary>
    public static IServiceCollection AddIngress(this IServiceCollection services, NodeOptions node, Config hocon, ILiveTopology topology)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(hocon);
        ArgumentNullException.ThrowIfNull(topology);
        var lpd = IngressConfiguration.Lpd(hocon, node);
        var raw = IngressConfiguration.Raw(hocon, node);
        CheckPorts(node, lpd, raw, topology.Current);

        if (lpd.Enabled)
        {
            services.AddSingleton(lpd);
            services.AddSingleton(sp => new LpdIngressService(
                sp.GetRequiredService<ISpoolGateway>(), lpd, sp.GetRequiredService<ILogger<LpdIngressService>>(), sp.GetRequiredService<JobIntake>()));
            services.AddHostedService(sp => sp.GetRequiredService<LpdIngressService>());
        }

        // Always when enabled: a queue may get a raw-port in the live topology while the node runs.
        if (raw.Enabled)
        {
            services.AddSingleton(raw);
            services.AddSingleton(sp => new RawIngressService(
                sp.GetRequiredService<ISpoolGateway>(), raw, sp.GetRequiredService<ILogger<RawIngressService>>(), sp.GetRequiredService<JobIntake>(), topology));
            services.AddHostedService(sp => sp.GetRequiredService<RawIngressService>());
        }

        return services;
    }

    /// <summary>One line per listener, next to the node's other "listening on" lines.</summary>
    public static void LogListeners(IServiceProvider services, ILogger log)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(log);
        if (services.GetService<LpdIngressService>() is { } lpd)
        {
            var topology = services.GetRequiredService<ILiveTopology>().Current;
            log.LogInformation("LPD listening on lpd://{Host}:{Port}/{{{Queues}}}", lpd.Host, lpd.Port, string.Join(",", topology.QueueNames));
        }

        if (services.GetService<RawIngressService>() is { } raw)
        {
            foreach (var (queue, host, port) in raw.Listeners)
            {
                log.LogInformation("Raw jobs for {Queue} listening on socket://{Host}:{Port}", queue, host, port);
            }
        }
    }

    /// <summary>
    /// Fails start-up with one line when an ingress port is taken — by another process, or by another listener of
    /// this node (two settings naming the same port).
    /// </summary>
    private static void CheckPorts(NodeOptions node, LpdIngressOptions lpd, RawIngressOptions raw, SpoolTopology topology)
    {
        var taken = new Dictionary<int, string>();
        TryTake(taken, node.IppPort, "--ipp-port");
        TryTake(taken, node.HttpPort, "--http-port");
        TryTake(taken, node.CommandPort, "--cmd-port");
        TryTake(taken, node.NodePort, "--node-port");

        var wanted = new List<(IPAddress Address, int Port, string What, string Setting)>();
        if (lpd.Enabled)
        {
            wanted.Add((IngressConfiguration.Address(lpd.Host), lpd.Port, "LPD", node.LpdPort is null ? "actorspool.lpd.port" : "--lpd-port"));
        }

        foreach (var queue in topology.Queues.Values.Where(q => raw.Enabled && q.RawPort is not null).OrderBy(q => q.Name, StringComparer.Ordinal))
        {
            wanted.Add((IngressConfiguration.Address(raw.Host), queue.RawPort!.Value, $"raw jobs for queue {queue.Name}", $"actorspool.queues.{queue.Name}.raw-port"));
        }

        foreach (var (address, port, what, setting) in wanted)
        {
            if (port == 0)
            {
                continue;
            }

            if (taken.TryGetValue(port, out var other))
            {
                throw new StartupException($"port {port} ({setting}) is also this node's {other}; give each listener its own port");
            }

            taken[port] = setting;
            using var probe = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                probe.Bind(new IPEndPoint(address, port));
            }
            catch (SocketException e)
            {
                throw new StartupException(TcpAcceptor.BindProblem(address, port, what, setting, e), e);
            }
        }

        static void TryTake(Dictionary<int, string> taken, int port, string setting)
        {
            if (port != 0)
            {
                taken.TryAdd(port, setting);
            }
        }
    }
}
