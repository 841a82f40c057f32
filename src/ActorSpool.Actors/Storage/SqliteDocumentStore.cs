using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace ActorSpool.Actors.Storage;

/// <summary>
/// Document store in the node's SQLite file, next to the Akka.Persistence.Sql journal.
/// </summary>
/// <remarks>
/// <para>
/// The file is shared with the journal's own connection pool, and SQLite has a single writer lock per database.
/// Every connection therefore sets <c>busy_timeout</c> (and Microsoft.Data.Sqlite retries busy statements until the
/// command timeout), connections are opened per operation (pooled), and write transactions are
/// <c>BEGIN IMMEDIATE</c> so a reader never has to upgrade to a writer (which could fail without waiting).
/// </para>
/// <para>
/// All writes of the process to one database file go through one group-commit writer: writes that arrive while a
/// transaction commits are committed together in the next one (bounded in count and bytes so the journal never
/// waits long for the lock), which turns one fsync per call into one fsync per batch. Documents of up to one chunk
/// are received into memory; larger ones are first spooled to an unlinked temporary file next to the database (not
/// to memory, and not under /tmp which may be a RAM disk), hashed and size-checked there. Streaming straight from a
/// slow client inside the transaction would hold SQLite's database-wide write lock for the whole upload and starve
/// the journal (whose writes would time out).
/// </para>
/// <para>
/// Job ids come from blocks reserved in <c>sqlite_sequence</c>, the counter behind <c>spool_job</c>'s AUTOINCREMENT,
/// so they continue above every id an earlier version handed out, and an AUTOINCREMENT insert (as an older version
/// does) never collides with a reserved block.
/// </para>
/// </remarks>
public sealed class SqliteDocumentStore : IDocumentStore, IAsyncDisposable, IDisposable
{
    /// <summary>How long SQLite itself waits for a lock held by another connection (e.g. the journal's).</summary>
    private const int BusyTimeoutMilliseconds = 30_000;

    /// <summary>
    /// Command timeout; Microsoft.Data.Sqlite keeps retrying SQLITE_BUSY until it elapses (also used for the implicit
    /// BEGIN IMMEDIATE of BeginTransaction).
    /// </summary>
    private const int CommandTimeoutSeconds = 120;

    // journal_mode=WAL: readers and the single writer do not block each other, which matters because the journal
    // and the document store share the file.
    //
    // synchronous=FULL (not NORMAL): in WAL mode NORMAL only syncs the WAL at checkpoints, so a transaction that was
    // committed - and a job that was acknowledged to the client on that basis - can be rolled back by a power loss
    // or OS crash. FULL fsyncs the WAL on every commit, which is what "acknowledged means durable" requires.
    // synchronous is a per-connection setting, hence it is applied on every open, not only once.
    private static readonly string ConnectionPragmas =
        $"PRAGMA busy_timeout = {BusyTimeoutMilliseconds}; PRAGMA synchronous = FULL;";

    /// <summary>Most writes per transaction.</summary>
    private const int MaxBatchWrites = 256;

    /// <summary>Most document bytes per transaction: keeps the write lock, which the journal needs too, short.</summary>
    private const long MaxBatchBytes = 4L * 1024 * 1024;

    private static readonly ConcurrentDictionary<string, SemaphoreSlim> WriteGates = new(StringComparer.Ordinal);

    // One writer per database file for all store instances of the process (reference-counted by the instances).
    private static readonly Dictionary<string, SharedWriter> Writers = new(StringComparer.Ordinal);

    private readonly SemaphoreSlim _writeGate;
    private readonly string _fileKey;
    private readonly string? _stagingDirectory;
    private readonly JobIdBlocks _jobIds;
    private readonly object _writerLock = new();
    private SharedWriter? _writer;
    private bool _disposed;

    /// <param name="connectionString">A Microsoft.Data.Sqlite connection string, e.g. <c>Data Source=/var/lib/actorspool/spool.db</c>.</param>
    /// <param name="jobIdBlockSize">How many job ids this instance reserves at once (at most that many are skipped per restart).</param>
    public SqliteDocumentStore(string connectionString, int jobIdBlockSize = JobIdBlocks.DefaultBlockSize)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var builder = new SqliteConnectionStringBuilder(connectionString)
        {
            Pooling = true,
        };
        if (builder.DefaultTimeout < CommandTimeoutSeconds)
        {
            builder.DefaultTimeout = CommandTimeoutSeconds;
        }

        ConnectionString = builder.ConnectionString;

