using ActorSpool.Node.Hosting;
using Npgsql;

namespace ActorSpool.Node.Tests.Storage;

/// <summary>What the node adds to --db: a pool limit and timeouts, each only when the operator's string does not set it.</summary>
public sealed class PostgresConnectionDefaultsTests
{
    [Fact]
    public void A_plain_connection_string_gets_the_pool_limit_and_ten_second_timeouts()
    {
        var settings = new NpgsqlConnectionStringBuilder(Options("Host=db;Database=spool;Username=spool;").ConnectionString);

        Assert.Equal(30, settings.MaxPoolSize);
        Assert.Equal(10, settings.Timeout);
        Assert.Equal(10, settings.CommandTimeout);
        Assert.Equal("db", settings.Host);
    }

    [Theory]
    [InlineData("Host=db;Timeout=3;Command Timeout=60;Maximum Pool Size=5")]
    [InlineData("Host=db;timeout=3;CommandTimeout=60;MaxPoolSize=5")]
    public void Settings_the_operator_gives_are_kept_in_any_spelling_npgsql_takes(string database)
    {
        var options = Options(database);
        var settings = new NpgsqlConnectionStringBuilder(options.ConnectionString);

        Assert.Equal(database, options.ConnectionString);
        Assert.Equal(5, settings.MaxPoolSize);
        Assert.Equal(3, settings.Timeout);
        Assert.Equal(60, settings.CommandTimeout);
    }

    [Fact]
    public void Journal_snapshots_and_documents_use_the_same_settings()
    {
        var options = Options("Host=db;Command Timeout=20");

        Assert.Equal(options.ConnectionString, options.SnapshotConnectionString);
        Assert.Equal(options.ConnectionString, options.DocumentsConnectionString);
        Assert.Equal(20, new NpgsqlConnectionStringBuilder(options.ConnectionString).CommandTimeout);
        Assert.Equal(10, new NpgsqlConnectionStringBuilder(options.ConnectionString).Timeout);
    }

    private static NodeOptions Options(string database) => InProcessNode.Options("/tmp/unused", "/tmp/unused.conf") with { Database = database };
}
