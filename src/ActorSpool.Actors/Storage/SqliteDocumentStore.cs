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
/// Incoming content is first spooled to an unlinked temporary file next to the database (not to memory, and not
/// under /tmp which may be a RAM disk), hashed and size-checked there; only then is the write lock taken for a short
/// transaction that copies the chunks in. Streaming straight from a slow client inside the transaction would hold
/// SQLite's database-wide write lock for the whole upload and starve the journal (whose writes would time out).
/// Writers of this process additionally queue on an in-process async gate per database file, so 50 concurrent
/// uploads wait without blocking thread-pool threads in SQLite's busy handler.
/// </para>
/// </remarks>
public sealed class SqliteDocumentStore : IDocumentStore
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

    private static readonly ConcurrentDictionary<string, SemaphoreSlim> WriteGates = new(StringComparer.Ordinal);

    private readonly SemaphoreSlim _writeGate;
    private readonly string? _stagingDirectory;

    /// <param name="connectionString">A Microsoft.Data.Sqlite connection string, e.g. <c>Data Source=/var/lib/actorspool/spool.db</c>.</param>
    public SqliteDocumentStore(string connectionString)
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
        string gateKey;
        if (inMemory)
        {
            gateKey = "memory:" + dataSource;
            _stagingDirectory = null;
        }
        else
        {
            var fullPath = Path.GetFullPath(dataSource);
            gateKey = fullPath;
            _stagingDirectory = Path.GetDirectoryName(fullPath);
        }

        _writeGate = WriteGates.GetOrAdd(gateKey, static _ => new SemaphoreSlim(1, 1));
    }

    /// <summary>The normalized connection string actually used (pooling on, generous default timeout).</summary>
    public string ConnectionString { get; }

    public async Task InitializeAsync(CancellationToken ct = default)
    {
        await using var gate = await EnterWriteGateAsync(ct).ConfigureAwait(false);
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
        await using var gate = await EnterWriteGateAsync(ct).ConfigureAwait(false);
        await using var connection = await OpenAsync(ct).ConfigureAwait(false);
        // AUTOINCREMENT: ids are never reused, even after the highest job was deleted.
        await using var command = DocumentSql.Command(connection,
                "INSERT INTO spool_job (queue, created_at) VALUES (@queue, @created_at) RETURNING job_id")
            .With("@queue", queue)
            .With("@created_at", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var id = await command.ExecuteScalarAsync(ct).ConfigureAwait(false);
        return Convert.ToInt64(id, System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<string?> FindQueueOfJobAsync(long jobId, CancellationToken ct = default)
    {
        await using var connection = await OpenAsync(ct).ConfigureAwait(false);
        return await DocumentSql.FindQueueOfJobAsync(connection, jobId, ct).ConfigureAwait(false);
    }

    public async Task<StoredDocument> WriteDocumentAsync(long jobId, int documentNumber, Stream content, string format, string? name, long maxBytes, bool allowEmpty = false, CancellationToken ct = default)
    {
        DocumentSql.ValidateWriteArguments(jobId, documentNumber, content, format, maxBytes);

        // Phase 1: spool to a temporary file without holding any database lock.
        await using var staging = CreateStagingFile();
        long length;
        string sha256;
        using (var chunks = new ChunkingReader(content, maxBytes))
        {
            while (true)
            {
                var chunk = await chunks.ReadChunkAsync(ct).ConfigureAwait(false);
                if (chunk.IsEmpty)
                {
                    break;
                }

                await staging.WriteAsync(chunk, ct).ConfigureAwait(false);
            }

            length = chunks.TotalBytes;
            sha256 = chunks.GetSha256Hex();
        }

        if (length == 0 && !allowEmpty)
        {
            throw new EmptyDocumentException();
        }

        await staging.FlushAsync(ct).ConfigureAwait(false);
        staging.Position = 0;

        // Phase 2: one short IMMEDIATE transaction copies the chunks in; committed (and fsynced) before returning.
        await using var gate = await EnterWriteGateAsync(ct).ConfigureAwait(false);
        await using var connection = await OpenAsync(ct).ConfigureAwait(false);
        await using var transaction = BeginImmediate(connection);

        await DocumentSql.DeleteDocumentAsync(connection, transaction, jobId, documentNumber, ct).ConfigureAwait(false);

        await using (var insertDocument = DocumentSql.Command(connection,
                "INSERT INTO spool_document (job_id, document_number, format, name, length, sha256, created_at) " +
                "VALUES (@job_id, @document_number, @format, @name, @length, @sha256, @created_at)", transaction)
            .With("@job_id", jobId)
            .With("@document_number", documentNumber)
            .With("@format", format)
            .With("@name", name)
            .With("@length", length)
            .With("@sha256", sha256)
            .With("@created_at", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()))
        {
            await insertDocument.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        await using (var insertChunk = connection.CreateCommand())
        {
            insertChunk.Transaction = transaction;
            insertChunk.CommandText =
                "INSERT INTO spool_document_chunk (job_id, document_number, chunk_number, data) " +
                "VALUES (@job_id, @document_number, @chunk_number, @data)";
            insertChunk.Parameters.AddWithValue("@job_id", jobId);
            insertChunk.Parameters.AddWithValue("@document_number", documentNumber);
            var chunkNumber = insertChunk.Parameters.Add("@chunk_number", SqliteType.Integer);
            var data = insertChunk.Parameters.Add("@data", SqliteType.Blob);

            // Microsoft.Data.Sqlite binds whole byte[] values, so full chunks reuse one exact-size buffer.
            var fullChunk = new byte[DocumentStoreLimits.ChunkSize];
            var remaining = length;
            for (var number = 0; remaining > 0; number++)
            {
                var size = (int)Math.Min(remaining, DocumentStoreLimits.ChunkSize);
                var buffer = size == fullChunk.Length ? fullChunk : new byte[size];
                await staging.ReadExactlyAsync(buffer, ct).ConfigureAwait(false);
                chunkNumber.Value = number;
                data.Value = buffer;
                await insertChunk.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                remaining -= size;
            }
        }

        await transaction.CommitAsync(ct).ConfigureAwait(false);
        return new StoredDocument(jobId, documentNumber, length, format, name, sha256);
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

    public async Task DeleteJobAsync(long jobId, CancellationToken ct = default)
    {
        await using var gate = await EnterWriteGateAsync(ct).ConfigureAwait(false);
        await using var connection = await OpenAsync(ct).ConfigureAwait(false);
        await using var transaction = BeginImmediate(connection);
        await DocumentSql.DeleteJobAsync(connection, transaction, jobId, ct).ConfigureAwait(false);
        await transaction.CommitAsync(ct).ConfigureAwait(false);
    }

    public async Task<int> DeleteOrphansOlderThanAsync(DateTimeOffset cutoff, Func<long, bool> isKnownJob, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(isKnownJob);
        IReadOnlyList<long> candidates;
        await using (var connection = await OpenAsync(ct).ConfigureAwait(false))
        {
            candidates = await DocumentSql.FindJobsOlderThanAsync(connection, cutoff.ToUnixTimeMilliseconds(), ct).ConfigureAwait(false);
        }

        var deleted = 0;
        foreach (var jobId in candidates)
        {
            if (!isKnownJob(jobId))
            {
                await DeleteJobAsync(jobId, ct).ConfigureAwait(false);
                deleted++;
            }
        }

        return deleted;
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

    private async Task<GateLease> EnterWriteGateAsync(CancellationToken ct)
    {
        await _writeGate.WaitAsync(ct).ConfigureAwait(false);
        return new GateLease(_writeGate);
    }

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

    private sealed class GateLease(SemaphoreSlim gate) : IAsyncDisposable
    {
        private SemaphoreSlim? _gate = gate;

        public ValueTask DisposeAsync()
        {
            Interlocked.Exchange(ref _gate, null)?.Release();
            return ValueTask.CompletedTask;
        }
    }
}
