namespace ActorSpool.Actors.Storage;

/// <summary>
/// Holds back journal trimming in this process while an online SQLite backup copies the snapshots and then the
/// journal: a snapshot saved between the two copies, and the journal trimmed up to it, would leave the journal copy
/// without the events between the copied snapshot and the new one. A skipped trim is only deferred: the next
/// snapshot deletes everything up to itself.
/// </summary>
public static class JournalTrimHold
{
    private static int _holds;

    /// <summary>True while any backup of this process runs: queues keep their journal then.</summary>
    public static bool Held => Volatile.Read(ref _holds) > 0;

    /// <summary>Holds trimming until the returned value is disposed.</summary>
    public static IDisposable Hold()
    {
        Interlocked.Increment(ref _holds);
        return new Release();
    }

    private sealed class Release : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) Interlocked.Decrement(ref _holds);
        }
    }
}
