using System.Threading.Channels;

namespace ActorSpool.Actors.Storage;

/// <summary>Counters of a document store's group-commit writer (for tests, diagnostics and metrics).</summary>
/// <param name="Transactions">Transactions committed by the writer.</param>
/// <param name="Writes">Writes committed by those transactions (more writes than transactions means they were shared).</param>
/// <param name="Enqueued">Writes handed to the writer so far (committed, failed, cancelled or still waiting).</param>
/// <param name="Queued">Writes waiting to be picked up by the writer right now.</param>
public readonly record struct GroupCommitStatistics(long Transactions, long Writes, long Enqueued, int Queued);

/// <summary>
/// One caller's request to a <see cref="GroupCommitWriter{TWrite}"/>. Its task completes once the transaction that
/// carried it has committed (or faults / is cancelled); the writer never acknowledges anything before the commit.
/// </summary>
internal abstract class GroupWrite
{
    private const int Queued = 0;
    private const int Running = 1;
    private const int Cancelled = 2;

    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenRegistration _cancellation;
    private int _state;

    /// <summary>Payload size, used to keep each transaction short (the SQLite write lock is shared with the journal).</summary>
    public abstract long Bytes { get; }

    public Task Completion => _done.Task;

    internal void ObserveCancellation(CancellationToken ct)
    {
        if (ct.CanBeCanceled)
        {
            _cancellation = ct.Register(static state =>
            {
                var (write, token) = ((GroupWrite, CancellationToken))state!;
                // Only a write the writer has not started can be withdrawn; a started one commits or fails as a whole.
                if (Interlocked.CompareExchange(ref write._state, Cancelled, Queued) == Queued)
                {
                    write._done.TrySetCanceled(token);
                }
            }, (this, ct));
        }
    }

    /// <summary>Claims the write for a batch; false if the caller cancelled it first.</summary>
    internal bool TryStart() => Interlocked.CompareExchange(ref _state, Running, Queued) == Queued;

    internal void Succeed()
    {
        _cancellation.Dispose();
        _done.TrySetResult();
    }

    internal void Fail(Exception error)
    {
        _cancellation.Dispose();
        _done.TrySetException(error);
    }
}

/// <summary>Thrown by a batch executor when one write's statements failed; the transaction has been rolled back.</summary>
internal sealed class GroupWriteItemException(int index, Exception inner) : Exception(inner.Message, inner)
{
    public int Index { get; } = index;
}

