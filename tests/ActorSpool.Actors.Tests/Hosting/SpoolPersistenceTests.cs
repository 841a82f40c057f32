using ActorSpool.Actors.Hosting;
using ActorSpool.Actors.Storage;
using ActorSpool.TestSupport;
using Akka.Configuration;
using Akka.Hosting;

namespace ActorSpool.Actors.Tests.Hosting;

/// <summary>
/// The journal and snapshot settings the node has always had survive their move from a HOCON template to
/// Akka.Persistence.Sql.Hosting's options.
/// </summary>
public sealed class SpoolPersistenceTests : IDisposable
{
    private const string Journal = "akka.persistence.journal.sql";
    private const string Snapshots = "akka.persistence.snapshot-store.sql";

    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public void SQLite_keeps_the_journal_and_the_snapshots_in_two_files_and_writes_the_journal_with_one_writer()
    {
        var config = PersistenceConfig.Sqlite(_data.Path);

        Assert.Equal(SpoolPersistence.SqliteConnectionString(_data.Path), config.GetString($"{Journal}.connection-string"));
        Assert.Equal(SqliteSnapshotsFile.ConnectionString(_data.Path), config.GetString($"{Snapshots}.connection-string"));
        Assert.Contains(SpoolPersistence.SqliteFileName, config.GetString($"{Journal}.connection-string"));
        Assert.Contains(SqliteSnapshotsFile.FileName, config.GetString($"{Snapshots}.connection-string"));
        Assert.Equal("SQLite.MS", config.GetString($"{Journal}.provider-name"));
        Assert.Equal("SQLite.MS", config.GetString($"{Snapshots}.provider-name"));
        Assert.Equal(1, config.GetInt($"{Journal}.parallelism"));
        AssertCommonSettings(config);
    }

    [Fact]
    public void PostgreSQL_keeps_journal_and_snapshots_in_one_database_with_the_plugins_parallelism()
    {
        const string database = "Host=db;Database=spool;Username=spool;Password=a \"quoted\" \\ secret;Maximum Pool Size=30";
        var config = PersistenceConfig.Of(SpoolPersistence.PostgresProvider, database);

        Assert.Equal(database, config.GetString($"{Journal}.connection-string"));
        Assert.Equal(database, config.GetString($"{Snapshots}.connection-string"));
        Assert.Equal("PostgreSQL.15", config.GetString($"{Journal}.provider-name"));
        Assert.Equal("PostgreSQL.15", config.GetString($"{Snapshots}.provider-name"));
        Assert.NotEqual(1, config.GetInt($"{Journal}.parallelism"));
        AssertCommonSettings(config);
    }

    [Fact]
    public void The_operators_file_tunes_the_plugins_but_cannot_move_the_journal()
    {
        var config = PersistenceConfig.Of(akka => akka
            .AddHocon(ConfigurationFactory.ParseString($"""
                {Journal}.batch-size = 250
                {Journal}.connection-string = "Data Source=elsewhere.db"
                {Journal}.parallelism = 8
                """), HoconAddMode.Prepend)
            .WithSqlitePersistence(_data.Path));

        Assert.Equal(250, config.GetInt($"{Journal}.batch-size"));
        Assert.Equal(SpoolPersistence.SqliteConnectionString(_data.Path), config.GetString($"{Journal}.connection-string"));
        Assert.Equal(1, config.GetInt($"{Journal}.parallelism"));
    }

    private static void AssertCommonSettings(Config config)
    {
        Assert.Equal(Journal, config.GetString("akka.persistence.journal.plugin"));
        Assert.Equal(Snapshots, config.GetString("akka.persistence.snapshot-store.plugin"));
        Assert.Equal("Akka.Persistence.Sql.Journal.SqlWriteJournal, Akka.Persistence.Sql", config.GetString($"{Journal}.class"));
        Assert.Equal("Akka.Persistence.Sql.Snapshot.SqlSnapshotStore, Akka.Persistence.Sql", config.GetString($"{Snapshots}.class"));
        foreach (var plugin in new[] { Journal, Snapshots })
        {
            Assert.Equal("akka.actor.default-dispatcher", config.GetString($"{plugin}.plugin-dispatcher"));
            Assert.True(config.GetBoolean($"{plugin}.auto-initialize"));
            Assert.Equal("default", config.GetString($"{plugin}.table-mapping"));
        }
    }
}
