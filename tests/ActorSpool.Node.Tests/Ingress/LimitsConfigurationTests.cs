using ActorSpool.Node.Hosting;
using ActorSpool.Node.Ingress;
using ActorSpool.Node.Tests.EndToEnd;
using ActorSpool.TestSupport;
using Akka.Configuration;

namespace ActorSpool.Node.Tests.Ingress;

/// <summary>The limits' keys: config/actorspool.conf states the defaults the code has, and a bad value names its key.</summary>
public sealed class LimitsConfigurationTests
{
    private static readonly Config Shipped = NodeConfiguration.LoadBase(Path.GetDirectoryName(RepoPaths.Config("actorspool.conf"))!, null);

    [Fact]
    public void The_shipped_configuration_holds_the_documented_defaults()
    {
        Assert.Equal(new LimitsSettings(), LimitsSettings.FromConfig(Shipped));
        Assert.Equal(1024 * 1024, LimitsSettings.FromConfig(Shipped).IppMaxAttributeBytes);
        Assert.Equal(100L * 1024 * 1024, LimitsSettings.FromConfig(Shipped).MinFreeDiskBytes);

        var node = InProcessNode.Options("data", "printers.conf");
        var lpd = IngressConfiguration.Lpd(Shipped, node);
        var raw = IngressConfiguration.Raw(Shipped, node);
        Assert.Equal((128, 32, new MinDataRate(240, TimeSpan.FromSeconds(10))), (lpd.MaxConnections, lpd.MaxConnectionsPerAddress, lpd.MinDataRate));
        Assert.Equal((128, 32, new MinDataRate(240, TimeSpan.FromSeconds(10))), (raw.MaxConnections, raw.MaxConnectionsPerAddress, raw.MinDataRate));
    }

    [Theory]
    [InlineData("get-jobs-default = 6000", "get-jobs-default (6000) is more than get-jobs-max (5000)")]
    [InlineData("ipp-max-attributes = 0", "actorspool.limits.ipp-max-attributes: 0 must be at least 10")]
    [InlineData("min-free-disk = -1", "actorspool.limits.min-free-disk: -1 must be at least 0")]
    [InlineData("cmd-request-timeout = 0s", "actorspool.limits.cmd-request-timeout must be positive")]
    public void A_bad_limit_names_its_key(string setting, string expected)
    {
        var config = ConfigurationFactory.ParseString($"actorspool.limits {{ {setting} }}").WithFallback(Shipped);
        Assert.Contains(expected, Assert.Throws<ConfigurationException>(() => LimitsSettings.FromConfig(config)).Message);
    }

    [Fact]
    public void A_min_data_rate_of_zero_turns_it_off_and_a_negative_one_stops_the_start()
    {
        var off = ConfigurationFactory.ParseString("actorspool.lpd.min-data-rate = 0").WithFallback(Shipped);
        Assert.Null(IngressConfiguration.Lpd(off, InProcessNode.Options("data", "printers.conf")).MinDataRate);

        var bad = ConfigurationFactory.ParseString("actorspool.raw.min-data-rate = -5").WithFallback(Shipped);
        Assert.Contains("actorspool.raw.min-data-rate", Assert.Throws<StartupException>(() => IngressConfiguration.Raw(bad, InProcessNode.Options("data", "printers.conf"))).Message);
    }
}
