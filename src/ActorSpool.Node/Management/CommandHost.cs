using System.Net;
using System.Net.Sockets;
using System.Text;
using ActorSpool.Domain.Topology;
using ActorSpool.Node.Hosting;
using ActorSpool.Node.Spool;
using Akka.Actor;
using Akka.Cluster;

namespace ActorSpool.Node.Management;

/// <summary>
/// The node's command endpoint for spoolctl: one command line per connection, answered by output lines and a
/// closing <c>END code</c> line (0 = ok). Local-only by default.
/// </summary>
public sealed class CommandHost(NodeOptions options, ActorSystem system, ISpoolGateway spool, SpoolTopology topology, ILogger<CommandHost> log)
    : BackgroundService
{
    public const string EndMarker = "END";

    private readonly TcpListener _listener = new(IPAddress.Parse(options.CommandHost), options.CommandPort);

    public IPEndPoint Endpoint => (IPEndPoint)_listener.LocalEndpoint;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            _listener.Start();
        }
        catch (SocketException e)
        {
            throw new StartupException($"command host cannot listen on {options.CommandHost}:{options.CommandPort}: {e.Message}", e);
        }
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(stoppingToken);
                _ = Task.Run(() => ServeAsync(client, stoppingToken), stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            _listener.Stop();
        }
    }

    private async Task ServeAsync(TcpClient client, CancellationToken ct)
    {
        using (client)
        {
            var stream = client.GetStream();
            using var reader = new StreamReader(stream, Encoding.UTF8);
            await using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" };
            try
            {
                var line = await reader.ReadLineAsync(ct).AsTask().WaitAsync(TimeSpan.FromSeconds(30), ct) ?? "";
                var (code, output) = await ExecuteAsync(line.Split(' ', StringSplitOptions.RemoveEmptyEntries), ct);
                foreach (var text in output) await writer.WriteLineAsync(text);
                await writer.WriteLineAsync($"{EndMarker} {code}");
            }
            catch (Exception e) when (e is IOException or TimeoutException or OperationCanceledException)
            {
                log.LogDebug("Command connection ended: {Message}", e.Message);
            }
        }
    }

    /// <summary>Runs one command; returns exit code and output lines.</summary>
    public async Task<(int Code, IReadOnlyList<string> Output)> ExecuteAsync(string[] words, CancellationToken ct)
    {
        switch (words)
        {
            case ["cluster", "show", ..]:
                var state = Cluster.Get(system).State;
                var lines = state.Members
                    .Select(m => $"{m.Address} | [{string.Join(",", m.Roles)}] | {m.Status} | {(state.Unreachable.Contains(m) ? "Unreachable" : "Reachable")} | {m.AppVersion}")
                    .ToList();
                lines.Add($"Count: {state.Members.Count} nodes");
                return (0, lines);
            case ["queue", "list", ..]:
                var queues = new List<string>();
                foreach (var name in topology.QueueNames)
                {
                    var s = await spool.GetQueueStatusAsync(name, ct);
                    queues.Add($"{name} | pending {s.Pending} | held {s.Held} | processing {s.Processing} | completed {s.Completed} | aborted {s.Aborted} | canceled {s.Canceled} | printers up: {string.Join(",", s.AcceptingPrinters)}");
                }
                return (0, queues);
            case [] or ["help", ..]:
                return (0, ["cluster show", "queue list", "help"]);
            default:
                return (1, [$"unknown command '{string.Join(' ', words)}'; try 'help'"]);
        }
    }
}
