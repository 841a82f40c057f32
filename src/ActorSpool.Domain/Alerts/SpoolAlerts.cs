using ActorSpool.Domain.Messages;

namespace ActorSpool.Domain.Alerts;

/// <summary><c>actorspool.alerts</c>' thresholds (docs/alerts.md); the defaults match config/prometheus/alerts.yml.</summary>
public sealed record AlertThresholds
{
    public TimeSpan PrinterDownAfter { get; init; } = TimeSpan.FromMinutes(2);
    public int BacklogAbove { get; init; } = 500;
    public TimeSpan OldestPendingOlderThan { get; init; } = TimeSpan.FromMinutes(10);
    public TimeSpan StorageDownAfter { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan JobAbortedResolveAfter { get; init; } = TimeSpan.FromHours(1);
    public TimeSpan MinInterval { get; init; } = TimeSpan.FromMinutes(1);

    public AlertRules Rules => new(new Dictionary<string, TimeSpan>
    {
        [AlertKinds.PrinterDown] = PrinterDownAfter,
        [AlertKinds.StorageUnavailable] = StorageDownAfter,
    }, MinInterval);
}

/// <summary>
/// Turns what the cluster already says (printer status, queues' durable job changes, members, nodes' storage) into
/// alert conditions on an <see cref="AlertBook"/>. Pure: the alert manager actor feeds it and sends what it returns.
/// </summary>
public sealed class SpoolAlerts(AlertThresholds thresholds)
{
    private readonly AlertBook _book = new(thresholds.Rules);
    private readonly Dictionary<string, Dictionary<long, DateTimeOffset>> _pendingSince = new(StringComparer.Ordinal);

    public IEnumerable<AlertKey> Firing => _book.Firing;

    /// <summary>
    /// Down: not reachable or its breaker open (a paused printer is the operator's choice, not an alert); breaker and
    /// fallback alerts fire at once. The status before a printer's first heartbeat is ignored.
    /// </summary>
    public IReadOnlyList<AlertNotification> OnPrinterStatus(PrinterProtocol.PrinterStatus status, DateTimeOffset now)
    {
        // Before its first heartbeat a printer is not known to be down: only connecting (PrinterStatus.Unknown).
        if (status.At == DateTimeOffset.MinValue) return [];
        var name = status.Name;
        var down = !status.Reachable || status.BreakerOpen;
        var why = status.LastError is { Length: > 0 } error ? $": {error}" : "";
        var due = new List<AlertNotification>();
        due.AddRange(_book.Observe(new(AlertKinds.PrinterDown, name), down,
            down ? $"printer {name} does not accept work ({(status.Reachable ? "circuit breaker open" : "unreachable")}) for more than {Words(thresholds.PrinterDownAfter)}{why}"
                 : $"printer {name} accepts work again", now));
        due.AddRange(_book.Observe(new(AlertKinds.BreakerOpen, name), status.BreakerOpen,
            status.BreakerOpen ? $"printer {name}: circuit breaker open after repeated delivery failures{why}" : $"printer {name}: circuit breaker closed", now));
        due.AddRange(_book.Observe(new(AlertKinds.FallbackInUse, name), status.UsingFallback,
            status.UsingFallback ? $"printer {name} delivers over its fallback path" : $"printer {name} delivers over its primary path again", now));
        return due;
    }

    /// <summary>Aborted jobs, the queue's backlog, and which jobs wait (for the stuck-queue check in <see cref="Tick"/>).</summary>
    public IReadOnlyList<AlertNotification> OnJobChanges(LiveProtocol.JobChanges changes, DateTimeOffset now)
    {
        var queue = changes.Queue;
        var due = new List<AlertNotification>();
        if (!_pendingSince.TryGetValue(queue, out var pending)) _pendingSince[queue] = pending = [];
        foreach (var change in changes.Changes)
        {
            if (change.State == "pending") pending.TryAdd(change.JobId, change.At == default ? now : change.At);
            else pending.Remove(change.JobId);

            var job = new AlertKey(AlertKinds.JobAborted, $"{queue}/{change.JobId}");
            if (change.State == "aborted")
            {
                var printer = change.Printer is { } p ? $" (last printer {p})" : "";
                due.AddRange(_book.Raise(job, $"job {change.JobId} of queue {queue} aborted after its delivery attempts{printer}",
                    $"job {change.JobId} of queue {queue}: aborted alert expired", thresholds.JobAbortedResolveAfter, now));
            }
            else if (_book.ConditionHolds(job))
            {
                due.AddRange(_book.Observe(job, false, $"job {change.JobId} of queue {queue} is {change.State} now", now));
            }
        }
        if (changes.Counts.Pending == 0) pending.Clear(); // whatever was missed, nothing waits

        var backlog = changes.Counts.Pending > thresholds.BacklogAbove;
        due.AddRange(_book.Observe(new(AlertKinds.QueueBacklog, queue), backlog,
            backlog ? $"queue {queue}: {changes.Counts.Pending} jobs pending, more than {thresholds.BacklogAbove}"
                    : $"queue {queue}: {changes.Counts.Pending} jobs pending", now));
        due.AddRange(StuckQueue(queue, pending, now));
        return due;
    }

