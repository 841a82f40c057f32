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

    protected override IDocumentStore NewStore() => new PostgresDocumentStore(_connectionString);

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
