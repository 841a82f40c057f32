using ActorSpool.Domain.Messages;
using ActorSpool.Node.Web.Live;

namespace ActorSpool.Node.Tests.Web;

/// <summary>A busy queue's counts reach the browsers at most once a second, the latest winning.</summary>
public sealed class QueueCountsLiveTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    private static LiveProtocol.QueueCounts Pending(int n) => new(false, n, 0, 0, 0, 0, 0);

    [Fact]
    public void Counts_within_a_second_wait_and_the_latest_goes_out_when_it_passed()
    {
        var coalescer = new QueueCountsCoalescer(TimeSpan.FromSeconds(1));

        Assert.Equal(Pending(1), coalescer.Offer("office", Pending(1), T0));
        Assert.Null(coalescer.Offer("office", Pending(2), T0.AddMilliseconds(200)));
        Assert.Null(coalescer.Offer("office", Pending(3), T0.AddMilliseconds(400)));
        Assert.Equal(Pending(1), coalescer.Offer("lab", Pending(1), T0.AddMilliseconds(400))); // each queue on its own

        Assert.Empty(coalescer.Due(T0.AddMilliseconds(900)));
        Assert.Equal([("office", Pending(3))], coalescer.Due(T0.AddMilliseconds(1000)));
        Assert.Empty(coalescer.Due(T0.AddSeconds(5)));
    }

    [Fact]
    public void Unchanged_counts_are_not_sent_again()
    {
        var coalescer = new QueueCountsCoalescer(TimeSpan.FromSeconds(1));
        Assert.NotNull(coalescer.Offer("office", Pending(1), T0));
        Assert.Null(coalescer.Offer("office", Pending(2), T0.AddMilliseconds(100)));
        Assert.Null(coalescer.Offer("office", Pending(1), T0.AddMilliseconds(200))); // back to what the browsers have

        Assert.Empty(coalescer.Due(T0.AddSeconds(2)));
        Assert.Null(coalescer.Offer("office", Pending(1), T0.AddSeconds(3)));
        Assert.Equal(Pending(4), coalescer.Offer("office", Pending(4), T0.AddSeconds(3)));
    }
}
