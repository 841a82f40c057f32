namespace ActorSpool.Domain.Printers;

/// <summary>
/// The share of failed deliveries over one of a printer's paths within a sliding window of time. A path that fails
/// now and then never opens its circuit breaker (that takes consecutive failures), yet costs a retry every time;
/// once its ratio passes the threshold over enough deliveries, the path is set aside for one window so the printer
/// delivers over the next path of its chain, then it is tried again with a fresh count.
/// </summary>
/// <param name="window">How far back outcomes count, and how long a path is set aside.</param>
/// <param name="minimumDeliveries">Outcomes within the window needed before a ratio means anything.</param>
/// <param name="threshold">The failed share (0..1) above which the path is set aside; 0 turns it off.</param>
public sealed class DeliveryErrorRatio(TimeSpan window, int minimumDeliveries, double threshold)
{
    private readonly Queue<(DateTimeOffset At, bool Failed)> _outcomes = new();
    private int _failed;

    public TimeSpan Window { get; } = window;

    public double Threshold { get; } = threshold;

    /// <summary>Until when the path is set aside (null when it is not).</summary>
    public DateTimeOffset? SetAsideUntil { get; private set; }

    public bool IsSetAside(DateTimeOffset now) => SetAsideUntil is { } until && now < until;

    /// <summary>The failed share of the outcomes within the window (0 when there are none).</summary>
    public double Ratio(DateTimeOffset now)
    {
        Forget(now);
        return _outcomes.Count == 0 ? 0 : (double)_failed / _outcomes.Count;
    }

    /// <summary>Counts one delivery's outcome.</summary>
    /// <returns>true when this outcome set the path aside.</returns>
    public bool Record(DateTimeOffset now, bool failed)
    {
        _outcomes.Enqueue((now, failed));
        if (failed) _failed++;
        Forget(now);
        if (Threshold <= 0 || _outcomes.Count < minimumDeliveries || (double)_failed / _outcomes.Count <= Threshold) return false;
        SetAsideUntil = now + Window;
        _outcomes.Clear();
        _failed = 0;
        return true;
    }

    private void Forget(DateTimeOffset now)
    {
        while (_outcomes.TryPeek(out var oldest) && now - oldest.At > Window)
        {
            _outcomes.Dequeue();
            if (oldest.Failed) _failed--;
        }
    }
}
