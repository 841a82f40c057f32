using ActorSpool.Actors.Storage;
using Microsoft.Data.Sqlite;

namespace ActorSpool.Actors.Tests.Storage;

/// <summary>The document store suite on a temporary SQLite file (one per test), plus SQLite-specific checks.</summary>
public sealed class SqliteDocumentStoreTests : DocumentStoreTests
{
    private readonly string _directory;
    private readonly string _connectionString;

    public SqliteDocumentStoreTests()
    {
        _directory = Path.Combine(Path.GetTempPath(), "actorspool-sqlite-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
        _connectionString = $"Data Source={Path.Combine(_directory, "spool.db")}";
    }

    protected override IDocumentStore NewStore(int? jobIdBlockSize = null) =>
        jobIdBlockSize is { } size ? new SqliteDocumentStore(_connectionString, size) : new SqliteDocumentStore(_connectionString);

    protected override GroupCommitStatistics StatisticsOf(IDocumentStore store) => ((SqliteDocumentStore)store).WriteStatistics;

    protected override async Task<IAsyncDisposable> HoldWriteLockAsync()
    {
        var connection = new SqliteConnection(_connectionString + ";Pooling=False");
        await connection.OpenAsync();
        // BEGIN IMMEDIATE, like the journal's writes: SQLite's single write lock until commit.
        var transaction = connection.BeginTransaction(deferred: false);
        return new Release(async () =>
        {
            await transaction.CommitAsync();
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        });
    }

    protected override Task InstallPoisonTriggerAsync() => ExecuteAsync(
        "CREATE TRIGGER poison BEFORE INSERT ON spool_document WHEN NEW.name = 'poison' " +
        "BEGIN SELECT RAISE(ABORT, 'poisoned document'); END;");

    protected override async Task<long> InsertJobRowAsOlderVersionsDidAsync(string queue)
    {
        await using var connection = new SqliteConnection(_connectionString + ";Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO spool_job (queue, created_at) VALUES (@queue, 0) RETURNING job_id";
        command.Parameters.AddWithValue("@queue", queue);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new SqliteConnection(_connectionString + ";Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    protected override async Task<long> CountRowsAsync(string table, long? jobId = null)
    {
        await using var connection = new SqliteConnection(_connectionString + ";Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = jobId is null ? $"SELECT COUNT(*) FROM {table}" : $"SELECT COUNT(*) FROM {table} WHERE job_id = @job_id";
        command.Parameters.AddWithValue("@job_id", jobId ?? 0);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();

        // Only this test's pool (the store normalizes the connection string, so ask it for the exact one).
        using (var connection = new SqliteConnection(new SqliteDocumentStore(_connectionString).ConnectionString))
        {
            SqliteConnection.ClearPool(connection);
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }

    [Fact]
    public async Task Database_is_in_WAL_mode_after_initialize()
    {
        await using var connection = new SqliteConnection(_connectionString + ";Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";

        Assert.Equal("wal", (string?)await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Write_waits_for_a_foreign_writer_such_as_the_journal()
    {
        var job = await Store.AllocateJobIdAsync("office");
        var data = RandomBytes(2 * Chunk, seed: 1);

        // Another connection pool on the same file (like Akka.Persistence.Sql) holds the write lock for a while.
        await using var journal = new SqliteConnection(_connectionString + ";Pooling=False");
        await journal.OpenAsync();
        await using (var create = journal.CreateCommand())
        {
            create.CommandText = "CREATE TABLE journal_dummy (x INTEGER)";
            await create.ExecuteNonQueryAsync();
        }

        Task<StoredDocument> write;
        await using (var transaction = (SqliteTransaction)await journal.BeginTransactionAsync())
        {
            await using (var insert = journal.CreateCommand())
            {
                insert.Transaction = transaction;
                insert.CommandText = "INSERT INTO journal_dummy VALUES (1)";
                await insert.ExecuteNonQueryAsync();
            }

            write = Task.Run(() => Store.WriteDocumentAsync(job, 1, new MemoryStream(data), "application/pdf", null, maxBytes: long.MaxValue));
            await Task.Delay(300);
            await transaction.CommitAsync();
        }

        var stored = await write;
        Assert.Equal(data.Length, stored.Length);
        Assert.Equal(data, await ReadAllAsync(job, 1));
    }

    [Fact]
    public async Task Fifty_writers_and_a_busy_journal_connection_on_the_same_file_all_succeed()
    {
        const int writers = 50;
        var jobs = new long[writers];
        for (var i = 0; i < writers; i++)
        {
            jobs[i] = await Store.AllocateJobIdAsync("busy");
        }

        // Stands in for Akka.Persistence.Sql: its own connection (own pool), many small write transactions,
        // a 10 s busy timeout of its own.
        var journal = Task.Run(async () =>
        {
            await using var connection = new SqliteConnection(_connectionString + ";Pooling=False");
            await connection.OpenAsync();
            await using (var setup = connection.CreateCommand())
            {
                setup.CommandText = "PRAGMA busy_timeout = 10000; CREATE TABLE IF NOT EXISTS journal_dummy (x INTEGER);";
                await setup.ExecuteNonQueryAsync();
            }

            for (var i = 0; i < 100; i++)
            {
                await using var transaction = connection.BeginTransaction(deferred: false);
                await using var insert = connection.CreateCommand();
                insert.Transaction = transaction;
                insert.CommandText = "INSERT INTO journal_dummy VALUES (@x)";
                insert.Parameters.AddWithValue("@x", i);
                await insert.ExecuteNonQueryAsync();
                await transaction.CommitAsync();
            }
        });

        var contents = Enumerable.Range(0, writers).Select(i => RandomBytes(Chunk + (i * 4099), seed: i)).ToArray();
        var writes = Enumerable.Range(0, writers).Select(i => Task.Run(() =>
            Store.WriteDocumentAsync(jobs[i], 1, new SmallReadStream(contents[i], seed: i), "application/pdf", null, maxBytes: 4 * Chunk)));

        var stored = await Task.WhenAll(writes);
        await journal;

        Assert.Equal(100, await CountRowsAsync("journal_dummy"));
        for (var i = 0; i < writers; i++)
        {
            Assert.Equal(contents[i].Length, stored[i].Length);
        }

        Assert.Equal(contents[7], await ReadAllAsync(jobs[7], 1));
    }

    [Fact]
    public async Task No_staging_files_are_left_next_to_the_database()
    {
        var job = await Store.AllocateJobIdAsync("office");
        await Store.WriteDocumentAsync(job, 1, new MemoryStream(RandomBytes(Chunk * 2, seed: 1)), "application/pdf", null, maxBytes: long.MaxValue);
        await Assert.ThrowsAsync<DocumentTooLargeException>(() =>
            Store.WriteDocumentAsync(job, 2, new MemoryStream(RandomBytes(Chunk * 2, seed: 2)), "application/pdf", null, maxBytes: Chunk));
        await Assert.ThrowsAsync<EmptyDocumentException>(() =>
            Store.WriteDocumentAsync(job, 3, new MemoryStream([]), "application/pdf", null, maxBytes: Chunk));

        var leftovers = Directory.GetFiles(_directory).Select(Path.GetFileName).Where(name => !name!.StartsWith("spool.db", StringComparison.Ordinal));
        Assert.Empty(leftovers);
    }

    [Fact]
    public void Factory_creates_the_store_matching_the_journal_provider()
    {
        Assert.IsType<SqliteDocumentStore>(DocumentStoreFactory.Create("SQLite.MS", _connectionString));
        Assert.IsType<PostgresDocumentStore>(DocumentStoreFactory.Create("PostgreSQL.15", "Host=localhost;Database=x"));
        Assert.Throws<ArgumentException>(() => DocumentStoreFactory.Create("SqlServer.2019", "Server=x"));
    }
}
