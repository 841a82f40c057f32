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

    public static Config FromTemplate(string templateText, string providerName, string connectionString) =>
        ConfigurationFactory.ParseString(templateText
            .Replace("@connection-string@", connectionString.Replace("\\", "\\\\").Replace("\"", "\\\""))
            .Replace("@provider-name@", providerName));

    /// <summary>The journal's SQLite file in a data directory (the documents have their own: SqliteDocumentsFile).</summary>
    public const string SqliteFileName = "actorspool.db";

    /// <summary>The SQLite connection string of the journal's database file in a data directory.</summary>
    public static string SqliteConnectionString(string dataDirectory) =>
        $"Data Source={Path.Combine(Path.GetFullPath(dataDirectory), SqliteFileName)};Default Timeout=30";
}
