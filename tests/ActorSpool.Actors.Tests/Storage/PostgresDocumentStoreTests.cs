using ActorSpool.Actors.Storage;
using ActorSpool.TestSupport;
using Npgsql;

namespace ActorSpool.Actors.Tests.Storage;

/// <summary>The document store suite on a throwaway PostgreSQL server, with a fresh database per test.</summary>
public sealed class PostgresDocumentStoreTests : DocumentStoreTests, IClassFixture<PostgresFixture>
{
    private readonly string _connectionString;

    public PostgresDocumentStoreTests(PostgresFixture fixture)
    {
        _connectionString = fixture.Server.CreateDatabase("docs_" + Guid.NewGuid().ToString("N"));
    }

    protected override IDocumentStore NewStore(int? jobIdBlockSize = null) =>
        jobIdBlockSize is { } size ? new PostgresDocumentStore(_connectionString, size) : new PostgresDocumentStore(_connectionString);

    /// <summary>As PostgresDocumentStore runs them: the next batch executes while one waits for its commit.</summary>
    protected override int ConcurrentBatches => 2;

    protected override GroupCommitStatistics StatisticsOf(IDocumentStore store) => ((PostgresDocumentStore)store).WriteStatistics;

    protected override async Task<IAsyncDisposable> HoldWriteLockAsync()
    {
        var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        var transaction = await connection.BeginTransactionAsync();
        // EXCLUSIVE blocks every insert and delete (readers still pass), as a long-running writer elsewhere would.
        await using (var command = new NpgsqlCommand("LOCK TABLE spool_job, spool_document, spool_document_chunk IN EXCLUSIVE MODE", connection, transaction))
        {
            await command.ExecuteNonQueryAsync();
        }

        return new Release(async () =>
        {
            await transaction.CommitAsync();
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        });
    }

    protected override async Task InstallPoisonTriggerAsync()
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            """
            CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.name = 'poison' THEN RAISE EXCEPTION 'poisoned document'; END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER poison BEFORE INSERT ON spool_document FOR EACH ROW EXECUTE FUNCTION poison();
            """,
            connection);
        await command.ExecuteNonQueryAsync();
    }

    protected override async Task<long> InsertJobRowAsOlderVersionsDidAsync(string queue)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("INSERT INTO spool_job (queue) VALUES (@queue) RETURNING job_id", connection);
        command.Parameters.AddWithValue("queue", queue);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    protected override async Task<long> CountRowsAsync(string table, long? jobId = null)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            jobId is null ? $"SELECT COUNT(*) FROM {table}" : $"SELECT COUNT(*) FROM {table} WHERE job_id = @job_id",
            connection);
        command.Parameters.AddWithValue("job_id", jobId ?? 0L);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
