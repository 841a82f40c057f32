using ActorSpool.Domain.Messages;
using ActorSpool.Node.Web.Live;

namespace ActorSpool.Node.Tests.Web;

/// <summary>The per-node figures of the 15-minute chart, without an actor system.</summary>
public sealed class ThroughputStatsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_sample_gives_rates_over_its_interval_and_the_p95_of_the_completed_jobs()
    {
        var window = new ThroughputWindow(T0);
        for (var i = 0; i < 10; i++) window.Submitted();
        for (var ms = 1; ms <= 20; ms++) window.Completed(ms * 100);

        var sample = window.TakeSample(T0.AddSeconds(5));

        Assert.Equal(2, sample.SubmittedPerSecond);
        Assert.Equal(4, sample.CompletedPerSecond);
        Assert.Equal(1900, sample.P95SubmitToPrintedMs); // nearest rank: the 19th of 20

        var quiet = window.TakeSample(T0.AddSeconds(10));
        Assert.Equal((0.0, 0.0, (long?)null), (quiet.SubmittedPerSecond, quiet.CompletedPerSecond, quiet.P95SubmitToPrintedMs));
    }

    [Fact]
    public void Latencies_beyond_the_cap_are_sampled_so_memory_stays_fixed()
    {
        var window = new ThroughputWindow(T0, new Random(7));
        for (var i = 0; i < ThroughputWindow.MaxLatencies * 3; i++) window.Completed(i % 100);

        var sample = window.TakeSample(T0.AddSeconds(5));

        Assert.Equal(ThroughputWindow.MaxLatencies * 3 / 5.0, sample.CompletedPerSecond);
        Assert.InRange(sample.P95SubmitToPrintedMs!.Value, 90, 99);
    }

    [Fact]
    public void History_keeps_every_nodes_window_and_forgets_nodes_gone_silent()
    {
        var history = new NodeStatsHistory(TimeSpan.FromMinutes(15));
        Assert.Equal(180, history.SamplesPerNode);
        LiveProtocol.NodeStats Stats(string node, DateTimeOffset at) =>
            new(new LiveProtocol.NodeReport(node, ["worker"], 8631, 8080, "1.0", T0, 4), new LiveProtocol.StatsSample(at, 1, 1, 10));

        for (var i = 0; i < 200; i++) history.Add(Stats("a", T0.AddSeconds(5 * i)), T0.AddSeconds(5 * i));
        history.Add(Stats("b", T0), T0);

        var a = history.Since(DateTimeOffset.MinValue).Single(n => n.Node == "a").Samples;
        Assert.Equal(180, a.Length);
        Assert.Equal(T0.AddSeconds(5 * 199), a[^1].At);
        Assert.Equal(2, history.Since(T0.AddSeconds(5 * 198)).Single(n => n.Node == "a").Samples.Length);

        history.Prune(T0.AddSeconds(5 * 199));
        Assert.NotNull(history.ReportOf("a"));
        Assert.Null(history.ReportOf("b"));
        Assert.DoesNotContain(history.Since(DateTimeOffset.MinValue), n => n.Node == "b");
    }
}
