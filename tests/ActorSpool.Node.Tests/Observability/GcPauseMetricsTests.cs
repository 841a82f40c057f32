using ActorSpool.TestSupport;

namespace ActorSpool.Node.Tests.Observability;

/// <summary>A real node exports its process's GC pauses on /metrics, and they rise with the collections that happen.</summary>
public sealed class GcPauseMetricsTests
{
    [Fact]
    public async Task The_gc_pause_metrics_count_every_collection_after_a_large_allocation()
    {
        using var data = new TempDirectory();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        await using var printer = await Printers.SimulatorAsync("p1");
        var options = InProcessNode.Options(data.Path, Printers.WriteFile(data.Path, [printer], "  office { printers = [p1] }"));
        await using var node = await InProcessNode.StartAsync(options);
        async Task<Exposition> ScrapeAsync() => Exposition.Parse(await http.GetStringAsync($"http://127.0.0.1:{node.HttpPort}/metrics"));

        var before = await ScrapeAsync();
        Assert.NotNull(before.Value("actorspool_gc_pauses_total"));
        Assert.NotNull(before.Value("actorspool_gc_pause_seconds_total"));
        Assert.NotNull(before.Value("actorspool_gc_pause_seconds_max"));
        var collectionsBefore = GC.CollectionCount(0); // counts every collection (each one collects generation 0)
        var pausedBefore = GC.GetTotalPauseDuration();

        Allocate(256 * 1024 * 1024);
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var collections = GC.CollectionCount(0) - collectionsBefore;
        var paused = (GC.GetTotalPauseDuration() - pausedBefore).TotalSeconds;

        // Every collection pauses the process at least once, and the pauses add up to (nearly) what the runtime's own
        // total says (its clock and the events' differ slightly); the events arrive shortly after.
        var after = await Eventually.ValueAsync(ScrapeAsync,
            m => m.Value("actorspool_gc_pauses_total") - before.Value("actorspool_gc_pauses_total") >= collections
                && m.Value("actorspool_gc_pause_seconds_total") - before.Value("actorspool_gc_pause_seconds_total") >= 0.9 * paused,
            what: $"at least {collections} more GC pauses, of at least 90 % of {paused:0.000} s, on /metrics");
        Assert.True(collections >= 1);
        Assert.True(after.Value("actorspool_gc_pause_seconds_total") > before.Value("actorspool_gc_pause_seconds_total"), after.Text);
        Assert.True(after.Value("actorspool_gc_pause_seconds_max") > 0, after.Text);
        Assert.True(after.Value("actorspool_gc_pause_seconds_max") <= after.Value("actorspool_gc_pause_seconds_total"), after.Text);
    }

    /// <summary>Many live objects the collector must mark and move, kept until the collection is asked for.</summary>
    private static void Allocate(long bytes)
    {
        var chunks = new List<byte[]>();
        for (long total = 0; total < bytes; total += 8192) chunks.Add(new byte[8192]);
        GC.KeepAlive(chunks);
    }
}
