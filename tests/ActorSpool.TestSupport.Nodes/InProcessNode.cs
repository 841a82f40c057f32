using ActorSpool.Node.Hosting;
using ActorSpool.Simulators;
using ActorSpool.TestSupport;
using Microsoft.AspNetCore.Builder;

namespace ActorSpool.TestSupport.Nodes;

/// <summary>A node started in the test process on free ports, printing to simulators the test owns.</summary>
public sealed class InProcessNode : IAsyncDisposable
{
    private readonly WebApplication _app;

    private InProcessNode(WebApplication app, int ippPort, int httpPort)
    {
        _app = app;
        IppPort = ippPort;
        HttpPort = httpPort;
    }

    public int IppPort { get; }
    public int HttpPort { get; }
    public IServiceProvider Services => _app.Services;

    public Uri QueueUri(string queue) => new($"ipp://127.0.0.1:{IppPort}/printers/{queue}");

    public static NodeOptions Options(string dataDirectory, string printersFile) => new()
    {
        ConfigDirectory = Path.Combine(AppContext.BaseDirectory, "config"),
        DataDirectory = dataDirectory,
        PrintersFile = printersFile,
        Hostname = "127.0.0.1",
        ListenAddress = "127.0.0.1",
        CommandHost = "127.0.0.1",
        Workers = 4,
        Roles = ["worker", "ingress"],
        DnsSd = false, // tests that want DNS-SD turn it on with their own avahi-daemon (PrivateAvahi)
    };

    /// <param name="hocon">Settings over config/actorspool.conf (e.g. lower limits for a test); none when null.</param>
    public static async Task<InProcessNode> StartAsync(NodeOptions options, string? hocon = null)
    {
        var config = NodeConfiguration.LoadBase(options.ConfigDirectory, null);
        if (hocon is not null) config = Akka.Configuration.ConfigurationFactory.ParseString(hocon).WithFallback(config);
        var app = await NodeHost.BuildAsync(options, config);
        await app.StartAsync();
        var (ipp, http) = NodeHost.BoundPorts(app);
        return new InProcessNode(app, ipp, http);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

public static class Printers
{
    /// <summary>Writes a printers file with one socket:// printer per simulator and the given queues.</summary>
    public static string WriteFile(string directory, IEnumerable<AppSocketPrinterSimulator> simulators, string queues)
    {
        var printers = string.Join("\n", simulators.Select(s => $"  {s.Name} {{ uri = \"socket://127.0.0.1:{s.Port}\" }}"));
        var path = Path.Combine(directory, "printers.conf");
        File.WriteAllText(path, $"actorspool.printers {{\n{printers}\n}}\nactorspool.queues {{\n{queues}\n}}\n");
        return path;
    }

    public static async Task<AppSocketPrinterSimulator> SimulatorAsync(string name, TimeSpan? delay = null)
    {
        var simulator = new AppSocketPrinterSimulator(new SimulatorOptions { Name = name, DelayPerJob = delay ?? TimeSpan.Zero });
        await simulator.StartAsync();
        return simulator;
    }
}
