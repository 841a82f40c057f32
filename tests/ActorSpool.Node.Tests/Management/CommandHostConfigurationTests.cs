using System.Net;
using System.Net.Sockets;
using ActorSpool.Node.Hosting;
using ActorSpool.TestSupport;

namespace ActorSpool.Node.Tests.Management;

/// <summary>
/// Where the command host listens and its token: <c>actorspool.cmd { host, port, token }</c>, the older
/// <c>actorspool.node.cmd-*</c> keys, and flags (which win).
/// </summary>
public sealed class CommandHostConfigurationTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private async Task<(int Code, NodeOptions? Options)> ParseAsync(string? hocon, params string[] args)
    {
        NodeOptions? captured = null;
        var all = new List<string>(args);
        if (hocon is not null)
        {
            var file = Path.Combine(_directory.Path, $"extra-{Guid.NewGuid():N}.conf");
            await File.WriteAllTextAsync(file, hocon);
            all.AddRange(["--config", file]);
        }
        var code = await NodeCommandLine.Create((options, _, _) =>
        {
            captured = options;
            return Task.FromResult(0);
        }).Parse(all.ToArray()).InvokeAsync();
        return (code, captured);
    }

    [Fact]
    public async Task By_default_the_command_host_is_local_on_9110_without_a_token()
    {
        var (code, options) = await ParseAsync(null);
        Assert.Equal(0, code);
        Assert.Equal("127.0.0.1", options!.CommandHost);
        Assert.Equal(9110, options.CommandPort);
        Assert.Null(options.CommandToken);
    }

    [Fact]
    public async Task The_actorspool_cmd_section_sets_host_port_and_token()
    {
        var (_, options) = await ParseAsync("actorspool.cmd { host = \"0.0.0.0\", port = 9200, token = \"abc\" }");
        Assert.Equal("0.0.0.0", options!.CommandHost);
        Assert.Equal(9200, options.CommandPort);
        Assert.Equal("abc", options.CommandToken);
    }

    [Fact]
    public async Task Flags_win_over_the_config_file()
    {
        var (_, options) = await ParseAsync("actorspool.cmd { host = \"0.0.0.0\", port = 9200, token = \"abc\" }",
            "--cmd-port", "9300", "--cmd-host", "127.0.0.1", "--cmd-token", "xyz");
        Assert.Equal("127.0.0.1", options!.CommandHost);
        Assert.Equal(9300, options.CommandPort);
        Assert.Equal("xyz", options.CommandToken);
    }

    [Fact]
    public async Task The_older_node_keys_still_work()
    {
        var (_, options) = await ParseAsync("actorspool.node { cmd-host = \"0.0.0.0\", cmd-port = 9400 }");
        Assert.Equal("0.0.0.0", options!.CommandHost);
        Assert.Equal(9400, options.CommandPort);
    }

    [Fact]
    public async Task A_host_that_is_not_an_address_stops_start_up()
    {
        var (code, options) = await ParseAsync(null, "--cmd-host", "nowhere.invalid");
        Assert.Equal(2, code);
        Assert.Null(options);
    }

    [Fact]
    public async Task A_command_port_in_use_is_a_clear_error()
    {
        using var blocker = new TcpListener(IPAddress.Loopback, 0);
        blocker.Start();
        var port = ((IPEndPoint)blocker.LocalEndpoint).Port;

        var (code, output) = await NodeProcess.RunToExitAsync(
            ["--data", _directory.Path, "--ipp-port", "0", "--http-port", "0", "--node-port", "0", "--cmd-port", port.ToString()]);

        Assert.NotEqual(0, code);
        Assert.Contains($"port {port} (--cmd-port) is already in use on 127.0.0.1", output);
        Assert.DoesNotContain("   at ", output);
    }
}
