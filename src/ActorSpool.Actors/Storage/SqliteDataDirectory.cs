using ActorSpool.Actors.Hosting;

namespace ActorSpool.Actors.Storage;

/// <summary>
/// The embedded default's data directory: <c>actorspool.db</c> (journal), <c>snapshots.db</c> and
/// <c>documents.db</c>. Prepared once before the actor system starts, while nothing else has the files open.
/// </summary>
public static class SqliteDataDirectory
{
    /// <summary>
    /// Moves tables of older layouts into their own files, then puts the journal's and the snapshots' files in WAL
    /// mode (the document store sets its own). Akka.Persistence.Sql creates its files in SQLite's default rollback
    /// mode, where every commit creates, syncs and deletes a <c>-journal</c> file beside the database and syncs the
    /// database itself: three syncs and two file-system operations per journal write, about half the CPU of a job at
    /// one client. In WAL mode a commit appends to the <c>-wal</c> file and syncs only that (synchronous=FULL, the
    /// SQLite default the journal's connections keep), which is as durable.
    /// </summary>
    public static void Prepare(string dataDirectory)
    {
        var data = Path.GetFullPath(dataDirectory);
        Directory.CreateDirectory(data);
        var journal = Path.Combine(data, SpoolPersistence.SqliteFileName);
        SqliteDocumentsFile.MoveFromJournalFile(journal, Path.Combine(data, SqliteDocumentsFile.FileName));
        SqliteSnapshotsFile.MoveFromJournalFile(journal, Path.Combine(data, SqliteSnapshotsFile.FileName));
        UseWriteAheadLog(journal);
        UseWriteAheadLog(Path.Combine(data, SqliteSnapshotsFile.FileName));
    }

    /// <summary>Creates <paramref name="file"/> if it does not exist and switches it to WAL mode (a property of the file).</summary>
    public static void UseWriteAheadLog(string file)
    {
        using var connection = SqliteFile.Open(file);
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode = WAL";
        var mode = command.ExecuteScalar() as string;
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"could not switch {file} to WAL mode (journal_mode is '{mode}')");
        }
    }
}
