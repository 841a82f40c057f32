namespace ActorSpool.Node.Spool;

/// <summary>
/// Bounds the submissions a node works on at once (documents being stored, jobs being accepted). A submission that
/// finds every slot taken waits in line, up to <see cref="MaxWait"/> and <see cref="MaxWaiting"/> others; beyond
/// that the client gets a prompt "busy" (IPP server-error-busy) and retries, instead of a request that hangs until
/// its own timeout. Nothing is stored for a refused submission.
/// </summary>
public sealed class IntakeLimiter
{
    private readonly SemaphoreSlim _slots;
    private int _waiting;

    public IntakeLimiter(int maxConcurrent, int maxWaiting, TimeSpan maxWait)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrent, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(maxWaiting);
        MaxConcurrent = maxConcurrent;
        MaxWaiting = maxWaiting;
        MaxWait = maxWait;
        _slots = new SemaphoreSlim(maxConcurrent, maxConcurrent);
    }

    /// <summary>No bound: for tests and tools that drive the print service directly.</summary>
    public static IntakeLimiter Unbounded { get; } = new(int.MaxValue, int.MaxValue, Timeout.InfiniteTimeSpan);

    public int MaxConcurrent { get; }

    public int MaxWaiting { get; }

    public TimeSpan MaxWait { get; }

    /// <summary>Submissions refused as busy since the node started.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    private long _refused;

    /// <summary>A slot (dispose it when the submission is answered), or null: busy, tell the client to retry.</summary>
    public async Task<IDisposable?> TryEnterAsync(CancellationToken ct)
    {
        if (_slots.Wait(0)) return new Slot(_slots);
        if (Interlocked.Increment(ref _waiting) > MaxWaiting)
        {
            Interlocked.Decrement(ref _waiting);
            Interlocked.Increment(ref _refused);
            return null;
        }
        try
        {
            if (await _slots.WaitAsync(MaxWait, ct).ConfigureAwait(false)) return new Slot(_slots);
            Interlocked.Increment(ref _refused);
            return null;
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }

    private sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        private SemaphoreSlim? _slots = slots;

        public void Dispose() => Interlocked.Exchange(ref _slots, null)?.Release();
    }
}
