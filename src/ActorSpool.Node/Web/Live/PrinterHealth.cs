using ActorSpool.Domain.Messages;

namespace ActorSpool.Node.Web.Live;

/// <summary>One change of a printer's health as this node saw it (GET /api/v1/printers/{name}/history).</summary>
public sealed record HealthChange(DateTimeOffset At, string Health, string State, IReadOnlyList<string> Reasons, string? LastError);

/// <summary>
/// A printer's health in one word, for the console's tiles: an operator's pause explains the most, then a device
/// that does not answer, then a breaker open after failures, then a device reached by its fallback path.
/// </summary>
public static class PrinterHealth
{
    public const string Ok = "ok", Paused = "paused", Offline = "offline", BreakerOpen = "breaker-open", Fallback = "fallback";

    public static string Of(PrinterProtocol.PrinterStatus status) => Of(status.Paused, status.Reachable, status.BreakerOpen, status.UsingFallback);

    /// <summary>The same from the flags alone (the REST API's PrinterView has no status to hand).</summary>
    public static string Of(bool paused, bool reachable, bool breakerOpen, bool usingFallback) =>
        paused ? Paused
        : !reachable ? Offline
        : breakerOpen ? BreakerOpen
        : usingFallback ? Fallback
        : Ok;

    public static string StateOf(PrinterProtocol.PrinterStatus status) => status.State.ToString().ToLowerInvariant();
}

/// <summary>
/// The last <see cref="Capacity"/> health changes of each printer. Printers publish their status also when only the
/// count of deliveries changes; those are not health changes and are not kept.
/// </summary>
public sealed class PrinterHistory(int capacity = PrinterHistory.DefaultCapacity)
{
    public const int DefaultCapacity = 200;

    private readonly Dictionary<string, RingBuffer<HealthChange>> _byPrinter = new(StringComparer.OrdinalIgnoreCase);

    public int Capacity => capacity;

    /// <summary>Keeps the status when the printer's health, state or reasons differ from the last kept; true when kept.</summary>
    public bool Record(PrinterProtocol.PrinterStatus status, DateTimeOffset at)
    {
        if (!_byPrinter.TryGetValue(status.Name, out var changes)) _byPrinter[status.Name] = changes = new RingBuffer<HealthChange>(capacity);
        var change = new HealthChange(at, PrinterHealth.Of(status), PrinterHealth.StateOf(status), status.Reasons, status.LastError);
        if (changes.Last is { } last && last.Health == change.Health && last.State == change.State && last.Reasons.SequenceEqual(change.Reasons)) return false;
        changes.Add(change);
        return true;
    }

    /// <summary>The printer's changes, oldest first (empty when none was seen yet).</summary>
    public HealthChange[] Of(string printer) => _byPrinter.TryGetValue(printer, out var changes) ? changes.ToArray() : [];
}
