using ActorSpool.Actors.Hosting;
using Microsoft.Data.Sqlite;

namespace ActorSpool.Actors.Storage;

/// <summary>
/// The embedded default's data directory: <c>actorspool.db</c> (journal), <c>snapshots.db</c> and
/// <c>documents.db</c>. Checked and prepared once before the actor system starts, while nothing else has the files open.
/// </summary>
public static class SqliteDataDirectory
{
    /// <summary>
    /// Present while a node runs on the directory; removed by a clean stop once every WAL is checkpointed into its
    /// database. Found at start, it says the last run did not stop cleanly, so each database's committed but not yet
    /// checkpointed transactions are in its <c>-wal</c> file, which must be there.
    /// </summary>
    public const string RunningMarker = "actorspool.running";

    /// <summary>
    /// What of <c>documents.db</c> is checked at start: the job rows and the documents' metadata. Its document data
    /// (spool_document_chunk, nearly all of the file) is not read: 2 GB took 10 s with a cold cache. Damage there
    /// surfaces when the document is read for printing (every read checks the document's SHA-256). The journal and
    /// the snapshots are checked whole: the journal is what lists the jobs.
    /// </summary>
    private static readonly string[] CheckedDocumentTables = ["spool_job", "spool_document"];

    /// <summary>The three database files, in the order they are checked.</summary>
    public static IReadOnlyList<string> DatabaseFiles { get; } = [SpoolPersistence.SqliteFileName, SqliteSnapshotsFile.FileName, SqliteDocumentsFile.FileName];

    /// <summary>
    /// Checks the files (<see cref="DamagedDataFileException"/> when one is damaged or a WAL is missing), moves tables
    /// of older layouts into their own files, puts all three files in WAL mode and marks the directory as in use.
    /// Dispose the result when the node has stopped (after the actor system and the document store): that
    /// checkpoints the WALs and removes the marker.
    /// <para>
    /// Why WAL: Akka.Persistence.Sql creates its files in SQLite's default rollback mode, where every commit creates,
    /// syncs and deletes a <c>-journal</c> file beside the database and syncs the database itself: three syncs and
    /// two file-system operations per journal write, about half the CPU of a job at one client. In WAL mode a commit
    /// appends to the <c>-wal</c> file and syncs only that (synchronous=FULL, the SQLite default the journal's
    /// connections keep), which is as durable.
    /// </para>
    /// </summary>
    public static SqliteDataDirectoryLease Prepare(string dataDirectory)
    {
        var data = Path.GetFullPath(dataDirectory);
        Directory.CreateDirectory(data);
        var marker = Path.Combine(data, RunningMarker);
        var files = DatabaseFiles.Select(name => Path.Combine(data, name)).ToList();
        if (File.Exists(marker))
        {
            foreach (var file in files.Where(f => File.Exists(f) && SqliteFileCheck.HeaderProblem(f) is null && SqliteFileCheck.IsWriteAheadLogMode(f) && !File.Exists(f + "-wal")))
            {
                throw new DamagedDataFileException(file + "-wal",
                    $"is missing: the last run did not stop cleanly ({RunningMarker} is still there), so {Path.GetFileName(file)}'s latest commits were in it");
            }
        }

        var lease = new SqliteDataDirectoryLease(marker);
        try
        {
            // Each existing file is checked on the connection that then stays open while the node runs: SQLite deletes
            // a -wal file when the last connection closes, and it must not vanish between the check and the marker.
            foreach (var file in files.Where(File.Exists))
            {
                if (SqliteFileCheck.HeaderProblem(file) is { } problem) throw new DamagedDataFileException(file, problem);
                SqliteFileCheck.QuickCheck(lease.Keep(file), file, file == files[2] ? CheckedDocumentTables : null);
            }

            var journal = files[0];
            SqliteDocumentsFile.MoveFromJournalFile(journal, files[2]);
            SqliteSnapshotsFile.MoveFromJournalFile(journal, files[1]);
            foreach (var file in files)
            {
                UseWriteAheadLog(file);
                lease.Keep(file);
            }

            lease.MarkRunning();
            return lease;
        }
        catch
        {
            lease.Dispose(); // the files checked so far are left checkpointed, as by a clean stop
            throw;
        }
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

/// <summary>
/// The data directory in use by a running node: one idle connection per database file that has read it, so each
/// <c>-wal</c> file exists from before the marker is written until the clean stop, and the marker itself.
/// </summary>
public sealed class SqliteDataDirectoryLease : IDisposable
{
    private readonly string _marker;
    private readonly Dictionary<string, SqliteConnection> _kept = new(StringComparer.Ordinal);
    private bool _closed;

    internal SqliteDataDirectoryLease(string marker) => _marker = marker;

    /// <summary>The kept connection to <paramref name="file"/>, opened (and the file read once, which opens its WAL) on first use.</summary>
    internal SqliteConnection Keep(string file)
    {
        if (_kept.TryGetValue(file, out var kept)) return kept;
        var connection = SqliteFile.Open(file);
        try
        {
            SqliteFile.Execute(connection, "SELECT count(*) FROM sqlite_master");
        }
        catch
        {
            connection.Dispose();
            throw;
        }

        _kept.Add(file, connection);
        return connection;
    }

    internal void MarkRunning()
    {
        File.WriteAllText(_marker, $"pid {Environment.ProcessId}, started {DateTimeOffset.UtcNow:O}; removed when the node stops cleanly{Environment.NewLine}");
    }

    /// <summary>
    /// The clean stop, once nothing else writes (also a start refused after the checks began): every kept file's WAL
    /// is checkpointed into its database and truncated, then the marker is removed. Where a checkpoint cannot complete
    /// (a connection still reading, a damaged file), the marker stays, so the next start still insists on the -wal files.
    /// </summary>
    public void Dispose()
    {
        if (_closed) return;
        _closed = true;
        SqliteConnection.ClearAllPools(); // the journal's and the document store's idle connections
        var checkpointed = true;
        foreach (var connection in _kept.Values)
        {
            try
            {
                using var command = connection.CreateCommand();
                command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
                using var reader = command.ExecuteReader();
                checkpointed &= reader.Read() && reader.GetInt64(0) == 0; // busy = 0: every frame is in the database
            }
            catch (SqliteException)
            {
                checkpointed = false;
            }

            connection.Dispose();
        }

        _kept.Clear();
        if (checkpointed) File.Delete(_marker);
    }
}