/// <summary>
/// Group commit: callers enqueue writes and await them; a single loop drains whatever has accumulated (bounded by
/// count and bytes), hands it to <c>commitBatch</c> to run in one transaction, and completes every write of the batch
/// after the commit. While one batch commits, the next one accumulates, so one fsync serves many callers
/// (with several batches in flight, the next one starts as soon as a slot is free).
/// </summary>
/// <remarks>
/// The loop is a plain task on the thread pool: it keeps no process alive and ends when the channel is completed
/// (<see cref="DisposeAsync"/>), after committing what was already queued.
/// </remarks>
internal sealed class GroupCommitWriter<TWrite> : IAsyncDisposable
    where TWrite : GroupWrite
{
    private readonly Channel<TWrite> _channel = Channel.CreateUnbounded<TWrite>(new UnboundedChannelOptions
    {
        SingleReader = true,
        AllowSynchronousContinuations = false,
    });

    private readonly Func<IReadOnlyList<TWrite>, Task> _commitBatch;
    private readonly int _maxWrites;
    private readonly long _maxBytes;
    private readonly int _maxConcurrentBatches;
    private readonly SemaphoreSlim _batchSlots;
    private readonly Task _loop;
    private long _transactions;
    private long _writes;
    private long _enqueued;
    private int _queued; // the single-reader channel cannot count

    /// <param name="commitBatch">
    /// Runs the writes in one transaction and commits it. Throws <see cref="GroupWriteItemException"/> (after rolling
    /// back) when a single write failed, so that the others can be retried without it; any other exception fails the
    /// whole batch.
    /// </param>
    /// <param name="maxWrites">Most writes per transaction.</param>
    /// <param name="maxBytes">Most payload bytes per transaction (a single larger write still goes alone).</param>
    /// <param name="maxConcurrentBatches">
    /// Transactions in flight at once. 1 where the database has a single write lock anyway (SQLite); more lets the
    /// next batch execute while one waits for its commit to be flushed (PostgreSQL, whose server groups the flushes).
    /// </param>
    public GroupCommitWriter(Func<IReadOnlyList<TWrite>, Task> commitBatch, int maxWrites, long maxBytes, int maxConcurrentBatches = 1)
    {
        ArgumentNullException.ThrowIfNull(commitBatch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxWrites);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxConcurrentBatches);
        _commitBatch = commitBatch;
        _maxWrites = maxWrites;
        _maxBytes = maxBytes;
        _maxConcurrentBatches = maxConcurrentBatches;
        _batchSlots = new SemaphoreSlim(maxConcurrentBatches, maxConcurrentBatches);
        _loop = Task.Run(RunAsync);
    }

    public GroupCommitStatistics Statistics => new(
        Interlocked.Read(ref _transactions),
        Interlocked.Read(ref _writes),
        Interlocked.Read(ref _enqueued),
        Volatile.Read(ref _queued));

    /// <summary>Queues the write and returns a task that completes once it is committed.</summary>
    /// <remarks>Cancellation withdraws the write only while it is still queued.</remarks>
    public Task WriteAsync(TWrite write, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        write.ObserveCancellation(ct);
        Interlocked.Increment(ref _queued);
        if (_channel.Writer.TryWrite(write))
        {
            Interlocked.Increment(ref _enqueued);
        }
        else
        {
            Interlocked.Decrement(ref _queued);
            write.Fail(new ObjectDisposedException(nameof(GroupCommitWriter<TWrite>), "The document store has been disposed."));
        }

        return write.Completion;
    }

    /// <summary>Stops accepting writes, commits the ones already queued and waits for the loop to end.</summary>
    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }

    private async Task RunAsync()
    {
        var reader = _channel.Reader;
        TWrite? carried = null;
        while (true)
        {
            // Wait for a free slot before draining, so that writes accumulate while all slots are busy.
            await _batchSlots.WaitAsync().ConfigureAwait(false);
            if (carried is null && !await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                _batchSlots.Release();
                break;
            }

            var batch = new List<TWrite>();
            long bytes = 0;
            if (carried is not null)
            {
                batch.Add(carried);
                bytes = carried.Bytes;
                carried = null;
            }

            while (batch.Count < _maxWrites && reader.TryRead(out var write))
            {
                Interlocked.Decrement(ref _queued);
                if (!write.TryStart())
                {
                    continue; // cancelled while queued
                }

                if (batch.Count > 0 && bytes + write.Bytes > _maxBytes)
                {
                    carried = write; // opens the next batch
                    break;
                }

                batch.Add(write);
                bytes += write.Bytes;
            }

            if (batch.Count == 0)
            {
                _batchSlots.Release();
            }
            else if (_maxConcurrentBatches == 1)
            {
                await CommitAsync(batch).ConfigureAwait(false);
            }
            else
            {
                _ = Task.Run(() => CommitAsync(batch));
            }
        }

        // Wait for the batches still in flight.
        for (var i = 0; i < _maxConcurrentBatches; i++)
        {
            await _batchSlots.WaitAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Commits the batch (retrying without writes that fail on their own) and frees its slot. Never throws.</summary>
    private async Task CommitAsync(List<TWrite> batch)
    {
        try
        {
            await CommitCoreAsync(batch).ConfigureAwait(false);
        }
        finally
        {
            _batchSlots.Release();
        }
    }

    private async Task CommitCoreAsync(List<TWrite> batch)
    {
        var pending = batch;
        while (pending.Count > 0)
        {
            try
            {
                await _commitBatch(pending).ConfigureAwait(false);
                Interlocked.Increment(ref _transactions);
                Interlocked.Add(ref _writes, pending.Count);
                foreach (var write in pending)
                {
                    write.Succeed();
                }

                return;
            }
            catch (GroupWriteItemException e) when (e.Index >= 0 && e.Index < pending.Count && e.InnerException is not null)
            {
                // Only that write is at fault; the rolled-back rest gets a fresh transaction without it.
                pending[e.Index].Fail(e.InnerException);
                pending.RemoveAt(e.Index);
            }
            catch (Exception e)
            {
                foreach (var write in pending)
                {
                    write.Fail(e);
                }

                return;
            }
        }
    }
}
