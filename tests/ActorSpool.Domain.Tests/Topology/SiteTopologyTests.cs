using ActorSpool.Domain.Topology;

namespace ActorSpool.Domain.Tests.Topology;

/// <summary>The <c>site</c> and <c>alternate-site</c> keys of printers and queues: read, checked, written back, and the rule a delivery follows.</summary>
public sealed class SiteTopologyTests
{
    private const string Source = "printers.conf";

    private const string WithSites = """
        actorspool.printers {
          lj-a { uri = "socket://127.0.0.1:9101", site = building-a, alternate-site = building-b }
          lj-b { uri = "socket://127.0.0.1:9102", site = building-b }
          lj-any { uri = "socket://127.0.0.1:9103" }
        }
        actorspool.queues {
          office { printers = [lj-a, lj-any], site = building-b, alternate-site = building-a }
          plain { printers = [lj-b] }
        }
        """;

    private static TopologyException Fails(string hocon) => Assert.Throws<TopologyException>(() => TopologyLoader.LoadText(hocon, Source));

    [Fact]
    public void Printers_and_queues_name_a_site_and_an_alternate()
    {
        var topology = TopologyLoader.LoadText(WithSites, Source);

        Assert.Equal(("building-a", "building-b"), (topology.Printers["lj-a"].Site, topology.Printers["lj-a"].AlternateSite));
        Assert.Equal(("building-b", (string?)null), (topology.Printers["lj-b"].Site, topology.Printers["lj-b"].AlternateSite));
        Assert.Null(topology.Printers["lj-any"].Site);
        Assert.Equal(("building-b", "building-a"), (topology.Queues["office"].Site, topology.Queues["office"].AlternateSite));
        Assert.Null(topology.Queues["plain"].Site);
    }

    [Fact]
    public void A_delivery_follows_the_printers_site_and_else_its_queues()
    {
        var topology = TopologyLoader.LoadText(WithSites, Source);
        var office = topology.Queues["office"];

        Assert.Equal(new DeliverySite("building-a", "building-b"), DeliverySite.For(topology.Printers["lj-a"], office));
        Assert.Equal(new DeliverySite("building-b", "building-a"), DeliverySite.For(topology.Printers["lj-any"], office));
        Assert.Equal(new DeliverySite("building-b", null), DeliverySite.For(topology.Printers["lj-b"], topology.Queues["plain"]));
        Assert.Equal(DeliverySite.Anywhere, DeliverySite.For(topology.Printers["lj-any"], topology.Queues["plain"]));
    }

    [Fact]
    public void Sites_survive_writing_the_topology_back_as_printers_conf()
    {
        var topology = TopologyLoader.LoadText(WithSites, Source);

        var text = TopologyWriter.ToHocon(topology);
        var read = TopologyLoader.LoadText(text, "exported");

        Assert.Contains("site = building-a, alternate-site = building-b", text, StringComparison.Ordinal);
        foreach (var name in topology.PrinterNames)
        {
            var (before, after) = (topology.Printers[name], read.Printers[name]);
            Assert.Equal((before.Uri, before.Site, before.AlternateSite), (after.Uri, after.Site, after.AlternateSite));
        }
        foreach (var name in topology.QueueNames)
        {
            Assert.Equal((topology.Queues[name].Site, topology.Queues[name].AlternateSite), (read.Queues[name].Site, read.Queues[name].AlternateSite));
            Assert.Equal(topology.Queues[name].Printers, read.Queues[name].Printers);
        }
        Assert.DoesNotContain("site", TopologyWriter.ToHocon(TopologyLoader.LoadText("""
            actorspool.printers { p { uri = "socket://127.0.0.1:9100" } }
            actorspool.queues { q { printers = [p] } }
            """, Source)), StringComparison.Ordinal);
    }

    [Fact]
    public void An_alternate_without_a_site_is_refused()
    {
        var e = Fails("""
            actorspool.printers { p { uri = "socket://127.0.0.1:9100", alternate-site = b } }
            actorspool.queues { q { printers = [p], alternate-site = b } }
            """);

        Assert.Contains($"{Source}: actorspool.printers.p.alternate-site: an alternate-site needs a site (the one it stands in for)", e.Problems);
        Assert.Contains($"{Source}: actorspool.queues.q.alternate-site: an alternate-site needs a site (the one it stands in for)", e.Problems);
    }

    [Fact]
    public void An_alternate_equal_to_the_site_is_refused()
    {
        var e = Fails("""
            actorspool.printers { p { uri = "socket://127.0.0.1:9100", site = a, alternate-site = a } }
            actorspool.queues { q { printers = [p] } }
            """);

        Assert.Contains(e.Problems, p => p.StartsWith($"{Source}: actorspool.printers.p.alternate-site: 'a' is the site itself", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Building-A")]
    [InlineData("\"a b\"")]
    [InlineData("-a")]
    [InlineData("[a, b]")]
    public void A_site_name_must_be_a_name_like_a_printers(string site)
    {
        var e = Fails($$"""
            actorspool.printers { p { uri = "socket://127.0.0.1:9100" } }
            actorspool.queues { q { printers = [p], site = {{site}} } }
            """);

        Assert.Contains(e.Problems, p => p.StartsWith($"{Source}: actorspool.queues.q.site: ", StringComparison.Ordinal));
    }

    [Fact]
    public void A_live_change_obeys_the_same_site_rules()
    {
        var topology = TopologyLoader.LoadText(WithSites, Source);
        var printer = topology.Printers["lj-b"] with { AlternateSite = "building-b" };

        var outcome = TopologyEditor.Apply(topology, [new TopologyEdit.PutPrinter(printer, PutMode.Set)]);

        Assert.Null(outcome.Topology);
        Assert.Contains(outcome.Problems, p => p.Contains("lj-b.alternate-site: 'building-b' is the site itself", StringComparison.Ordinal));
    }
}
