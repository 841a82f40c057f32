using ActorSpool.Node.Discovery;
using ActorSpool.Node.Hosting;
using Akka.Configuration;

namespace ActorSpool.Node.Tests.Discovery;

/// <summary>actorspool.dnssd and --dnssd / ACTORSPOOL_DNSSD.</summary>
public sealed class DnsSdSettingsTests
{
    private static Config Base(string extra = "") =>
        ConfigurationFactory.ParseString(extra).WithFallback(NodeConfiguration.LoadBase(Path.Combine(AppContext.BaseDirectory, "config"), null));

    [Fact]
    public void A_print_server_advertises_its_queues_by_default_on_the_system_bus()
    {
        var settings = DnsSdSettings.FromConfig(Base(), enabledOverride: null);
        Assert.True(settings.Enabled);
        Assert.Equal("", settings.DBusAddress);
    }

    [Fact]
    public void The_flag_wins_over_the_config_file()
    {
        Assert.False(DnsSdSettings.FromConfig(Base(), enabledOverride: false).Enabled);
        Assert.True(DnsSdSettings.FromConfig(Base("actorspool.dnssd.enabled = off"), enabledOverride: true).Enabled);
        Assert.False(DnsSdSettings.FromConfig(Base("actorspool.dnssd.enabled = off"), enabledOverride: null).Enabled);
    }

    [Fact]
    public void A_bus_address_that_is_not_one_is_refused()
    {
        var e = Assert.Throws<ConfigurationException>(() => DnsSdSettings.FromConfig(Base("actorspool.dnssd.dbus-address = \"/run/dbus/system_bus_socket\""), null));
        Assert.Contains("actorspool.dnssd.dbus-address", e.Message);
    }

    [Theory]
    [InlineData("off", false)]
    [InlineData("on", true)]
    public async Task Dnssd_flag_sets_the_option(string value, bool expected)
    {
        NodeOptions? captured = null;
        var code = await NodeCommandLine.Create((options, _, _) =>
        {
            captured = options;
            return Task.FromResult(0);
        }).Parse(["--dnssd", value]).InvokeAsync();
        Assert.Equal(0, code);
        Assert.Equal(expected, captured!.DnsSd);
    }

    [Fact]
    public async Task A_bad_dnssd_flag_stops_the_start()
    {
        var ran = false;
        var code = await NodeCommandLine.Create((_, _, _) =>
        {
            ran = true;
            return Task.FromResult(0);
        }).Parse(["--dnssd", "maybe"]).InvokeAsync();
        Assert.Equal(StartupException.BadConfiguration, code);
        Assert.False(ran);
    }
}