        var dataSource = builder.DataSource;
        var inMemory = builder.Mode == SqliteOpenMode.Memory
            || string.IsNullOrEmpty(dataSource)
            || dataSource.Equals(":memory:", StringComparison.OrdinalIgnoreCase)
            || dataSource.StartsWith("file:", StringComparison.OrdinalIgnoreCase);
        if (inMemory)
        {
            _fileKey = "memory:" + dataSource;
            _stagingDirectory = null;
        }
        else
        {
            var fullPath = Path.GetFullPath(dataSource);
            _fileKey = fullPath;
            _stagingDirectory = Path.GetDirectoryName(fullPath);
        }

        _writeGate = WriteGates.GetOrAdd(_fileKey, static _ => new SemaphoreSlim(1, 1));
        _jobIds = new JobIdBlocks(jobIdBlockSize, ReserveJobIdsAsync);
    }

    /// <summary>The normalized connection string actually used (pooling on, generous default timeout).</summary>
    public string ConnectionString { get; }

    /// <summary>Counters of the group-commit writer of this database file (shared by all instances on the file).</summary>
    public GroupCommitStatistics WriteStatistics
    {
        get
        {
            lock (Writers)
            {
                return Writers.TryGetValue(_fileKey, out var shared) ? shared.Writer.Statistics : default;
            }
        }
    }

    public async Task InitializeAsync(CancellationToken ct = default)
    {
        await _writeGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await InitializeLockedAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private async Task InitializeLockedAsync(CancellationToken ct)
    {
        await using var connection = await OpenAsync(ct).ConfigureAwait(false);

        // Persistent property of the database file; cannot be changed inside a transaction.
        await using (var wal = DocumentSql.Command(connection, "PRAGMA journal_mode = WAL;"))
        {
            var mode = await wal.ExecuteScalarAsync(ct).ConfigureAwait(false) as string;
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase) && !string.Equals(mode, "memory", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"Could not switch the SQLite database to WAL mode (journal_mode is '{mode}').");
            }
        }

        // DDL is transactional in SQLite; IMMEDIATE serializes concurrent initializers (other processes included).
        await using var transaction = BeginImmediate(connection);
        await using (var ddl = DocumentSql.Command(connection, Schema, transaction))
        {
            await ddl.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        await transaction.CommitAsync(ct).ConfigureAwait(false);
    }

    // created_at: Unix time in milliseconds (UTC). Chunk rows are plain rowid tables on purpose (WITHOUT ROWID is
    // meant for small rows, not 256 KiB blobs). No foreign keys: they are off by default in SQLite, and the layout
    // stays identical to the PostgreSQL one.
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS spool_job (
            job_id      INTEGER PRIMARY KEY AUTOINCREMENT,
            queue       TEXT    NOT NULL,
            created_at  INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS ix_spool_job_created_at ON spool_job (created_at);
        CREATE TABLE IF NOT EXISTS spool_document (
            job_id           INTEGER NOT NULL,
            document_number  INTEGER NOT NULL,
            format           TEXT    NOT NULL,
            name             TEXT    NULL,
            length           INTEGER NOT NULL,
            sha256           TEXT    NOT NULL,
            created_at       INTEGER NOT NULL,
            PRIMARY KEY (job_id, document_number)
        );
        CREATE TABLE IF NOT EXISTS spool_document_chunk (
            job_id           INTEGER NOT NULL,
            document_number  INTEGER NOT NULL,
            chunk_number     INTEGER NOT NULL,
            data             BLOB    NOT NULL,
            PRIMARY KEY (job_id, document_number, chunk_number)
        );
        """;

    public async Task<long> AllocateJobIdAsync(string queue, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queue);
        var jobId = await _jobIds.NextAsync(ct).ConfigureAwait(false);
        // The job row must be durable before the id is given out: a later Send-Document finds its queue by it.
        await WriteAsync(new StoreWrite { NewJob = (jobId, queue) }, ct).ConfigureAwait(false);
        return jobId;
    }

    public async Task<string?> FindQueueOfJobAsync(long jobId, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct).ConfigureAwait(false);
        return await DocumentSql.FindQueueOfJobAsync(connection, jobId, ct).ConfigureAwait(false);
    }

    public async Task<StoredDocument> WriteDocumentAsync(long jobId, int documentNumber, Stream content, string format, string? name, long maxBytes, bool allowEmpty = false, CancellationToken ct = default)
    {
        DocumentSql.ValidateWriteArguments(jobId, documentNumber, content, format, maxBytes);
        var document = await ReceiveAsync(content, maxBytes, allowEmpty, ct).ConfigureAwait(false);
        await using (document.Staging)
        {
            var metadata = document.Metadata with { JobId = jobId, DocumentNumber = documentNumber, Format = format, Name = name };
            await WriteAsync(new StoreWrite { Document = document with { Metadata = metadata } }, ct).ConfigureAwait(false);
            return metadata;
        }
    }

    public async Task<StoredDocument> WriteJobAsync(string queue, Stream content, string format, string? name, long maxBytes, bool allowEmpty = false, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queue);
        DocumentSql.ValidateWriteArguments(1, 1, content, format, maxBytes);
        // Receive first: a rejected document must not cost a job id or leave a job row behind.
        var document = await ReceiveAsync(content, maxBytes, allowEmpty, ct).ConfigureAwait(false);
        await using (document.Staging)
        {
            var jobId = await _jobIds.NextAsync(ct).ConfigureAwait(false);
            var metadata = document.Metadata with { JobId = jobId, DocumentNumber = 1, Format = format, Name = name };
            await WriteAsync(new StoreWrite { NewJob = (jobId, queue), Document = document with { Metadata = metadata } }, ct).ConfigureAwait(false);
            return metadata;
        }
    }

    /// <summary>
    /// Reads the upload without holding any database lock: into memory if it fits in one chunk, else into a staging
    /// file (which the caller disposes). Only length and hash of the returned metadata are meaningful.
    /// </summary>
    private async Task<PendingDocument> ReceiveAsync(Stream content, long maxBytes, bool allowEmpty, CancellationToken ct)
    {
        using var chunks = new ChunkingReader(content, maxBytes);
        var start = await UploadStart.ReadAsync(chunks, ct).ConfigureAwait(false);
        if (start.IsComplete)
        {
            if (start.FirstChunk.Length == 0 && !allowEmpty)
            {
                throw new EmptyDocumentException();
            }

            return new PendingDocument(Received(chunks), start.FirstChunk, null);
        }

        var staging = CreateStagingFile();
        try
        {
            await staging.WriteAsync(start.FirstChunk, ct).ConfigureAwait(false);
            await staging.WriteAsync(start.SecondChunk, ct).ConfigureAwait(false);
            while (true)
            {
                var chunk = await chunks.ReadChunkAsync(ct).ConfigureAwait(false);
                if (chunk.IsEmpty)
                {
                    break;
                }

                await staging.WriteAsync(chunk, ct).ConfigureAwait(false);
            }

            await staging.FlushAsync(ct).ConfigureAwait(false);
            return new PendingDocument(Received(chunks), null, staging);
        }
        catch (IOException e) when (StorageFullException.IsDiskFull(e))
        {
            await staging.DisposeAsync().ConfigureAwait(false);
            throw new StorageFullException("the upload's staging file", e);
        }
        catch
        {
            await staging.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        static StoredDocument Received(ChunkingReader chunks) =>
            new(JobId: 0, DocumentNumber: 0, chunks.TotalBytes, Format: string.Empty, Name: null, chunks.GetSha256Hex());
    }

    public async Task<IReadOnlyList<StoredDocument>> ListDocumentsAsync(long jobId, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct).ConfigureAwait(false);
        return await DocumentSql.ListDocumentsAsync(connection, jobId, ct).ConfigureAwait(false);
    }

    public async Task<Stream> OpenReadAsync(long jobId, int documentNumber, CancellationToken ct = default)
    {
        StoredDocument? document;
        await using (var connection = await OpenAsync(ct).ConfigureAwait(false))
        {
            document = await DocumentSql.FindDocumentAsync(connection, jobId, documentNumber, ct).ConfigureAwait(false);
        }

        if (document is null)
        {
            throw new DocumentNotFoundException(jobId, documentNumber);
        }

        return new ChunkedReadStream(
            document,
            async (chunkNumber, token) =>
            {
                await using var connection = await OpenAsync(token).ConfigureAwait(false);
                return await DocumentSql.ReadChunkAsync(connection, jobId, documentNumber, chunkNumber, token).ConfigureAwait(false);
            },
            chunkNumber =>
            {
                using var connection = Open();
                return DocumentSql.ReadChunk(connection, jobId, documentNumber, chunkNumber);
            });
    }

    public Task DeleteJobAsync(long jobId, CancellationToken ct = default) =>
        WriteAsync(new StoreWrite { DeletedJobId = jobId }, ct);

    public async Task<IReadOnlyList<AgedJob>> ListJobsCreatedBeforeAsync(DateTimeOffset cutoff, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct).ConfigureAwait(false);
        return await DocumentSql.FindJobsOlderThanAsync(connection, cutoff.ToUnixTimeMilliseconds(), ct).ConfigureAwait(false);
    }

    public async Task<int> DeleteOrphansOlderThanAsync(DateTimeOffset cutoff, Func<long, bool> isKnownJob, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(isKnownJob);
        var candidates = await ListJobsCreatedBeforeAsync(cutoff, ct).ConfigureAwait(false);

        // Queued together, the deletions share transactions.
        var doomed = candidates.Select(job => job.JobId).Where(jobId => !isKnownJob(jobId)).ToList();
        await Task.WhenAll(doomed.Select(jobId => DeleteJobAsync(jobId, ct))).ConfigureAwait(false);
        return doomed.Count;
    }

    /// <summary>Stops using the shared writer; the last instance on a file ends it after committing what is queued.</summary>
    public async ValueTask DisposeAsync()
    {
        SharedWriter? writer;
        lock (_writerLock)
        {
            _disposed = true;
            writer = _writer;
            _writer = null;
        }

        if (writer is not null)
        {
            await ReleaseWriterAsync(writer).ConfigureAwait(false);
        }
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private async Task<IReadOnlyList<long>> ReserveJobIdsAsync(int count, CancellationToken ct)
    {
        var write = new StoreWrite { ReserveJobIds = count };
        await WriteAsync(write, ct).ConfigureAwait(false);
        var first = write.FirstReservedJobId;
        return Enumerable.Range(0, count).Select(offset => first + offset).ToList();
    }

    /// <summary>Queues the write for the group-commit writer; a full disk is reported as <see cref="StorageFullException"/>.</summary>
    private async Task WriteAsync(StoreWrite write, CancellationToken ct)
    {
        try
        {
            await AcquireWriter().Writer.WriteAsync(write, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (StorageFullException.IsDiskFull(e))
        {
            // SQLite rolled the transaction back: nothing of this write (or of the batch it shared) was kept.
            throw new StorageFullException(Path.GetFileName(_fileKey), e);
        }
    }

    private SharedWriter AcquireWriter()
    {
        lock (_writerLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_writer is null)
            {
                lock (Writers)
                {
                    if (!Writers.TryGetValue(_fileKey, out var shared))
                    {
                        // Bound to this instance's connection string; others on the same file differ at most in options.
                        shared = new SharedWriter(new GroupCommitWriter<StoreWrite>(CommitBatchAsync, MaxBatchWrites, MaxBatchBytes));
                        Writers.Add(_fileKey, shared);
                    }

                    shared.References++;
                    _writer = shared;
                }
            }

            return _writer;
        }
    }

    private async Task ReleaseWriterAsync(SharedWriter writer)
    {
        lock (Writers)
        {
            if (--writer.References > 0)
            {
                return;
            }

            Writers.Remove(_fileKey);
        }

        await writer.Writer.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Runs a batch of writes in one IMMEDIATE transaction and commits it (fsync with synchronous=FULL).</summary>
    private async Task CommitBatchAsync(IReadOnlyList<StoreWrite> writes)
    {
        await _writeGate.WaitAsync().ConfigureAwait(false);
        try
        {
            await using var connection = await OpenAsync(CancellationToken.None).ConfigureAwait(false);
            await using var transaction = BeginImmediate(connection);
            await using var batch = new SqliteBatch(connection, transaction);
            for (var i = 0; i < writes.Count; i++)
            {
                try
                {
                    await batch.ExecuteAsync(writes[i]).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    // Leaving the using blocks rolls the transaction back before the writer retries the others.
                    throw new GroupWriteItemException(i, e);
                }
            }

            await transaction.CommitAsync().ConfigureAwait(false);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public async Task CheckAsync(CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1";
        await command.ExecuteScalarAsync(ct).ConfigureAwait(false);
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken ct)
    {
        var connection = new SqliteConnection(ConnectionString);
        try
        {
            await connection.OpenAsync(ct).ConfigureAwait(false);
            await using var pragmas = DocumentSql.Command(connection, ConnectionPragmas);
            await pragmas.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(ConnectionString);
        try
        {
            connection.Open();
            using var pragmas = DocumentSql.Command(connection, ConnectionPragmas);
            pragmas.ExecuteNonQuery();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// BEGIN IMMEDIATE: takes the write lock up front (waiting via the busy handler), so the transaction never has to
    /// upgrade a read lock, which in WAL mode can fail with SQLITE_BUSY without waiting at all.
    /// </summary>
    private static SqliteTransaction BeginImmediate(SqliteConnection connection) => connection.BeginTransaction(deferred: false);

    private FileStream CreateStagingFile()
    {
        var directory = _stagingDirectory ?? Path.GetTempPath();
        var path = Path.Combine(directory, $".actorspool-upload-{Guid.NewGuid():N}.tmp");
        var options = FileOptions.Asynchronous | (OperatingSystem.IsWindows() ? FileOptions.DeleteOnClose : FileOptions.None);
        var stream = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize: 81920, options);
        if (!OperatingSystem.IsWindows())
        {
            // Unlink right away: the open handle keeps the data reachable, and nothing is left behind after a crash.
            File.Delete(path);
        }

        return stream;
    }

    private sealed class SharedWriter(GroupCommitWriter<StoreWrite> writer)
    {
        public GroupCommitWriter<StoreWrite> Writer { get; } = writer;

        public int References { get; set; }
    }
}
