using ActorSpool.Actors.Storage;
using Akka.Configuration;

namespace ActorSpool.Actors.Hosting;

/// <summary>
/// Fills config/persistence.conf (the Akka.Persistence.Sql journal and snapshot store) for one database:
/// provider "SQLite.MS" for the embedded default, "PostgreSQL.15" for a cluster.
/// </summary>
public static class PersistenceHocon
{
    public const string SqliteProvider = "SQLite.MS";
    public const string PostgresProvider = "PostgreSQL.15";

    /// <summary>
    /// SQLite has one write lock per file and Microsoft.Data.Sqlite retries a busy statement only every 150 ms, so
    /// concurrent writers to one file cost each other whole retry periods: the journal writes with one writer (its
    /// batching still puts concurrent persists into one transaction).
    /// </summary>
    private const string SqliteJournalTuning = "akka.persistence.journal.sql.parallelism = 1";

    /// <summary>
    /// The persistence config for <paramref name="connectionString"/>; the snapshot store uses
    /// <paramref name="snapshotConnectionString"/> when given (on SQLite: a file of its own), else the same database.
    /// </summary>
    public static Config FromTemplate(string templateText, string providerName, string connectionString, string? snapshotConnectionString = null)
    {
        var config = ConfigurationFactory.ParseString(templateText
            .Replace("@snapshot-connection-string@", Escape(snapshotConnectionString ?? connectionString))
            .Replace("@connection-string@", Escape(connectionString))
            .Replace("@provider-name@", providerName));
        return providerName == SqliteProvider ? ConfigurationFactory.ParseString(SqliteJournalTuning).WithFallback(config) : config;
    }

    /// <summary>The embedded default: the journal in <see cref="SqliteFileName"/>, the snapshots in their own file beside it.</summary>
    public static Config ForSqlite(string templateText, string dataDirectory) =>
        FromTemplate(templateText, SqliteProvider, SqliteConnectionString(dataDirectory), SqliteSnapshotsFile.ConnectionString(dataDirectory));

    /// <summary>The journal's SQLite file in a data directory (documents and snapshots have their own: see Storage).</summary>
    public const string SqliteFileName = "actorspool.db";

    /// <summary>The SQLite connection string of the journal's database file in a data directory.</summary>
    public static string SqliteConnectionString(string dataDirectory) =>
        $"Data Source={Path.Combine(Path.GetFullPath(dataDirectory), SqliteFileName)};Default Timeout=30";

    private static string Escape(string connectionString) => connectionString.Replace("\\", "\\\\").Replace("\"", "\\\"");
}
