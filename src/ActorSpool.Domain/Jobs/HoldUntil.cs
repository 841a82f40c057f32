namespace ActorSpool.Domain.Jobs;

/// <summary>
/// job-hold-until (RFC 8011 §5.2.2): the named periods a held job waits for, and when such a hold ends. The periods
/// are CUPS's, in the spool node's local time: day-time 06:00–18:00, evening and night 18:00–06:00 (CUPS treats them
/// alike), second-shift 16:00–24:00, third-shift 00:00–08:00, weekend Saturday and Sunday. A job submitted while
/// its period is on is not held at all, as in CUPS.
/// </summary>
public static class HoldUntil
{
    public const string NoHold = "no-hold";
    public const string Indefinite = "indefinite";
    public const string DayTime = "day-time";
    public const string Evening = "evening";
    public const string Night = "night";
    public const string Weekend = "weekend";
    public const string SecondShift = "second-shift";
    public const string ThirdShift = "third-shift";

    /// <summary>Every keyword the spooler understands, for job-hold-until-supported.</summary>
    public static readonly IReadOnlyList<string> Keywords =
        [NoHold, Indefinite, DayTime, Evening, Night, SecondShift, ThirdShift, Weekend];

    public static bool IsKeyword(string value) => Keywords.Contains(value, StringComparer.Ordinal);

    /// <summary>
    /// When a job held with <paramref name="keyword"/> at <paramref name="now"/> becomes printable: <paramref name="now"/>
    /// itself while the keyword's period is on (and for no-hold), otherwise the start of its next period; null for
    /// indefinite, which only Release-Job ends.
    /// </summary>
    public static DateTimeOffset? ReleaseAt(string keyword, DateTimeOffset now, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(keyword);
        ArgumentNullException.ThrowIfNull(zone);
        var local = TimeZoneInfo.ConvertTime(now, zone).DateTime;
        return keyword switch
        {
            NoHold => now,
            Indefinite => null,
            DayTime => Daily(now, local, zone, 6, 18),
            Evening or Night => Daily(now, local, zone, 18, 6),
            SecondShift => Daily(now, local, zone, 16, 24),
            ThirdShift => Daily(now, local, zone, 0, 8),
            Weekend => local.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday
                ? now
                : Instant(local.Date.AddDays(DayOfWeek.Saturday - local.DayOfWeek), zone),
            _ => throw new ArgumentException($"'{keyword}' is not a job-hold-until keyword.", nameof(keyword)),
        };
    }

    // A period from startHour to endHour every day (endHour below startHour runs past midnight).
    private static DateTimeOffset Daily(DateTimeOffset now, DateTime local, TimeZoneInfo zone, int startHour, int endHour)
    {
        var hour = local.TimeOfDay.TotalHours;
        var on = startHour < endHour ? hour >= startHour && hour < endHour : hour >= startHour || hour < endHour;
        if (on)
            return now;
        var start = local.Date.AddHours(startHour);
        return Instant(start > local ? start : start.AddDays(1), zone);
    }

    /// <summary>The instant of a local wall-clock time: the first of an ambiguous one, just after a skipped one.</summary>
    private static DateTimeOffset Instant(DateTime wall, TimeZoneInfo zone)
    {
        wall = DateTime.SpecifyKind(wall, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(wall))
            wall = wall.AddMinutes(15); // DST gaps are whole quarter hours
        var offset = zone.IsAmbiguousTime(wall) ? zone.GetAmbiguousTimeOffsets(wall).Max() : zone.GetUtcOffset(wall);
        return new DateTimeOffset(wall, offset);
    }
}

/// <summary>
/// A job's hold: its job-hold-until keyword (null for job-hold-until-time) and when it ends (null: at Release-Job).
/// As asked by a client, <see cref="ReleaseAt"/> is only set for a time; <see cref="StartingAt"/> works out the rest.
/// </summary>
public sealed record JobHold(string? Until, DateTimeOffset? ReleaseAt)
{
    public static readonly JobHold Indefinite = new(HoldUntil.Indefinite, null);

    /// <summary>job-hold-until-time: held until <paramref name="time"/>.</summary>
    public static JobHold At(DateTimeOffset time) => new(null, time);

    /// <summary>
    /// The hold that starts at <paramref name="now"/>, with its release time worked out in <paramref name="zone"/>; null
    /// when there is none: no-hold, a period that is on now, a time that has passed.
    /// </summary>
    public JobHold? StartingAt(DateTimeOffset now, TimeZoneInfo zone)
    {
        if (Until is null)
            return ReleaseAt is { } time ? (time > now ? this : null) : Indefinite;
        var release = HoldUntil.ReleaseAt(Until, now, zone);
        return release is null ? this with { ReleaseAt = null }
            : release > now ? this with { ReleaseAt = release }
            : null;
    }
}
