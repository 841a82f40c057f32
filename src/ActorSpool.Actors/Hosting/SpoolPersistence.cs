using ActorSpool.Actors.Storage;
using Akka.Hosting;
using Akka.Persistence.Sql.Hosting;

namespace ActorSpool.Actors.Hosting;

/// <summary>
/// The journal and snapshot store (Akka.Persistence.Sql) on the node's database, configured through
/// Akka.Persistence.Sql.Hosting: provider "SQLite.MS" for the embedded default, "PostgreSQL.15" for a cluster.
/// PostgreSQL: one database holds the journal, the snapshots and the documents of jobs. SQLite: one file each in the
/// data directory (<see cref="SqliteFileName"/> for the journal, <see cref="SqliteSnapshotsFile"/>,
/// <see cref="SqliteDocumentsFile"/>), because SQLite has one write lock per file.
/// </summary>
/// <remarks>
/// Prepended: added after the operator's HOCON (as NodeHost does), these settings win over it, while the plugins'
/// other defaults (batch sizes and such) stay under it and can be tuned there.
/// </remarks>
public static class SpoolPersistence
{
    public const string SqliteProvider = "SQLite.MS";
    public const string PostgresProvider = "PostgreSQL.15";

    /// <summary>The journal's SQLite file in a data directory (documents and snapshots have their own: see Storage).</summary>
    public const string SqliteFileName = "actorspool.db";

    /// <summary>The SQLite connection string of the journal's database file in a data directory.</summary>
    public static string SqliteConnectionString(string dataDirectory) =>
        $"Data Source={Path.Combine(Path.GetFullPath(dataDirectory), SqliteFileName)};Default Timeout=30";

    /// <summary>The embedded default: the journal in <see cref="SqliteFileName"/>, the snapshots in their own file beside it.</summary>
    public static AkkaConfigurationBuilder WithSqlitePersistence(this AkkaConfigurationBuilder builder, string dataDirectory) =>
        builder.WithSpoolPersistence(SqliteProvider, SqliteConnectionString(dataDirectory), SqliteSnapshotsFile.ConnectionString(dataDirectory));

    /// <summary>
    /// The journal on <paramref name="connectionString"/>; the snapshot store on <paramref name="snapshotConnectionString"/>
    /// when given (on SQLite: a file of its own), else the same database. Both are the default plugins, create their
    /// tables at start and use Akka.Persistence.Sql's own table layout (table-mapping = default).
    /// </summary>
    public static AkkaConfigurationBuilder WithSpoolPersistence(this AkkaConfigurationBuilder builder, string providerName, string connectionString,
        string? snapshotConnectionString = null)
    {
        var journal = new SqlJournalOptions(isDefaultPlugin: true)
        {
            ConnectionString = connectionString,
            ProviderName = providerName,
            AutoInitialize = true,
            DatabaseOptions = JournalDatabaseOptions.Default,
        };
        var snapshots = new SqlSnapshotOptions(isDefaultPlugin: true)
        {
            ConnectionString = snapshotConnectionString ?? connectionString,
            ProviderName = providerName,
            AutoInitialize = true,
            DatabaseOptions = SnapshotDatabaseOptions.Default,
        };
        return builder
            .WithSqlPersistence(journal, snapshots)
            .AddHocon(SettingsWithoutOptions(providerName), HoconAddMode.Prepend);
    }

    /// <summary>
    /// What the options of Akka.Persistence.Sql.Hosting 1.5.70 have no property for. The plugins run on the default
    /// dispatcher, as they did under the HOCON template this replaced. The circuit breakers in front of the journal
    /// and the snapshot store open after repeated failures (a database outage) and fail writes at once; Akka's
    /// reset-timeouts (30 s, 60 s) would keep them open that long after the database is back, so they try again
    /// after 2 s. A call that takes longer than call-timeout (a hung connection) counts as failed. On SQLite the journal writes with
    /// one writer: SQLite has one write lock per file and Microsoft.Data.Sqlite retries a busy statement only every
    /// 150 ms, so concurrent writers to one file cost each other whole retry periods (the journal's batching still puts
    /// concurrent persists into one transaction).
    /// </summary>
    private static string SettingsWithoutOptions(string providerName) =>
        """
        akka.persistence.journal.sql.plugin-dispatcher = "akka.actor.default-dispatcher"
        akka.persistence.snapshot-store.sql.plugin-dispatcher = "akka.actor.default-dispatcher"
        akka.persistence.journal.sql.circuit-breaker { max-failures = 10, call-timeout = 10s, reset-timeout = 2s }
        akka.persistence.snapshot-store.sql.circuit-breaker { max-failures = 5, call-timeout = 20s, reset-timeout = 2s }
        """
        + (providerName == SqliteProvider ? "\nakka.persistence.journal.sql.parallelism = 1" : "");
}
