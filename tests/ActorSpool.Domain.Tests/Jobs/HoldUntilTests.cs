using ActorSpool.Domain.Jobs;

namespace ActorSpool.Domain.Tests.Jobs;

/// <summary>When a job-hold-until period starts, in a fixed test zone (UTC+1), so the host's zone does not matter.</summary>
public sealed class HoldUntilTests
{
    private static readonly TimeSpan Offset = TimeSpan.FromHours(1);
    private static readonly TimeZoneInfo Zone =
        TimeZoneInfo.CreateCustomTimeZone("Test+1", Offset, "Test+1", "Test+1");

    /// <summary>2026-01-07 is a Wednesday.</summary>
    private static DateTimeOffset Local(int day, int hour, int minute = 0) => new(2026, 1, day, hour, minute, 0, Offset);

    [Theory]
    [InlineData("day-time", 7, 10, 0, 7, 10)]     // during the day: at once
    [InlineData("day-time", 7, 3, 0, 7, 6)]       // before dawn: 06:00 the same day
    [InlineData("day-time", 7, 19, 30, 8, 6)]     // after 18:00: 06:00 the next day
    [InlineData("evening", 7, 12, 0, 7, 18)]
    [InlineData("evening", 7, 3, 0, 7, 3)]        // CUPS: evening is night
    [InlineData("night", 7, 17, 59, 7, 18)]
    [InlineData("night", 7, 18, 0, 7, 18)]
    [InlineData("night", 7, 5, 59, 7, 5)]
    [InlineData("night", 7, 6, 0, 7, 18)]
    [InlineData("second-shift", 7, 15, 0, 7, 16)]
    [InlineData("second-shift", 7, 23, 0, 7, 23)]
    [InlineData("second-shift", 7, 0, 30, 7, 16)]
    [InlineData("third-shift", 7, 7, 0, 7, 7)]
    [InlineData("third-shift", 7, 8, 0, 8, 0)]    // the shift just ended: the next midnight
    [InlineData("weekend", 7, 12, 0, 10, 0)]      // Wednesday: Saturday 00:00
    [InlineData("weekend", 9, 23, 0, 10, 0)]      // Friday night: an hour later
    [InlineData("weekend", 10, 9, 0, 10, 9)]      // Saturday: at once
    [InlineData("weekend", 11, 23, 0, 11, 23)]    // Sunday: at once
    [InlineData("no-hold", 7, 12, 0, 7, 12)]
    public void A_named_period_releases_at_once_while_it_is_on_else_at_its_next_start(
        string keyword, int day, int hour, int minute, int releaseDay, int releaseHour)
    {
        var now = Local(day, hour, minute);
        var expected = now.Hour == releaseHour && now.Day == releaseDay ? now : Local(releaseDay, releaseHour);

        Assert.Equal(expected, HoldUntil.ReleaseAt(keyword, now, Zone));
    }

    [Fact]
    public void Indefinite_has_no_release_time()
    {
        Assert.Null(HoldUntil.ReleaseAt("indefinite", Local(7, 12), Zone));
    }

    [Fact]
    public void The_period_is_read_in_the_given_zone_not_in_utc()
    {
        // 17:30 UTC is 18:30 in the test zone: night has begun there, not yet in UTC.
        var now = new DateTimeOffset(2026, 1, 7, 17, 30, 0, TimeSpan.Zero);

        Assert.Equal(now, HoldUntil.ReleaseAt("night", now, Zone));
        Assert.Equal(new DateTimeOffset(2026, 1, 7, 18, 0, 0, TimeSpan.Zero), HoldUntil.ReleaseAt("night", now, TimeZoneInfo.Utc));
    }

    [Fact]
    public void A_period_starting_in_a_skipped_hour_starts_when_the_clocks_resume()
    {
        // Clocks jump from 00:00 to 01:00 on the last Sunday of March (2026-03-29): midnight does not exist that day.
        var rule = TimeZoneInfo.AdjustmentRule.CreateAdjustmentRule(
            DateTime.MinValue.Date, DateTime.MaxValue.Date, TimeSpan.FromHours(1),
            TimeZoneInfo.TransitionTime.CreateFloatingDateRule(new DateTime(1, 1, 1, 0, 0, 0), 3, 5, DayOfWeek.Sunday),
            TimeZoneInfo.TransitionTime.CreateFloatingDateRule(new DateTime(1, 1, 1, 3, 0, 0), 10, 5, DayOfWeek.Sunday));
        var zone = TimeZoneInfo.CreateCustomTimeZone("Test+1/DST", Offset, "Test", "Test", "Test summer", [rule]);
        var saturdayEvening = new DateTimeOffset(2026, 3, 28, 23, 0, 0, Offset);

        var release = HoldUntil.ReleaseAt("third-shift", saturdayEvening, zone);

        Assert.Equal(new DateTimeOffset(2026, 3, 29, 1, 0, 0, TimeSpan.FromHours(2)), release);
        Assert.Equal(TimeSpan.FromHours(1), release - saturdayEvening);
    }

    [Fact]
    public void Unknown_keywords_are_refused()
    {
        Assert.Throws<ArgumentException>(() => HoldUntil.ReleaseAt("lunch-break", Local(7, 12), Zone));
        Assert.False(HoldUntil.IsKeyword("lunch-break"));
        Assert.True(HoldUntil.IsKeyword("second-shift"));
    }

    [Fact]
    public void A_hold_starting_now_is_none_when_its_period_is_on_or_its_time_has_passed()
    {
        var noon = Local(7, 12);

        Assert.Null(new JobHold(HoldUntil.DayTime, null).StartingAt(noon, Zone));
        Assert.Null(new JobHold(HoldUntil.NoHold, null).StartingAt(noon, Zone));
        Assert.Null(JobHold.At(noon).StartingAt(noon, Zone));
        Assert.Equal(new JobHold(HoldUntil.Night, Local(7, 18)), new JobHold(HoldUntil.Night, null).StartingAt(noon, Zone));
        Assert.Equal(JobHold.At(noon.AddMinutes(1)), JobHold.At(noon.AddMinutes(1)).StartingAt(noon, Zone));
        Assert.Equal(JobHold.Indefinite, JobHold.Indefinite.StartingAt(noon, Zone));
    }

    [Fact]
    public void A_named_hold_is_reckoned_again_from_the_time_it_starts()
    {
        // Asked for at 17:00 (night starts at 18:00), started at 19:00: night is on, so there is no hold left.
        var asked = new JobHold(HoldUntil.Night, null).StartingAt(Local(7, 17), Zone)!;

        Assert.Equal(Local(7, 18), asked.ReleaseAt);
        Assert.Null(asked.StartingAt(Local(7, 19), Zone));
    }
}