    /// <summary>A node's storage as it reported it; the alert fires once it was unavailable for the storage delay.</summary>
    public IReadOnlyList<AlertNotification> OnStorage(string node, bool available, string? error, DateTimeOffset now) =>
        _book.Observe(new(AlertKinds.StorageUnavailable, node), !available,
            available ? $"node {node}: storage available again" : $"node {node}: storage unavailable for more than {Words(thresholds.StorageDownAfter)}: {error}", now);

    public IReadOnlyList<AlertNotification> OnMemberUnreachable(string node, DateTimeOffset now) =>
        _book.Observe(new(AlertKinds.NodeUnreachable, node), true, $"node {node} is unreachable", now);

    public IReadOnlyList<AlertNotification> OnMemberReachable(string node, DateTimeOffset now) =>
        _book.Observe(new(AlertKinds.NodeUnreachable, node), false, $"node {node} is reachable again", now);

    /// <summary>Removed from the cluster (downed or left): fires until a node at that address is up again.</summary>
    public IReadOnlyList<AlertNotification> OnMemberRemoved(string node, bool left, DateTimeOffset now) =>
        [.. _book.Observe(new(AlertKinds.NodeUnreachable, node), false, $"node {node} was removed from the cluster", now),
         .. left ? Array.Empty<AlertNotification>() : _book.Observe(new(AlertKinds.NodeRemoved, node), true, $"node {node} was removed from the cluster (downed)", now)];

    public IReadOnlyList<AlertNotification> OnMemberUp(string node, DateTimeOffset now) =>
        [.. _book.Observe(new(AlertKinds.NodeRemoved, node), false, $"node {node} is up in the cluster again", now),
         .. _book.Observe(new(AlertKinds.NodeUnreachable, node), false, $"node {node} is up and reachable", now)];

    /// <summary>Delays and rate limits that ran out, expired aborted-job alerts, and queues whose oldest waiting job got too old.</summary>
    public IReadOnlyList<AlertNotification> Tick(DateTimeOffset now)
    {
        var due = new List<AlertNotification>();
        foreach (var (queue, pending) in _pendingSince) due.AddRange(StuckQueue(queue, pending, now));
        due.AddRange(_book.Tick(now));
        return due;
    }

    private IReadOnlyList<AlertNotification> StuckQueue(string queue, Dictionary<long, DateTimeOffset> pending, DateTimeOffset now)
    {
        var oldest = pending.Count == 0 ? (DateTimeOffset?)null : pending.Values.Min();
        var stuck = oldest is { } since && now - since > thresholds.OldestPendingOlderThan;
        return _book.Observe(new(AlertKinds.QueueStuck, queue), stuck,
            stuck ? $"queue {queue}: its oldest pending job has waited {Words(now - oldest!.Value)}, more than {Words(thresholds.OldestPendingOlderThan)}"
                  : $"queue {queue}: no job waits longer than {Words(thresholds.OldestPendingOlderThan)}", now);
    }

    /// <summary>"2 min", "30 s": durations as an operator reads them.</summary>
    public static string Words(TimeSpan span) =>
        span.TotalHours >= 1 && span.TotalHours % 1 == 0 ? $"{span.TotalHours:0} h"
        : span.TotalMinutes >= 1 ? $"{span.TotalMinutes:0.#} min"
        : $"{span.TotalSeconds:0.#} s";
}
