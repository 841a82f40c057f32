using ActorSpool.TestSupport;
using Npgsql;

namespace ActorSpool.Actors.Tests.Storage;

public sealed class ThrowawayPostgresTests(PostgresFixture fixture) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task Default_database_accepts_password_connections_over_tcp()
    {
        var builder = new NpgsqlConnectionStringBuilder(fixture.Server.ConnectionString);
        Assert.Equal("127.0.0.1", builder.Host);
        Assert.Equal("actorspool", builder.Database);
        Assert.False(string.IsNullOrEmpty(builder.Password));

        await using var connection = new NpgsqlConnection(fixture.Server.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT current_database()", connection);
        Assert.Equal("actorspool", (string?)await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Created_databases_are_isolated_from_each_other()
    {
        var first = fixture.Server.CreateDatabase("iso_a_" + Guid.NewGuid().ToString("N")[..8]);
        var second = fixture.Server.CreateDatabase("iso_b_" + Guid.NewGuid().ToString("N")[..8]);

        await using (var connection = new NpgsqlConnection(first))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand("CREATE TABLE only_here (x int)", connection);
            await create.ExecuteNonQueryAsync();
        }

        await using (var connection = new NpgsqlConnection(second))
        {
            await connection.OpenAsync();
            await using var exists = new NpgsqlCommand("SELECT to_regclass('only_here') IS NOT NULL", connection);
            Assert.False((bool)(await exists.ExecuteScalarAsync())!);
        }
    }

    [Fact]
    public void Rejects_unsafe_database_names()
    {
        Assert.Throws<ArgumentException>(() => fixture.Server.CreateDatabase("x\"; DROP DATABASE actorspool; --"));
    }

    [Fact]
    public void Finds_the_server_binaries_and_free_ports()
    {
        var bin = ThrowawayPostgres.FindBinDirectory();
        Assert.NotNull(bin);
        Assert.True(File.Exists(Path.Combine(bin, "pg_ctl")));
        Assert.InRange(FreePort.Next(), 1, 65535);
    }
}
