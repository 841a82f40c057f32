using System.Diagnostics;
using ActorSpool.Node.Hosting;
using ActorSpool.Simulators;
using ActorSpool.TestSupport;
using Microsoft.AspNetCore.Builder;

namespace ActorSpool.Console.Tests;

/// <summary>
/// A real node started in the test process on free ports, printing to simulated AppSocket printers, with an admin
/// ("admin") and a plain user ("alice") in an htpasswd users file. Pages are opened by URL (<see cref="WebUri"/>),
/// so a test may point a browser at any node, in process or not.
/// </summary>
public sealed class ConsoleNode : IAsyncDisposable
{
    public const string AdminUser = "admin", AdminPassword = "admin-pw", User = "alice", UserPassword = "alice-pw";

    private readonly WebApplication _app;
    private readonly TempDirectory _data;

    private ConsoleNode(WebApplication app, TempDirectory data, IReadOnlyDictionary<string, AppSocketPrinterSimulator> printers)
    {
        _app = app;
        _data = data;
        Printers = printers;
        (IppPort, HttpPort) = NodeHost.BoundPorts(app);
    }

    public int IppPort { get; }
    public int HttpPort { get; }
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
        foreach (var name in queues.Values.SelectMany(p => p).Distinct())
        {
            var simulator = new AppSocketPrinterSimulator(new SimulatorOptions { Name = name, DelayPerJob = delayPerJob ?? TimeSpan.Zero });
            await simulator.StartAsync();
            printers[name] = simulator;
        }
        var printersFile = Path.Combine(data.Path, "printers.conf");
        await File.WriteAllTextAsync(printersFile,
            "actorspool.printers {\n" + string.Concat(printers.Values.Select(s => $"  {s.Name} {{ uri = \"socket://127.0.0.1:{s.Port}\" }}\n")) + "}\n" +
            "actorspool.queues {\n" + string.Concat(queues.Select(q => $"  {q.Key} {{ printers = [{string.Join(", ", q.Value)}] }}\n")) + "}\n");
        var users = Path.Combine(data.Path, "users");
        Htpasswd(users, AdminUser, AdminPassword);
        Htpasswd(users, User, UserPassword);

        var options = new NodeOptions
        {
            ConfigDirectory = Path.Combine(AppContext.BaseDirectory, "config"),
            DataDirectory = Path.Combine(data.Path, "data"),
            PrintersFile = printersFile,
            Hostname = "127.0.0.1",
            ListenAddress = "127.0.0.1",
            CommandHost = "127.0.0.1",
            Workers = 4,
            Roles = ["worker", "ingress"],
            UsersFile = users,
            Admins = [AdminUser],
        };
        // Logging in over plain HTTP is allowed on this loopback-only test node, as on the IPP tests' nodes.
        var config = Akka.Configuration.ConfigurationFactory.ParseString("actorspool.security.allow-basic-without-tls = on\n" + hocon)
            .WithFallback(NodeConfiguration.LoadBase(options.ConfigDirectory, null));
        var app = await NodeHost.BuildAsync(options, config);
        await app.StartAsync();
        var node = new ConsoleNode(app, data, printers);
        using var http = new HttpClient { BaseAddress = node.WebUri };
        await Eventually.WaitUntilAsync(async () => (await http.GetAsync("/health/ready")).IsSuccessStatusCode, "the node is up in its cluster");
        return node;
    }

    private static void Htpasswd(string file, string user, string password)
    {
        var start = new ProcessStartInfo("htpasswd") { RedirectStandardInput = true, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[] { "-B", "-C", "4", "-i" }) start.ArgumentList.Add(argument);
        if (!File.Exists(file)) start.ArgumentList.Add("-c");
        start.ArgumentList.Add(file);
        start.ArgumentList.Add(user);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("htpasswd is missing: run ./test.sh (apt-get install apache2-utils)");
        process.StandardInput.Write(password);
        process.StandardInput.Close();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException("htpasswd failed: " + process.StandardError.ReadToEnd());
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        foreach (var printer in Printers.Values) await printer.DisposeAsync();
        _data.Dispose();
    }
}
