using System.Text.Json.Serialization;

namespace ActorSpool.Domain.Printers;

/// <summary>IPP printer-state values (RFC 8011 §5.4.11).</summary>
public enum PrinterState
{
    Idle = 3,
    Processing = 4,
    Stopped = 5,
}

/// <summary>What a Printer entity tells the queues about its device; queues place work only on accepting printers.</summary>
public sealed record PrinterStatus(
    string Name,
    PrinterState State,
    bool Reachable,
    bool Paused,
    bool BreakerOpen,
    bool UsingFallback,
    int ActiveDeliveries,
    int WaitingDeliveries,
    string[] Reasons,
    long Delivered,
    long Failed,
    DateTimeOffset At) : Messages.ISpoolMessage
{
    /// <summary>The last delivery or probe error, for operators.</summary>
    public string? LastError { get; init; }

    [JsonIgnore]
    public bool IsAcceptingWork => Reachable && !Paused && !BreakerOpen;

    /// <summary>The state before the first heartbeat answered: not yet usable.</summary>
    public static PrinterStatus Unknown(string name) =>
        new(name, PrinterState.Stopped, false, false, false, false, 0, 0, ["connecting-to-device"], 0, 0, DateTimeOffset.MinValue);
}
