namespace ActorSpool.Node.Hosting;

/// <summary>
/// The garbage collector's pauses of this process, from the runtime's suspend/restart events: a pause runs from the
/// start of the suspension of managed threads for a GC until the end of their restart (what a failure detector's
/// heartbeats wait out). Suspensions for anything but a GC (debugger, shutdown, re-JIT) are not counted.
/// </summary>
/// <remarks>The runtime suspends threads one suspension at a time, so a begin is always followed by its own end.</remarks>
public sealed class GcPauseTally
{
    /// <summary>The runtime's SUSPEND_REASON values meaning a GC: SUSPEND_FOR_GC and SUSPEND_FOR_GC_PREP (background GC).</summary>
    private const uint SuspendForGc = 1;
    private const uint SuspendForGcPrep = 6;

    private readonly Lock _lock = new();
    private DateTime? _suspendedAt;

    public long Count { get; private set; }
    public TimeSpan Total { get; private set; }
    public TimeSpan Longest { get; private set; }

    /// <summary>GCSuspendEEBegin: threads are being stopped, for <paramref name="reason"/>.</summary>
    public void SuspensionBegan(DateTime at, uint reason)
    {
        lock (_lock) _suspendedAt = reason is SuspendForGc or SuspendForGcPrep ? at : null;
    }

    /// <summary>GCRestartEEEnd: threads run again. The pause that ended, or null when no GC suspension was open
    /// (a non-GC suspension, or one that began before the events were listened to).</summary>
    public TimeSpan? RestartEnded(DateTime at)
    {
        lock (_lock)
        {
            if (_suspendedAt is not { } began) return null;
            _suspendedAt = null;
            var pause = at >= began ? at - began : TimeSpan.Zero;
            Count++;
            Total += pause;
            if (pause > Longest) Longest = pause;
            return pause;
        }
    }
}
