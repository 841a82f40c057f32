using System.Diagnostics;
using ActorSpool.Actors.Hosting;
using Microsoft.Data.Sqlite;

namespace ActorSpool.Actors.Storage;

/// <summary>One database file of a backup: its name, size and how long its copy took.</summary>
public sealed record BackedUpFile(string Name, long Bytes, TimeSpan Took);

/// <summary>
/// An online backup of the embedded data directory with SQLite's backup API: each database is copied in one read
/// transaction (a consistent state of that file, taken while the node keeps writing; WAL mode lets writers go on).
/// The files are copied in the order that keeps them consistent with each other (see <see cref="Order"/>).
/// </summary>
public static class SqliteBackup
{
    /// <summary>
    /// Snapshots, then the journal, then the documents. No snapshot is newer than the journal copy (a queue saves a
    /// snapshot only of events already in the journal, and Akka's recovery numbers new events after the journal's
    /// highest one, so a snapshot ahead of the journal would hide the events written after a restore). Every job of the
    /// journal copy has its documents and its id in the documents copy: they are stored before the queue accepts the
    /// job, and ids only grow. Documents of jobs the journal copy does not know (accepted meanwhile, or refused) are
    /// orphans a restored node never reads.
    /// </summary>
    public static readonly IReadOnlyList<string> Order = [SqliteSnapshotsFile.FileName, SpoolPersistence.SqliteFileName, SqliteDocumentsFile.FileName];

    /// <summary>The suffix of a file being written; a backup directory that still has one is incomplete.</summary>
    public const string PartialSuffix = ".partial";

    /// <summary>Why <paramref name="target"/> cannot receive a backup, or null: it must be absolute and new or empty.</summary>
    public static string? RefuseTarget(string target)
    {
        if (!Path.IsPathFullyQualified(target))
        {
            return $"'{target}' is not an absolute path; give the backup directory as an absolute path on the node's machine";
        }
        if (File.Exists(target)) return $"{target} is a file; give a new or empty directory";
        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any())
        {
            return $"{target} is not empty; give a new or empty directory (a backup never overwrites files)";
        }
        return null;
    }

    /// <summary>
    /// Copies the databases of <paramref name="dataDirectory"/> into <paramref name="target"/> (created if missing,
    /// only the owner may read it: it holds every document), each checked with <c>PRAGMA quick_check</c>. Files are
    /// written under <see cref="PartialSuffix"/> names and renamed once all are complete; on failure nothing of the
    /// backup is left. <paramref name="ct"/> is looked at between files.
    /// </summary>
    public static IReadOnlyList<BackedUpFile> Run(string dataDirectory, string target, CancellationToken ct)
    {
        if (RefuseTarget(target) is { } refusal) throw new InvalidOperationException(refusal);
        var data = Path.GetFullPath(dataDirectory);
        var created = !Directory.Exists(target);
        if (created) CreatePrivateDirectory(target);
        var written = new List<string>();
        // No queue trims its journal between the snapshots' copy and the journal's (JournalTrimHold).
        using var trimHold = JournalTrimHold.Hold();
        try
        {
            var files = new List<BackedUpFile>();
            foreach (var name in Order)
            {
                ct.ThrowIfCancellationRequested();
                var partial = Path.Combine(target, name + PartialSuffix);
                written.Add(partial);
                files.Add(Copy(Path.Combine(data, name), partial, name));
            }
            foreach (var name in Order)
            {
                File.Move(Path.Combine(target, name + PartialSuffix), Path.Combine(target, name));
                written.Add(Path.Combine(target, name));
            }
            return files;
        }
        catch
        {
            SqliteConnection.ClearAllPools();
            foreach (var file in written) File.Delete(file);
            if (created) Directory.Delete(target, recursive: true);
            throw;
        }
    }

    /// <summary>What the databases of <paramref name="dataDirectory"/> take, their <c>-wal</c> files included: about what a backup needs.</summary>
    public static long DatabaseBytes(string dataDirectory) =>
        Order.SelectMany(name => new[] { name, name + "-wal" })
            .Select(name => new FileInfo(Path.Combine(dataDirectory, name)))
            .Sum(file => file.Exists ? file.Length : 0);

    /// <summary>The number of jobs whose id and documents a backed-up <c>documents.db</c> holds.</summary>
    public static long CountDocumentJobs(string documentsFile)
    {
        using var connection = OpenExisting(documentsFile);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM spool_job";
        return (long)command.ExecuteScalar()!;
    }

    private static BackedUpFile Copy(string source, string destination, string name)
    {
        if (!File.Exists(source)) throw new FileNotFoundException($"{source} does not exist; is this the node's data directory?", source);
        var started = Stopwatch.GetTimestamp();
        // Created first so that it is private from its first byte (SQLite would create it with the umask's mode).
        CreatePrivateFile(destination).Dispose();
        using (var from = OpenExisting(source))
        using (var to = OpenExisting(destination))
        {
            // One step (-1): the whole file in one read transaction of the source, so one consistent state of it.
            from.BackupDatabase(to);
            // A single self-contained file (no -wal beside it): the node switches it back to WAL when it starts.
            SqliteFile.Execute(to, "PRAGMA journal_mode = DELETE");
            using var check = to.CreateCommand();
            check.CommandText = "PRAGMA quick_check";
            var verdict = check.ExecuteScalar() as string;
            if (verdict != "ok") throw new InvalidDataException($"the copy of {name} failed SQLite's quick_check: {verdict}");
        }
        return new BackedUpFile(name, new FileInfo(destination).Length, Stopwatch.GetElapsedTime(started));
    }

    private static SqliteConnection OpenExisting(string file)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = file,
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = false,
            DefaultTimeout = 30,
        }.ConnectionString);
        connection.Open();
        SqliteFile.Execute(connection, "PRAGMA busy_timeout = 30000");
        return connection;
    }

    private static void CreatePrivateDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
            return;
        }
        Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private static FileStream CreatePrivateFile(string file)
    {
        if (OperatingSystem.IsWindows()) return new FileStream(file, FileMode.CreateNew, FileAccess.Write);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite };
        return new FileStream(file, options);
    }
}
