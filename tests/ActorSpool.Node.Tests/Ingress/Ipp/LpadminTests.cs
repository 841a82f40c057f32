using ActorSpool.Actors.Topology;
using ActorSpool.Node.Security;
using ActorSpool.Node.Tests.EndToEnd;
using ActorSpool.Node.Tests.Security;
using ActorSpool.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace ActorSpool.Node.Tests.Ingress.Ipp;

/// <summary>
/// CUPS's real <c>lpadmin</c> and <c>lpstat</c> (Debian cups-client) against the IPP endpoints with HTTP Basic, the
/// fake spooler and an in-memory live topology: what an operator types, including lpadmin's password prompt.
/// </summary>
public sealed class LpadminTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private readonly FakeSpoolGateway _gateway = new();
    private InMemoryTopologyAdmin _admin = null!;
    private IppTestServer _server = null!;

    public async Task InitializeAsync()
    {
        var users = Path.Combine(_dir.Path, "users");
        Htpasswd.Add(users, "alice", "alice-pw", "-B", "-C", "4");
        Htpasswd.Add(users, "root", "root-pw", "-B", "-C", "4");
        var settings = new SecuritySettings { UsersFile = users, AllowBasicWithoutTls = true, Admins = new HashSet<string> { "root" } };
        var authenticator = new Authenticator(settings, UsersFile.Load(users, NullLogger.Instance),
            new LoginThrottle(settings.LoginFailures, settings.LoginWindow, TimeProvider.System), NullLogger<Authenticator>.Instance);
        _admin = new InMemoryTopologyAdmin(_gateway);
        _server = await IppTestServer.StartAsync(_gateway, s => s
            .AddSingleton(authenticator)
            .AddSingleton<ILiveTopology>(_admin.Live)
            .AddSingleton<ITopologyAdmin>(_admin));
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _dir.Dispose();
    }

    private string Server => $"127.0.0.1:{_server.Port}";

    [Fact]
    public async Task An_admin_adds_a_queue_with_lpadmin_lpstat_lists_it_and_lpadmin_x_removes_it()
    {
        var (added, addText) = await CupsTool.RunOnTerminalAsync(output, "root-pw",
            "lpadmin", "-h", Server, "-U", "root", "-p", "lj-9", "-v", "socket://10.0.0.9:9100", "-D", "Laser on floor 2", "-E");

        Assert.True(added == 0, addText); // the description is not kept: returned as unsupported, which lpadmin accepts
        Assert.Equal("socket://10.0.0.9:9100", _admin.Live.Current.FindPrinter("lj-9")!.Uri.OriginalString);
        Assert.Equal(["lj-9"], _admin.Live.Current.FindQueue("lj-9")!.Printers);
        Assert.Equal("root", Assert.Single(_admin.Applied).By);

        var (listed, devices) = await CupsTool.RunAsync(output, "lpstat", "-h", Server, "-v");
        Assert.Equal(0, listed);
        Assert.Equal(
            ["device for lab: socket://127.0.0.1:9102", "device for lj-9: socket://10.0.0.9:9100", "device for office: socket://127.0.0.1:9101"],
            devices.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
        var (_, accepting) = await CupsTool.RunAsync(output, "lpstat", "-h", Server, "-a", "lj-9");
        Assert.StartsWith("lj-9 accepting requests", accepting);
        var (_, printers) = await CupsTool.RunAsync(output, "lpstat", "-h", Server, "-p");
        Assert.Contains("printer lj-9 is idle", printers);

        var (moved, moveText) = await CupsTool.RunOnTerminalAsync(output, "root-pw",
            "lpadmin", "-h", Server, "-U", "root", "-p", "lj-9", "-v", "lpd://10.0.0.10/raw");
        Assert.True(moved == 0, moveText);
        Assert.Equal("lpd://10.0.0.10/raw", _admin.Live.Current.FindPrinter("lj-9")!.Uri.OriginalString);

        var (removed, removeText) = await CupsTool.RunOnTerminalAsync(output, "root-pw", "lpadmin", "-h", Server, "-U", "root", "-x", "lj-9");

        Assert.True(removed == 0, removeText);
        Assert.Null(_admin.Live.Current.FindQueue("lj-9"));
        var (_, after) = await CupsTool.RunAsync(output, "lpstat", "-h", Server, "-v");
        Assert.DoesNotContain("lj-9", after);
        Assert.Contains("device for office: socket://127.0.0.1:9101", after);
    }

    [Fact]
    public async Task Lpadmin_without_admin_credentials_is_refused_and_nothing_changes()
    {
        var before = _admin.Live.Current;

        var (user, userText) = await CupsTool.RunOnTerminalAsync(output, "alice-pw",
            "lpadmin", "-h", Server, "-U", "alice", "-p", "lj-9", "-v", "socket://10.0.0.9:9100");
        var (nobody, _) = await CupsTool.RunOnTerminalAsync(output, null,
            "lpadmin", "-h", Server, "-U", "mallory", "-p", "lj-9", "-v", "socket://10.0.0.9:9100");
        var (wrong, _) = await CupsTool.RunOnTerminalAsync(output, "guess",
            "lpadmin", "-h", Server, "-U", "root", "-x", "office");

        Assert.NotEqual(0, user);
        Assert.Contains("alice is not one", userText); // lpadmin prints the status message
        Assert.NotEqual(0, nobody);
        Assert.NotEqual(0, wrong);
        Assert.Same(before, _admin.Live.Current);
        Assert.Empty(_admin.Applied);
    }

    [Fact]
    public async Task Lpadmin_d_sets_the_default_queue_that_lpstat_d_shows()
    {
        var (exit, text) = await CupsTool.RunOnTerminalAsync(output, "root-pw", "lpadmin", "-h", Server, "-U", "root", "-d", "lab");

        Assert.True(exit == 0, text);
        var (_, shown) = await CupsTool.RunAsync(output, "lpstat", "-h", Server, "-d");
        Assert.Equal("system default destination: lab", shown);
        var (summarized, summary) = await CupsTool.RunAsync(output, "lpstat", "-h", Server, "-s");
        Assert.Equal(0, summarized);
        Assert.Contains("system default destination: lab", summary);
        Assert.Contains("device for office: socket://127.0.0.1:9101", summary);
        Assert.Equal((0, ""), await CupsTool.RunAsync(output, "lpstat", "-h", Server, "-c")); // no classes
    }

    [Fact]
    public async Task Cupsdisable_pauses_a_queue_and_cupsenable_resumes_it()
    {
        var (disabled, disableText) = await CupsTool.RunOnTerminalAsync(output, "root-pw", "cupsdisable", "-h", Server, "-U", "root", "office");
        Assert.True(disabled == 0, disableText);
        Assert.Equal(["office"], _gateway.PausedQueues);
        var (_, printers) = await CupsTool.RunAsync(output, "lpstat", "-h", Server, "-p", "office");
        Assert.Contains("printer office disabled", printers);

        var (enabled, enableText) = await CupsTool.RunOnTerminalAsync(output, "root-pw", "cupsenable", "-h", Server, "-U", "root", "office");

        Assert.True(enabled == 0, enableText);
        Assert.Empty(_gateway.PausedQueues);
    }
}
