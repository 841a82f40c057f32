using ActorSpool.Domain.Printers;

namespace ActorSpool.Domain.Tests.Printers;

public sealed class DeliveryErrorRatioTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_path_failing_more_than_the_threshold_over_enough_deliveries_is_set_aside_for_one_window()
    {
        var ratio = new DeliveryErrorRatio(TimeSpan.FromMinutes(5), minimumDeliveries: 20, threshold: 0.05);
        var now = Start;
        // 19 outcomes with two failures: 10 % but not enough deliveries to judge.
        for (var i = 0; i < 19; i++) Assert.False(ratio.Record(now = now.AddSeconds(1), failed: i is 3 or 11));
        Assert.False(ratio.IsSetAside(now));
        Assert.True(ratio.Record(now = now.AddSeconds(1), failed: false)); // the 20th: 2 of 20 = 10 % > 5 %
        Assert.True(ratio.IsSetAside(now));
        Assert.True(ratio.IsSetAside(now.AddMinutes(5).AddSeconds(-1)));
        Assert.False(ratio.IsSetAside(now.AddMinutes(5)));
        Assert.Equal(0, ratio.Ratio(now)); // counting starts afresh
    }

    [Fact]
    public void One_failure_in_twenty_is_not_more_than_five_percent()
    {
        var ratio = new DeliveryErrorRatio(TimeSpan.FromMinutes(5), 20, 0.05);
        for (var i = 0; i < 40; i++) Assert.False(ratio.Record(Start.AddSeconds(i), failed: i % 20 == 19));
        Assert.Equal(0.05, ratio.Ratio(Start.AddSeconds(40)), 3);
    }

    [Fact]
    public void Outcomes_older_than_the_window_no_longer_count()
    {
        var ratio = new DeliveryErrorRatio(TimeSpan.FromMinutes(1), 5, 0.5);
        for (var i = 0; i < 4; i++) ratio.Record(Start, failed: true);
        // A minute later the four failures have aged out: four successes make 0 %, not 50 %.
        var later = Start.AddMinutes(1).AddSeconds(1);
        for (var i = 0; i < 4; i++) Assert.False(ratio.Record(later, failed: false));
        Assert.False(ratio.Record(later, failed: true)); // 1 of 5 = 20 %
        Assert.Equal(0.2, ratio.Ratio(later), 3);
    }

    [Fact]
    public void A_threshold_of_zero_never_sets_a_path_aside()
    {
        var ratio = new DeliveryErrorRatio(TimeSpan.FromMinutes(5), 1, 0);
        for (var i = 0; i < 50; i++) Assert.False(ratio.Record(Start.AddSeconds(i), failed: true));
        Assert.False(ratio.IsSetAside(Start.AddSeconds(50)));
    }
}
