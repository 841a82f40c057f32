using ActorSpool.Actors.Topology;
using ActorSpool.Contracts.Spoolctl;
using ActorSpool.Domain.Topology;
using ActorSpool.Node.Hosting;
using Akka.Actor;
using Akka.Cluster;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using static ActorSpool.Node.Management.Define;

namespace ActorSpool.Node.Management.Palettes;

/// <summary><c>node</c>: this node's listeners, storage and queues; spoolctl submit/bench read the IPP port here.</summary>
public sealed class NodePalette(NodeOptions options, ILiveTopology topology, ActorSystem system, IServiceProvider services) : ICommandPalette
{
    public PaletteDefinition Definition { get; } = new("node", "This node: listeners (IPP, HTTP, command host), storage, queues",
    [
        Verb("show", "Addresses and ports of this node's listeners, storage, roles, workers and queues"),
    ]);

    /// <summary>The <c>--json</c> shape of <c>node show</c> (spoolctl submit and bench read <c>ippPort</c> and <c>defaultQueue</c>).</summary>
    public sealed record NodeView(
        string Address,
        IReadOnlyList<string> Roles,
        string ListenAddress,
        int IppPort,
        int HttpPort,
        string CommandHost,
        int CommandPort,
        bool CommandTokenRequired,
        string Storage,
        string DataDirectory,
        int Workers,
        IReadOnlyList<string> Queues,
        string DefaultQueue,
        string Version);

    public async Task ExecuteAsync(CommandContext c, CancellationToken ct)
    {
        if (c.Verb.Name != "show") throw CommandException.Usage($"node: no verb {c.Verb.Name}");
        var ports = services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses
            .Select(a => new Uri(a.Replace("0.0.0.0", "127.0.0.1").Replace("[::]", "127.0.0.1")).Port)
            .ToList() ?? [];
        var commandHost = services.GetRequiredService<CommandHost>();
        var view = new NodeView(
            Cluster.Get(system).SelfAddress.ToString(),
            options.Roles,
            options.ListenAddress,
            ports.Count > 0 ? ports[0] : options.IppPort,
            ports.Count > 1 ? ports[1] : options.HttpPort,
            commandHost.Endpoint.Address.ToString(),
            commandHost.Endpoint.Port,
            commandHost.RequiresToken,
            options.UsesPostgres ? "PostgreSQL" : $"SQLite in {Path.GetFullPath(options.DataDirectory)}",
            Path.GetFullPath(options.DataDirectory),
            options.Roles.Contains("worker") ? options.Workers : 0,
            topology.Current.QueueNames,
            topology.Current.DefaultQueue,
            typeof(NodePalette).Assembly.GetName().Version?.ToString() ?? "?");
        await c.ReportAsync(view,
        [
            $"Node:          {view.Address} [{string.Join(",", view.Roles)}]",
            $"IPP:           ipp://{view.ListenAddress}:{view.IppPort}/printers/{{{string.Join(",", view.Queues)}}} (default queue {view.DefaultQueue})",
            $"HTTP:          http://{view.ListenAddress}:{view.HttpPort}/ (/health, /health/ready, /metrics)",
            $"Command host:  {view.CommandHost}:{view.CommandPort}{(view.CommandTokenRequired ? " (token required for changes)" : "")}",
            $"Storage:       {view.Storage}",
            $"Workers:       {view.Workers}",
            $"Version:       {view.Version}",
        ], ct);
    }
}
