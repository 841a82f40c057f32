namespace ActorSpool.Domain.Printers;

/// <summary>
/// Consecutive-failure breaker over a printer's deliveries. Open: the printer takes no work until
/// <see cref="OpenFor"/> has passed; then one trial delivery (half-open) closes or re-opens it.
/// </summary>
public sealed class CircuitBreaker(int failureThreshold, TimeSpan openFor)
{
    public int ConsecutiveFailures { get; private set; }
    public DateTimeOffset? OpenedAt { get; private set; }
    public TimeSpan OpenFor { get; } = openFor;

    public bool IsOpen(DateTimeOffset now) => OpenedAt is { } opened && now - opened < OpenFor;

    public bool IsHalfOpen(DateTimeOffset now) => OpenedAt is { } opened && now - opened >= OpenFor;

    public void RecordSuccess()
    {
        ConsecutiveFailures = 0;
        OpenedAt = null;
    }

    /// <returns>true when this failure opened (or re-opened) the breaker.</returns>
    public bool RecordFailure(DateTimeOffset now)
    {
        ConsecutiveFailures++;
        if (ConsecutiveFailures < failureThreshold && OpenedAt is null) return false;
        OpenedAt = now;
        return true;
    }
}
