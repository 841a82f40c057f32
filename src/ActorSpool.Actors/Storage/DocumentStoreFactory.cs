namespace ActorSpool.Actors.Storage;

/// <summary>Creates the document store matching the Akka.Persistence.Sql (linq2db) provider name.</summary>
public static class DocumentStoreFactory
{
    /// <param name="providerName">linq2db provider name as used for the journal, e.g. <c>SQLite.MS</c> or <c>PostgreSQL.15</c>.</param>
    /// <param name="connectionString">The same connection string as the journal.</param>
    public static IDocumentStore Create(string providerName, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(providerName);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);

        if (providerName.StartsWith("SQLite", StringComparison.OrdinalIgnoreCase))
        {
            return new SqliteDocumentStore(connectionString);
        }

        if (providerName.StartsWith("PostgreSQL", StringComparison.OrdinalIgnoreCase))
        {
            return new PostgresDocumentStore(connectionString);
        }

        throw new ArgumentException(
            $"Unsupported database provider '{providerName}'. Supported: SQLite.* (e.g. SQLite.MS) and PostgreSQL.* (e.g. PostgreSQL.15).",
            nameof(providerName));
    }
}
