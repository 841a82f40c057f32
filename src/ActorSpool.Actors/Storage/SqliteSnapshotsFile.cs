using Microsoft.Data.Sqlite;

namespace ActorSpool.Actors.Storage;

/// <summary>
/// On SQLite the snapshot store has its own file beside the journal's (<c>snapshots.db</c> next to
/// <c>actorspool.db</c>): a big queue's snapshot is megabytes, and writing it in the journal's file held the
/// file's one write lock while journal writes waited in Microsoft.Data.Sqlite's 150 ms busy retries (the p99 of
/// submissions). The journal stays the source of truth; a snapshot only shortens a replay.
/// </summary>
public static class SqliteSnapshotsFile
{
    public const string FileName = "snapshots.db";

    /// <summary>Akka.Persistence.Sql's snapshot table (table-mapping = default).</summary>
    private const string SnapshotTable = "snapshot";

    public static string ConnectionString(string dataDirectory) =>
        $"Data Source={Path.Combine(Path.GetFullPath(dataDirectory), FileName)};Default Timeout=30";

    /// <summary>
    /// Data directories written before the split kept the snapshots in the journal's file: copies the snapshot table
    /// (its schema as it is) into <see cref="FileName"/> under a temporary name, renames it, then drops the old
    /// table, so a crash leaves either no snapshots file (and this runs again) or a complete one. Without it the
    /// queues would still recover, from the whole journal. Returns whether anything was moved.
    /// </summary>
    public static bool MoveFromJournalFile(string journalFile, string snapshotsFile)
    {
        if (File.Exists(snapshotsFile) || !File.Exists(journalFile)) return false;
        // The table first, then its indexes, as the journal's file has them.
        var schema = new List<string>();
        using (var journal = SqliteFile.Open(journalFile))
        {
            using var command = journal.CreateCommand();
            command.CommandText = "SELECT sql FROM sqlite_master WHERE tbl_name = @name AND sql IS NOT NULL ORDER BY type = 'index'";
            command.Parameters.AddWithValue("@name", SnapshotTable);
            using var reader = command.ExecuteReader();
            while (reader.Read()) schema.Add(reader.GetString(0));
        }
        if (schema.Count == 0) return false;

        var staging = snapshotsFile + ".moving";
        File.Delete(staging);
        using (var copy = SqliteFile.Open(staging))
        {
            SqliteFile.Execute(copy, "PRAGMA journal_mode = WAL");
            foreach (var statement in schema) SqliteFile.Execute(copy, statement);
            using var attach = copy.CreateCommand();
            attach.CommandText = "ATTACH DATABASE @file AS old";
            attach.Parameters.AddWithValue("@file", journalFile);
            attach.ExecuteNonQuery();
            SqliteFile.Execute(copy, $"INSERT INTO main.\"{SnapshotTable}\" SELECT * FROM old.\"{SnapshotTable}\"");
            SqliteFile.Execute(copy, "DETACH DATABASE old");
        }
        SqliteConnection.ClearAllPools();
        File.Move(staging, snapshotsFile);
        using (var journal = SqliteFile.Open(journalFile))
        {
            SqliteFile.Execute(journal, $"DROP TABLE \"{SnapshotTable}\"");
        }
        SqliteConnection.ClearAllPools();
        return true;
    }
}
