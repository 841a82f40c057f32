using ActorSpool.Domain.Printers;
using Akka.Actor;

namespace ActorSpool.Actors.Printers;

/// <summary>
/// One way to reach a device (its uri, or one of its fallback-uris): the protocol actor for it, its own circuit
/// breaker and error ratio, and what the last heartbeat found. A printer delivers over the first usable path that
/// is not set aside for its error ratio.
/// </summary>
/// <param name="index">0 for the printer's uri, 1.. for its fallbacks in order.</param>
internal sealed class DevicePath(Uri target, int index, CircuitBreaker breaker, DeliveryErrorRatio errors)
{
    public Uri Target { get; } = target;
    public int Index { get; } = index;
    public bool IsFallback => Index > 0;
    public CircuitBreaker Breaker { get; } = breaker;
    public DeliveryErrorRatio Errors { get; } = errors;

    /// <summary>"primary", "fallback" (the only one) or "fallback 2", for logs.</summary>
    public string Describe(int paths) => Index == 0 ? "primary" : paths == 2 ? "fallback" : $"fallback {Index}";
    public IActorRef Protocol { get; set; } = ActorRefs.Nobody;

    /// <summary>Null until the first probe answered.</summary>
    public bool? Reachable { get; set; }

    /// <summary>What the device itself reports (IPP printer-state-reasons, e.g. media-empty); empty when it cannot say.</summary>
    public string[] DeviceReasons { get; set; } = [];

    /// <summary>False when the device says it takes no jobs (e.g. stopped, media-empty).</summary>
    public bool DeviceAccepting { get; set; } = true;

    /// <summary>The last answered heartbeat probe's duration (null before the first, or when the last went unanswered).</summary>
    public TimeSpan? ProbeLatency { get; set; }

    public bool IsUsable(DateTimeOffset now) => Reachable == true && DeviceAccepting && !Breaker.IsOpen(now);
}
