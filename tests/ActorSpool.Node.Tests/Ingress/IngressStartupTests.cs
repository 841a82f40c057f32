using System.Net;
using System.Net.Sockets;
using ActorSpool.Node.Hosting;
using ActorSpool.Node.Ingress;
using ActorSpool.Node.Tests.EndToEnd;
using ActorSpool.TestSupport;
using Akka.Configuration;

namespace ActorSpool.Node.Tests.Ingress;

/// <summary>Ingress settings and ports: problems stop start-up with one line naming the setting.</summary>
public sealed class IngressStartupTests : IDisposable
{
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    private NodeOptions Options(string queues = "  office { printers = [lj-1] }")
    {
        var printers = Path.Combine(_data.Path, "printers.conf");
        File.WriteAllText(printers, $"actorspool.printers {{\n  lj-1 {{ uri = \"socket://127.0.0.1:9\" }}\n}}\nactorspool.queues {{\n{queues}\n}}\n");
        return InProcessNode.Options(_data.Path, printers);
    }

    private static Config BaseConfig(string extra = "") =>
        ConfigurationFactory.ParseString(extra).WithFallback(NodeConfiguration.LoadBase(Path.Combine(AppContext.BaseDirectory, "config"), null));

    [Fact]
    public async Task An_lpd_port_in_use_stops_start_up()
    {
        using var busy = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        busy.Bind(new IPEndPoint(IPAddress.Any, 0));
        busy.Listen();
        var port = ((IPEndPoint)busy.LocalEndPoint!).Port;

        var e = await Assert.ThrowsAsync<StartupException>(() => NodeHost.BuildAsync(Options() with { LpdPort = port }, BaseConfig()));
        Assert.Contains($"port {port} (LPD, --lpd-port) is already in use", e.Message);
    }

    [Fact]
    public async Task A_raw_port_that_is_also_the_lpd_port_stops_start_up()
    {
        var port = FreePort.Next();
        var options = Options($"  office {{ printers = [lj-1], raw-port = {port} }}");
        var e = await Assert.ThrowsAsync<StartupException>(() => NodeHost.BuildAsync(options, BaseConfig($"actorspool.lpd {{ enabled = on, port = {port} }}")));
        Assert.Contains($"port {port} (actorspool.queues.office.raw-port) is also this node's actorspool.lpd.port", e.Message);
    }

    [Fact]
    public void Lpd_settings_come_from_hocon_and_the_flag_turns_the_listener_on()
    {
        var off = IngressConfiguration.Lpd(BaseConfig(), Options());
        Assert.Equal((false, "0.0.0.0", 515), (off.Enabled, off.Host, off.Port));

        var configured = IngressConfiguration.Lpd(BaseConfig("actorspool.lpd { enabled = on, host = \"127.0.0.1\", port = 1515, idle-timeout = 30s }"), Options());
        Assert.Equal((true, "127.0.0.1", 1515, TimeSpan.FromSeconds(30)), (configured.Enabled, configured.Host, configured.Port, configured.IdleTimeout));

        var flagged = IngressConfiguration.Lpd(BaseConfig(), Options() with { LpdPort = 0 });
        Assert.Equal((true, 0), (flagged.Enabled, flagged.Port));

        Assert.Contains("actorspool.lpd.host", Assert.Throws<StartupException>(() =>
            IngressConfiguration.Lpd(BaseConfig("actorspool.lpd.host = \"printer.example\""), Options())).Message);
        Assert.Contains("actorspool.lpd.port", Assert.Throws<StartupException>(() =>
            IngressConfiguration.Lpd(BaseConfig("actorspool.lpd.port = 70000"), Options())).Message);

        var raw = IngressConfiguration.Raw(BaseConfig(), Options() with { ListenAddress = "127.0.0.1" });
        Assert.Equal("127.0.0.1", raw.Host); // empty actorspool.raw.host = the node's listen address
        Assert.True(raw.Enabled);
        Assert.False(IngressConfiguration.Raw(BaseConfig("actorspool.raw.enabled = off"), Options()).Enabled);
    }
}
