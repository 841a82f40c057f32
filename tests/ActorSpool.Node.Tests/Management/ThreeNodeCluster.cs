using System.Globalization;
using ActorSpool.Protocols.Ipp;
using ActorSpool.Simulators;
using ActorSpool.TestSupport;

namespace ActorSpool.Node.Tests.Management;

/// <summary>
/// Three real node processes on a throwaway PostgreSQL, joined into one cluster, a command token on every node,
/// one simulated printer p1 (in the test process) behind queue office.
/// </summary>
public sealed class ThreeNodeCluster : IAsyncLifetime
{
    public const string Token = "cluster-token";

    private readonly TempDirectory _directory = new();
    private ThrowawayPostgres? _postgres;
    private string _database = "";
    private string _printers = "";

    public AppSocketPrinterSimulator Printer { get; private set; } = null!;
    public NodeProcess[] Nodes { get; } = new NodeProcess[3];
    public int[] RemotingPorts { get; } = Enumerable.Range(0, 3).Select(_ => FreePort.Next()).ToArray();
    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(60) };

    /// <summary><c>127.0.0.1:PORT</c> of node i's command host, as spoolctl takes it.</summary>
    public string CommandHost(int i) => $"127.0.0.1:{Nodes[i].CommandPort}";

    public string Address(int i) => $"akka.tcp://actorspool@127.0.0.1:{RemotingPorts[i]}";

    public async Task InitializeAsync()
    {
        _postgres = await ThrowawayPostgres.StartAsync();
        _database = _postgres.CreateDatabase($"spoolctl_{Guid.NewGuid():N}"[..30]);
        Printer = new AppSocketPrinterSimulator(new SimulatorOptions { Name = "p1" });
        await Printer.StartAsync();
        _printers = Path.Combine(_directory.Path, "printers.conf");
        await File.WriteAllTextAsync(_printers, $$"""
            actorspool.printers { p1 { uri = "socket://127.0.0.1:{{Printer.Port}}" } }
            actorspool.queues { office { printers = [p1] } }
            """);
        await StartAllAsync();
    }

    /// <summary>Stops every node (the whole cluster), then starts them again on their data directories and the database.</summary>
    public async Task RestartAllAsync()
    {
        foreach (var node in Nodes.Where(n => n is not null)) await node.DisposeAsync();
        await StartAllAsync();
    }

    private async Task StartAllAsync()
    {
        var environment = new Dictionary<string, string> { ["ACTORSPOOL_CMD_TOKEN"] = Token };
        async Task StartAsync(int i)
        {
            Nodes[i] = await NodeProcess.StartAsync(Path.Combine(_directory.Path, $"node{i + 1}"), _printers, extraArgs:
            [
                "--db", _database, "--hostname", "127.0.0.1", "--workers", "2",
                "--node-port", RemotingPorts[i].ToString(CultureInfo.InvariantCulture),
                "--seed", $"127.0.0.1:{RemotingPorts[0]}",
            ], timeout: TimeSpan.FromMinutes(3), environment: environment);
            await Nodes[i].WaitForReadyAsync(TimeSpan.FromMinutes(3));
            await Nodes[i].WaitForCommandPortAsync();
        }

        try
        {
            await StartAsync(0);
            await Task.WhenAll(StartAsync(1), StartAsync(2));
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"the cluster did not start: {e.Message}\n{Logs()}", e);
        }
    }

    public async Task<int> SubmitAsync(int node, string text)
    {
        var answer = await new IppClient(Http).PrintJobAsync(Nodes[node].QueueUri("office"), new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text)), "alice", "cluster-test");
        Assert.Equal(IppStatusCode.SuccessfulOk, answer.Status);
        return answer.JobId;
    }

    public string Logs() =>
        string.Join("\n", Nodes.Where(n => n is not null).Select((n, i) => $"=== node{i + 1} ({n.LogPath})\n{n.LogTail(40)}"));

    public async Task DisposeAsync()
    {
        foreach (var node in Nodes.Where(n => n is not null)) await node.DisposeAsync();
        if (Printer is not null) await Printer.DisposeAsync();
        if (_postgres is not null) await _postgres.DisposeAsync();
        Http.Dispose();
        _directory.Dispose();
    }
}
