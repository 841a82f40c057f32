using ActorSpool.Node.Hosting;

namespace ActorSpool.Node.Tests.Observability;

/// <summary>The bookkeeping behind the GC pause metrics, fed the runtime's suspend/restart events by hand.</summary>
public sealed class GcPauseTallyTests
{
    private const uint ForGc = 1;
    private const uint ForBackgroundGcPrep = 6;
    private const uint ForDebugger = 5;
    private static readonly DateTime T0 = new(2025, 1, 1, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Each_gc_pause_counts_from_suspension_to_restart_and_the_longest_is_kept()
    {
        var tally = new GcPauseTally();

        tally.SuspensionBegan(T0, ForGc);
        Assert.Equal(TimeSpan.FromMilliseconds(30), tally.RestartEnded(T0.AddMilliseconds(30)));
        tally.SuspensionBegan(T0.AddSeconds(1), ForBackgroundGcPrep);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), tally.RestartEnded(T0.AddSeconds(2.5)));
        tally.SuspensionBegan(T0.AddSeconds(3), ForGc);
        Assert.Equal(TimeSpan.FromMilliseconds(2), tally.RestartEnded(T0.AddMilliseconds(3002)));

        Assert.Equal(3, tally.Count);
        Assert.Equal(TimeSpan.FromMilliseconds(1532), tally.Total);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), tally.Longest);
    }

    [Fact]
    public void A_suspension_for_anything_but_a_gc_is_no_gc_pause()
    {
        var tally = new GcPauseTally();

        tally.SuspensionBegan(T0, ForDebugger);

        Assert.Null(tally.RestartEnded(T0.AddSeconds(5)));
        Assert.Equal(0, tally.Count);
        Assert.Equal(TimeSpan.Zero, tally.Longest);
    }

    [Fact]
    public void A_restart_without_its_suspension_seen_is_ignored_and_each_suspension_ends_once()
    {
        var tally = new GcPauseTally();

        // Listening began in the middle of a pause: its start is unknown, so it is not guessed.
        Assert.Null(tally.RestartEnded(T0));
        tally.SuspensionBegan(T0.AddSeconds(1), ForGc);
        Assert.NotNull(tally.RestartEnded(T0.AddMilliseconds(1010)));
        Assert.Null(tally.RestartEnded(T0.AddSeconds(2)));

        Assert.Equal(1, tally.Count);
        Assert.Equal(TimeSpan.FromMilliseconds(10), tally.Total);
    }
}
