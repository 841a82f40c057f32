using ActorSpool.Domain.Alerts;
using ActorSpool.Node.Alerts;
using ActorSpool.Node.Hosting;
using ActorSpool.TestSupport;
using Akka.Configuration;

namespace ActorSpool.Node.Tests.Alerts;

/// <summary>actorspool.alerts: the shipped defaults are the contract's thresholds with every sink off; a bad value names its key.</summary>
public sealed class AlertSettingsTests
{
    private static readonly Config Shipped = NodeConfiguration.LoadBase(Path.GetDirectoryName(RepoPaths.Config("actorspool.conf"))!, null);

    [Fact]
    public void The_shipped_configuration_holds_the_documented_thresholds_and_no_sink()
    {
        var settings = AlertSettings.FromConfig(Shipped);
        Assert.Equal(new AlertThresholds(), settings.Thresholds);
        Assert.Equal((TimeSpan.FromMinutes(2), 500, TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(30)),
            (settings.Thresholds.PrinterDownAfter, settings.Thresholds.BacklogAbove, settings.Thresholds.OldestPendingOlderThan, settings.Thresholds.StorageDownAfter));
        Assert.False(settings.AnySink);
        Assert.Equal("none, alerts are only logged", AlertManagerActor.Describe(settings));
    }

    [Fact]
    public void Sinks_are_read()
    {
        var settings = AlertSettings.FromConfig(ConfigurationFactory.ParseString("""
            actorspool.alerts {
              webhooks = ["http://hooks.example/a", "https://hooks.example/b"]
              alertmanagers = ["http://am.example:9093/"]
              email { host = "smtp.example", port = 587, security = starttls, from = "spool@example", to = ["ops@example"] }
            }
            """).WithFallback(Shipped));
        using var http = new HttpClient();
        Assert.Equal(new[] { "http://hooks.example/a", "https://hooks.example/b" }, settings.Webhooks.Select(u => u.ToString()).ToArray());
        Assert.Equal("http://am.example:9093/api/v2/alerts", new AlertmanagerSink(http, settings.Alertmanagers[0], TimeSpan.FromMinutes(1)).Target);
        Assert.Equal((587, MailKit.Security.SecureSocketOptions.StartTls), (settings.Email.Port, settings.Email.Security));
        Assert.Equal(4, AlertDelivery.SinksFor(settings, http).Count);
    }

    [Theory]
    [InlineData("webhooks = [\"hooks.example/a\"]", "actorspool.alerts.webhooks: \"hooks.example/a\" is not an http:// or https:// address")]
    [InlineData("alertmanagers = [\"ftp://am\"]", "actorspool.alerts.alertmanagers")]
    [InlineData("printer-down-after = -1s", "actorspool.alerts.printer-down-after")]
    [InlineData("backlog-above = 0", "actorspool.alerts.backlog-above")]
    [InlineData("email.security = maybe", "actorspool.alerts.email.security")]
    [InlineData("email.host = smtp.example", "actorspool.alerts.email: host is set, so from and to")]
    public void A_bad_value_names_its_key(string setting, string expected)
    {
        var config = ConfigurationFactory.ParseString($"actorspool.alerts {{ {setting} }}").WithFallback(Shipped);
        Assert.Contains(expected, Assert.Throws<ConfigurationException>(() => AlertSettings.FromConfig(config)).Message);
    }
}
