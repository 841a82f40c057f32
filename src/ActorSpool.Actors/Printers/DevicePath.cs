using ActorSpool.Domain.Printers;
using Akka.Actor;

namespace ActorSpool.Actors.Printers;

/// <summary>
/// One way to reach a device (its uri, or its fallback-uri): the protocol actor for it, its own circuit breaker,
/// and what the last heartbeat found. A printer delivers over the first usable path.
/// </summary>
internal sealed class DevicePath(Uri target, bool isFallback, CircuitBreaker breaker)
{
    public Uri Target { get; } = target;
    public bool IsFallback { get; } = isFallback;
    public CircuitBreaker Breaker { get; } = breaker;
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
