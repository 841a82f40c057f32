using Microsoft.Data.Sqlite;

namespace ActorSpool.Actors.Storage;

/// <summary>Plain connections to one SQLite file for the start-up migrations between the data directory's files.</summary>
internal static class SqliteFile
{
    public static SqliteConnection Open(string file)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Pooling = false, DefaultTimeout = 30 }.ConnectionString);
        connection.Open();
        Execute(connection, "PRAGMA busy_timeout = 30000; PRAGMA synchronous = FULL;");
        return connection;
    }

    public static List<string> Tables(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'";
        using var reader = command.ExecuteReader();
        var tables = new List<string>();
        while (reader.Read()) tables.Add(reader.GetString(0));
        return tables;
    }

    public static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
