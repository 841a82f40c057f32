namespace ActorSpool.Domain.Alerts;

/// <summary>The kinds of alert the spooler raises itself (docs/alerts.md), and their severity.</summary>
public static class AlertKinds
{
    public const string PrinterDown = "printer-down";
    public const string BreakerOpen = "breaker-open";
    public const string FallbackInUse = "fallback-in-use";
    public const string QueueBacklog = "queue-backlog";
    public const string QueueStuck = "queue-stuck";
    public const string JobAborted = "job-aborted";
    public const string NodeUnreachable = "node-unreachable";
    public const string NodeRemoved = "node-removed";
    public const string StorageUnavailable = "storage-unavailable";

    /// <summary>"critical" when work stops (a printer, a node, the database), else "warning".</summary>
    public static string SeverityOf(string kind) => kind switch
    {
        PrinterDown or NodeUnreachable or NodeRemoved or StorageUnavailable or QueueStuck => "critical",
        _ => "warning",
    };
}

public enum AlertStatus
{
    Firing,
    Resolved,
}

/// <summary>One alert: its kind and what it is about (a printer, a queue, "queue/job-id", a node's address).</summary>
public readonly record struct AlertKey(string Kind, string Subject)
{
    public override string ToString() => $"{Kind} {Subject}";
}

/// <summary>A change of an alert to tell the sinks about. <paramref name="StartsAt"/>: when it began firing.</summary>
public sealed record AlertNotification(AlertKey Key, AlertStatus Status, string Message, DateTimeOffset At, DateTimeOffset StartsAt)
{
    public string Kind => Key.Kind;
    public string Subject => Key.Subject;
    public string Severity => AlertKinds.SeverityOf(Key.Kind);
}

/// <summary>
/// How alerts are decided: <paramref name="FireAfter"/> per kind, how long a condition must hold before its alert fires
/// (missing: at once); <paramref name="MinInterval"/>, the least time between two notifications of one alert (a flapping
/// printer sends one change per interval, and the last state always follows).
/// </summary>
public sealed record AlertRules(IReadOnlyDictionary<string, TimeSpan> FireAfter, TimeSpan MinInterval)
{
    public TimeSpan FireAfterOf(string kind) => FireAfter.GetValueOrDefault(kind, TimeSpan.Zero);
}

/// <summary>
/// The alert state machine, without actors or clocks of its own: conditions are observed as they change, and every
/// call returns the notifications now due. An alert fires once its condition held for its kind's delay and resolves
/// when the condition ends; the same state is never sent twice (dedup), and one alert is sent at most once per
/// <see cref="AlertRules.MinInterval"/> (rate limit): a change within it waits, and is dropped if the condition went
/// back meanwhile. <see cref="Tick"/> delivers what waited; call it every second or so.
/// </summary>
public sealed class AlertBook(AlertRules rules)
{
    private sealed class Entry
    {
        public DateTimeOffset? ConditionSince;
        public DateTimeOffset? ResolveAt; // a one-shot alert (an aborted job) resolves by itself then
        public string FiringMessage = "";
        public string ResolvedMessage = "";
        public bool Firing;
        public DateTimeOffset FiringSince;
        public AlertStatus Notified = AlertStatus.Resolved;
        public DateTimeOffset? NotifiedAt;
    }

    private readonly Dictionary<AlertKey, Entry> _entries = [];

    /// <summary>The alerts firing now (as decided; a rate-limited one may not be sent yet).</summary>
    public IEnumerable<AlertKey> Firing => _entries.Where(e => e.Value.Firing).Select(e => e.Key);

    /// <summary>Whether <paramref name="key"/>'s condition holds now (fired or still within its delay).</summary>
    public bool ConditionHolds(AlertKey key) => _entries.TryGetValue(key, out var e) && e.ConditionSince is not null;

    /// <summary>
    /// The condition of <paramref name="key"/> is <paramref name="active"/> now; <paramref name="message"/> says so in
    /// words (used for the firing or the resolved notification). Observing the same state again changes nothing.
    /// </summary>
    public IReadOnlyList<AlertNotification> Observe(AlertKey key, bool active, string message, DateTimeOffset now)
    {
        if (!_entries.TryGetValue(key, out var entry))
        {
            if (!active) return [];
            _entries[key] = entry = new Entry();
        }
        if (active)
        {
            entry.FiringMessage = message;
            entry.ConditionSince ??= now;
        }
        else
        {
            entry.ResolvedMessage = message;
            entry.ConditionSince = null;
            entry.ResolveAt = null;
        }
        var due = new List<AlertNotification>(1);
        Evaluate(key, entry, now, due);
        return due;
    }

    /// <summary>
    /// An event that fires its alert at once and resolves it by itself after <paramref name="resolveAfter"/> unless
    /// <see cref="Observe"/> ends it sooner (an aborted job: restarted, or just old news).
    /// </summary>
    public IReadOnlyList<AlertNotification> Raise(AlertKey key, string message, string resolvedMessage, TimeSpan resolveAfter, DateTimeOffset now)
    {
        var due = Observe(key, true, message, now).ToList();
        var entry = _entries[key];
        entry.ResolvedMessage = resolvedMessage;
        entry.ResolveAt = now + resolveAfter;
        return due;
    }

    /// <summary>The notifications due by time alone: delays passed, rate limits over, one-shot alerts expired.</summary>
    public IReadOnlyList<AlertNotification> Tick(DateTimeOffset now)
    {
        var due = new List<AlertNotification>();
        foreach (var (key, entry) in _entries.ToArray())
        {
            if (entry.ResolveAt is { } resolveAt && now >= resolveAt)
            {
                entry.ConditionSince = null;
                entry.ResolveAt = null;
            }
            Evaluate(key, entry, now, due);
        }
        return due;
    }

    private void Evaluate(AlertKey key, Entry entry, DateTimeOffset now, List<AlertNotification> due)
    {
        if (entry.ConditionSince is { } since)
        {
            if (!entry.Firing && now - since >= rules.FireAfterOf(key.Kind))
            {
                entry.Firing = true;
                entry.FiringSince = now;
            }
        }
        else
        {
            entry.Firing = false;
        }

        var wanted = entry.Firing ? AlertStatus.Firing : AlertStatus.Resolved;
        if (wanted != entry.Notified && (entry.NotifiedAt is not { } last || now - last >= rules.MinInterval))
        {
            entry.Notified = wanted;
            entry.NotifiedAt = now;
            due.Add(new AlertNotification(key, wanted, wanted == AlertStatus.Firing ? entry.FiringMessage : entry.ResolvedMessage, now, entry.FiringSince));
        }

        // Forgotten once nothing is pending and the receivers know it resolved (aborted jobs would pile up otherwise);
        // the rate limit's memory goes with it once its interval has passed.
        if (entry.ConditionSince is null && entry.Notified == AlertStatus.Resolved && (entry.NotifiedAt is not { } at || now - at >= rules.MinInterval))
        {
            _entries.Remove(key);
        }
    }
}
