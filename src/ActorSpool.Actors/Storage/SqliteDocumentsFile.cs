using Microsoft.Data.Sqlite;

namespace ActorSpool.Actors.Storage;

/// <summary>
/// On SQLite the documents live in their own file beside the journal's (<c>documents.db</c> next to
/// <c>actorspool.db</c>). SQLite has one write lock per file: sharing it, the journal's writes and the document
/// writes waited for each other, and Microsoft.Data.Sqlite retries a busy statement only every 150 ms, which cost
/// a submission ~100 ms under load. Each file now has its own writer, and both still commit with synchronous=FULL
/// before a job is acknowledged. (PostgreSQL keeps both in one database: it locks rows, not the database.)
/// </summary>
public static class SqliteDocumentsFile
{
    public const string FileName = "documents.db";

    /// <summary>The connection string of the documents file in a data directory.</summary>
    public static string ConnectionString(string dataDirectory) =>
        $"Data Source={Path.Combine(Path.GetFullPath(dataDirectory), FileName)};Default Timeout=30";

    /// <summary>
    /// Data directories written before the split kept the document tables in the journal's file: copies them into
    /// <see cref="FileName"/> once (ids, chunks and AUTOINCREMENT counters as they are), then drops them from the
    /// journal's file. The copy is made under a temporary name and renamed, so a crash leaves either no documents file
    /// (and the migration runs again) or a complete one. Returns whether anything was moved.
    /// </summary>
    public static bool MoveFromJournalFile(string journalFile, string documentsFile)
    {
        if (File.Exists(documentsFile) || !File.Exists(journalFile)) return false;
        using (var journal = SqliteFile.Open(journalFile))
        {
            if (!SqliteFile.Tables(journal).Contains("spool_job")) return false;
            var staging = documentsFile + ".moving";
            File.Delete(staging);
            using (var vacuum = journal.CreateCommand())
            {
                // VACUUM INTO writes a consistent copy of the whole file, sqlite_sequence included.
                vacuum.CommandText = "VACUUM INTO @target";
                vacuum.Parameters.AddWithValue("@target", staging);
                vacuum.ExecuteNonQuery();
            }
            using (var copy = SqliteFile.Open(staging))
            {
                foreach (var table in SqliteFile.Tables(copy).Where(t => !IsDocumentTable(t))) SqliteFile.Execute(copy, $"DROP TABLE \"{table}\"");
                SqliteFile.Execute(copy, "PRAGMA journal_mode = WAL");
            }
            SqliteConnection.ClearAllPools();
            File.Move(staging, documentsFile);
            foreach (var table in SqliteFile.Tables(journal).Where(t => t.StartsWith("spool_", StringComparison.Ordinal))) SqliteFile.Execute(journal, $"DROP TABLE \"{table}\"");
        }
        SqliteConnection.ClearAllPools();
        return true;
    }

    private static bool IsDocumentTable(string table) => table.StartsWith("spool_", StringComparison.Ordinal);
}
