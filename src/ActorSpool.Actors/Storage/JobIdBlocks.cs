namespace ActorSpool.Actors.Storage;

/// <summary>
/// Hands out job ids from blocks reserved in the database, so that one committed statement serves many jobs.
/// A block is reserved (and committed) before any of its ids is used, and the database never hands the same id to
/// two reservations; ids of a block that are left when the process ends are simply never used.
/// </summary>
internal sealed class JobIdBlocks
{
    /// <summary>Default number of ids reserved at once: at most this many ids are skipped per restart.</summary>
    public const int DefaultBlockSize = 64;

    private readonly Func<int, CancellationToken, Task<IReadOnlyList<long>>> _reserve;
    private readonly int _blockSize;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly Queue<long> _ids = new();
    private long _last;

    /// <param name="reserve">Reserves <c>count</c> new ids durably and returns them (cluster-wide unique).</param>
    public JobIdBlocks(int blockSize, Func<int, CancellationToken, Task<IReadOnlyList<long>>> reserve)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockSize);
        ArgumentNullException.ThrowIfNull(reserve);
        _blockSize = blockSize;
        _reserve = reserve;
    }

    public async Task<long> NextAsync(CancellationToken ct)
    {
        await _lock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_ids.Count == 0)
            {
                var block = await _reserve(_blockSize, ct).ConfigureAwait(false);
                foreach (var id in block.Order())
                {
                    // The database's counters only grow; the check guards the "increasing" promise against a bad reservation.
                    if (id <= _last)
                    {
                        throw new InvalidOperationException($"The database reserved job id {id}, which is not above the last id {_last} handed out.");
                    }

                    _ids.Enqueue(id);
                }
            }

            _last = _ids.Dequeue();
            return _last;
        }
        finally
        {
            _lock.Release();
        }
    }
}
