using ActorSpool.Simulators;
using ActorSpool.TestSupport;
using ActorSpool.TestSupport.Nodes;
using PrinterFiles = ActorSpool.TestSupport.Nodes.Printers;

namespace ActorSpool.Console.Tests;

/// <summary>
/// A real node started in the test process on free ports, printing to simulated AppSocket printers, with an admin
/// ("admin") and a plain user ("alice") in an htpasswd users file. Pages are opened by URL (<see cref="WebUri"/>),
/// so a test may point a browser at any node, in process or not.
/// </summary>
public sealed class ConsoleNode : IAsyncDisposable
{
    public const string AdminUser = "admin", AdminPassword = "admin-pw", User = "alice", UserPassword = "alice-pw";

    private readonly InProcessNode _node;
    private readonly TempDirectory _data;

    private ConsoleNode(InProcessNode node, TempDirectory data, IReadOnlyDictionary<string, AppSocketPrinterSimulator> printers)
    {
        _node = node;
        _data = data;
        Printers = printers;
    }

    public int IppPort => _node.IppPort;
    public int HttpPort => _node.HttpPort;
    public IReadOnlyDictionary<string, AppSocketPrinterSimulator> Printers { get; }

    /// <summary>The console's base URL: http://127.0.0.1:PORT/.</summary>
    public Uri WebUri => new($"http://127.0.0.1:{HttpPort}/");

    public string QueueUri(string queue) => $"ipp://127.0.0.1:{IppPort}/printers/{queue}";

    /// <param name="queues">Queue name → its printers; a simulator is started for each printer named.</param>
    /// <param name="hocon">Settings over config/actorspool.conf (e.g. a short printer heartbeat).</param>
    public static async Task<ConsoleNode> StartAsync(IReadOnlyDictionary<string, string[]> queues, string hocon = "", TimeSpan? delayPerJob = null)
    {
        var data = new TempDirectory();
        var printers = new Dictionary<string, AppSocketPrinterSimulator>();
        foreach (var name in queues.Values.SelectMany(p => p).Distinct()) printers[name] = await PrinterFiles.SimulatorAsync(name, delayPerJob);
        var printersFile = PrinterFiles.WriteFile(data.Path, printers.Values,
            string.Concat(queues.Select(q => $"  {q.Key} {{ printers = [{string.Join(", ", q.Value)}] }}\n")));
        var users = Path.Combine(data.Path, "users");
        Htpasswd.Add(users, AdminUser, AdminPassword, "-B", "-C", "4");
        Htpasswd.Add(users, User, UserPassword, "-B", "-C", "4");

        var options = InProcessNode.Options(Path.Combine(data.Path, "data"), printersFile) with { UsersFile = users, Admins = [AdminUser] };
        // Logging in over plain HTTP is allowed on this loopback-only test node, as on the IPP tests' nodes.
        var node = new ConsoleNode(await InProcessNode.StartAsync(options, "actorspool.security.allow-basic-without-tls = on\n" + hocon), data, printers);
        using var http = new HttpClient { BaseAddress = node.WebUri };
        await Eventually.WaitUntilAsync(async () => (await http.GetAsync("/health/ready")).IsSuccessStatusCode, "the node is up in its cluster");
        return node;
    }

    public async ValueTask DisposeAsync()
    {
        await _node.DisposeAsync();
        foreach (var printer in Printers.Values) await printer.DisposeAsync();
        _data.Dispose();
    }
}
