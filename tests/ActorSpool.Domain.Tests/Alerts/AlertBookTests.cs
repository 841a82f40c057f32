using ActorSpool.Domain.Alerts;

namespace ActorSpool.Domain.Tests.Alerts;

public sealed class AlertBookTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly AlertKey Down = new("printer-down", "lj-1");
    private static readonly AlertKey Breaker = new("breaker-open", "lj-1");

    private static AlertBook Book(TimeSpan? minInterval = null) =>
        new(new AlertRules(new Dictionary<string, TimeSpan> { ["printer-down"] = TimeSpan.FromMinutes(2) }, minInterval ?? TimeSpan.Zero));

    [Fact]
    public void A_condition_shorter_than_its_delay_sends_nothing()
    {
        var book = Book();
        Assert.Empty(book.Observe(Down, true, "down", T0));
        Assert.Empty(book.Tick(T0.AddSeconds(119)));
        Assert.Empty(book.Observe(Down, false, "up", T0.AddSeconds(119)));
        Assert.Empty(book.Tick(T0.AddMinutes(5)));
        Assert.Empty(book.Firing);
    }

    [Fact]
    public void Fires_once_after_the_delay_and_resolves_when_the_condition_ends()
    {
        var book = Book();
        book.Observe(Down, true, "down", T0);
        var fired = Assert.Single(book.Tick(T0.AddMinutes(2)));
        Assert.Equal((Down, AlertStatus.Firing, "down", T0.AddMinutes(2)), (fired.Key, fired.Status, fired.Message, fired.At));
        Assert.Equal("critical", fired.Severity);

        // The same condition observed again, or time passing, is no new notification (dedup).
        Assert.Empty(book.Observe(Down, true, "still down", T0.AddMinutes(3)));
        Assert.Empty(book.Tick(T0.AddMinutes(4)));
        Assert.Equal(Down, Assert.Single(book.Firing));

        var resolved = Assert.Single(book.Observe(Down, false, "up again", T0.AddMinutes(5)));
        Assert.Equal((AlertStatus.Resolved, "up again", T0.AddMinutes(2)), (resolved.Status, resolved.Message, resolved.StartsAt));
        Assert.Empty(book.Observe(Down, false, "up again", T0.AddMinutes(6)));
        Assert.Empty(book.Firing);
    }

    [Fact]
    public void A_kind_without_delay_fires_at_once()
    {
        var book = Book();
        Assert.Equal(AlertStatus.Firing, Assert.Single(book.Observe(Breaker, true, "open", T0)).Status);
    }

    [Fact]
    public void A_flapping_alert_sends_at_most_once_per_interval_and_the_last_state_follows()
    {
        var book = Book(TimeSpan.FromMinutes(1));
        Assert.Single(book.Observe(Breaker, true, "open", T0));
        // Closed and open again within the minute: nothing sent, and nothing to send later (it is firing, as last told).
        Assert.Empty(book.Observe(Breaker, false, "closed", T0.AddSeconds(10)));
        Assert.Empty(book.Observe(Breaker, true, "open", T0.AddSeconds(20)));
        Assert.Empty(book.Tick(T0.AddSeconds(70)));

        // Once the minute since the last notification is over, a change goes out at once.
        Assert.Equal(AlertStatus.Resolved, Assert.Single(book.Observe(Breaker, false, "closed", T0.AddSeconds(75))).Status);

        // Closed within the minute and staying closed: the resolve goes out when the minute is over.
        var book2 = Book(TimeSpan.FromMinutes(1));
        book2.Observe(Breaker, true, "open", T0);
        Assert.Empty(book2.Observe(Breaker, false, "closed", T0.AddSeconds(30)));
        Assert.Empty(book2.Tick(T0.AddSeconds(59)));
        var late = Assert.Single(book2.Tick(T0.AddSeconds(60)));
        Assert.Equal((AlertStatus.Resolved, "closed"), (late.Status, late.Message));
    }

    [Fact]
    public void A_raised_event_resolves_by_itself_or_when_ended_sooner()
    {
        var book = Book();
        var job = new AlertKey("job-aborted", "lab/7");
        Assert.Equal(AlertStatus.Firing, Assert.Single(book.Raise(job, "aborted", "expired", TimeSpan.FromHours(1), T0)).Status);
        Assert.Empty(book.Tick(T0.AddMinutes(59)));
        var expired = Assert.Single(book.Tick(T0.AddHours(1)));
        Assert.Equal((AlertStatus.Resolved, "expired"), (expired.Status, expired.Message));

        var other = new AlertKey("job-aborted", "lab/8");
        book.Raise(other, "aborted", "expired", TimeSpan.FromHours(1), T0);
        Assert.Equal("restarted", Assert.Single(book.Observe(other, false, "restarted", T0.AddMinutes(1))).Message);
        Assert.Empty(book.Tick(T0.AddHours(2)));
    }

    [Fact]
    public void Resolved_alerts_are_forgotten()
    {
        var book = Book();
        for (var i = 0; i < 1000; i++) book.Raise(new AlertKey("job-aborted", $"lab/{i}"), "aborted", "expired", TimeSpan.FromMinutes(1), T0);
        Assert.Equal(1000, book.Tick(T0.AddMinutes(1)).Count);
        Assert.Empty(book.Firing);
        Assert.False(book.ConditionHolds(new AlertKey("job-aborted", "lab/1")));
    }
}
