using ActorSpool.Domain.Printers;
using ActorSpool.Node.Web.Live;
using static ActorSpool.Domain.Messages.PrinterProtocol;

namespace ActorSpool.Node.Tests.Web;

/// <summary>A printer's health word and the history of its changes, without an actor system.</summary>
public sealed class PrinterHealthLiveTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    private static PrinterStatus Status(bool reachable = true, bool paused = false, bool breaker = false, bool fallback = false, int active = 0,
        params string[] reasons) =>
        new("p1", paused ? PrinterState.Stopped : PrinterState.Idle, reachable, paused, breaker, fallback, active, 0, reasons.Length == 0 ? ["none"] : reasons, 0, 0, T0);

    [Theory]
    [InlineData(true, false, false, false, "ok")]
    [InlineData(true, false, false, true, "fallback")]
    [InlineData(true, false, true, true, "breaker-open")]
    [InlineData(false, false, true, true, "offline")]
    [InlineData(false, true, true, true, "paused")]
    public void Health_names_what_explains_the_most(bool reachable, bool paused, bool breaker, bool fallback, string health) =>
        Assert.Equal(health, PrinterHealth.Of(Status(reachable, paused, breaker, fallback)));

    [Fact]
    public void History_keeps_health_changes_not_every_delivery_count()
    {
        var history = new PrinterHistory();
        Assert.True(history.Record(Status(), T0));
        Assert.False(history.Record(Status(active: 3), T0.AddSeconds(1)));
        Assert.True(history.Record(Status(paused: true, reasons: "paused"), T0.AddSeconds(2)));
        Assert.True(history.Record(Status(), T0.AddSeconds(3)));

        var changes = history.Of("P1");
        Assert.Equal(["ok", "paused", "ok"], changes.Select(c => c.Health));
        Assert.Equal(["idle", "stopped", "idle"], changes.Select(c => c.State));
        Assert.Equal(T0.AddSeconds(2), changes[1].At);
        Assert.Empty(history.Of("p2"));
    }

    [Fact]
    public void History_is_bounded_dropping_the_oldest()
    {
        var history = new PrinterHistory(capacity: 3);
        for (var i = 0; i < 10; i++) history.Record(Status(paused: i % 2 == 1), T0.AddSeconds(i));

        Assert.Equal([T0.AddSeconds(7), T0.AddSeconds(8), T0.AddSeconds(9)], history.Of("p1").Select(c => c.At));
    }

    [Fact]
    public void A_ring_buffer_gives_its_items_oldest_first()
    {
        var ring = new RingBuffer<int>(3);
        Assert.Empty(ring.ToArray());
        Assert.Equal(0, ring.Last);
        foreach (var i in new[] { 1, 2 }) ring.Add(i);
        Assert.Equal([1, 2], ring.ToArray());
        foreach (var i in new[] { 3, 4, 5 }) ring.Add(i);
        Assert.Equal([3, 4, 5], ring.ToArray());
        Assert.Equal(5, ring.Last);
        Assert.Equal(3, ring.Count);
    }
}
