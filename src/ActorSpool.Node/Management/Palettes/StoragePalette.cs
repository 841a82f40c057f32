using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using ActorSpool.Actors.Storage;
using ActorSpool.Contracts.Spoolctl;
using ActorSpool.Domain.Jobs;
using ActorSpool.Node.Hosting;
using ActorSpool.Node.Management.Catalogs;
using static ActorSpool.Domain.Messages.JobQueueProtocol;
using static ActorSpool.Node.Management.Define;

namespace ActorSpool.Node.Management.Palettes;

/// <summary><c>storage</c>: an online, consistent backup of the embedded SQLite databases (docs/backup.md).</summary>
public sealed class StoragePalette(NodeOptions options, JobCatalog jobs, ILogger<StoragePalette> log) : ICommandPalette
{
    /// <summary>Two backups at once would only compete for the disk; the second is refused.</summary>
    private readonly SemaphoreSlim _oneBackup = new(1, 1);

    public PaletteDefinition Definition { get; } = new("storage", "This node's storage: an online backup of its SQLite databases",
    [
        Change("backup", "Copy the journal, snapshots and documents (SQLite) into a new or empty directory on the node's machine while the node runs; restore: docs/backup.md",
            Option("to", 't', "DIR", "absolute path on the node's machine; created if missing, must be empty", mandatory: true)),
    ]);

    /// <summary>The <c>--json</c> shape of <c>storage backup</c>.</summary>
    /// <param name="Jobs">Jobs the queues held when the backup began (every one of them acknowledged by then is in it).</param>
    /// <param name="DocumentJobs">Jobs whose id and documents the backed-up documents.db holds (orphans included).</param>
    public sealed record BackupView(string DataDirectory, string Directory, IReadOnlyList<BackupFileView> Files, long Bytes,
        int Jobs, int UnfinishedJobs, long DocumentJobs, double Seconds);

    public sealed record BackupFileView(string Name, long Bytes, double Seconds);

    public Task ExecuteAsync(CommandContext context, CancellationToken ct) => context.Verb.Name switch
    {
        "backup" => BackupAsync(context, ct),
        _ => throw CommandException.Usage($"storage: no verb {context.Verb.Name}"),
    };

    private async Task BackupAsync(CommandContext c, CancellationToken ct)
    {
        if (options.UsesPostgres)
        {
            throw new CommandException("storage backup: this node keeps its jobs in PostgreSQL, which it does not copy; " +
                "back that database up with pg_dump -Fc and restore it with pg_restore (docs/backup.md)");
        }
        var target = c.Required("to");
        if (SqliteBackup.RefuseTarget(target) is { } refusal) throw new CommandException($"storage backup: {refusal}");
        if (!await _oneBackup.WaitAsync(0, ct)) throw new CommandException("storage backup: another backup is running on this node; wait for it to finish");
        try
        {
            var data = Path.GetFullPath(options.DataDirectory);
            var started = Stopwatch.GetTimestamp();
            // Asked before the copy starts: every job acknowledged by then is durable in the journal the copy reads.
            var known = await jobs.GatherAsync(jobs.Topology.QueueNames, JobFilter.All, null, ct);
            IReadOnlyList<BackedUpFile> files;
            long documentJobs;
            try
            {
                files = await Task.Run(() => SqliteBackup.Run(data, target, ct), ct);
                documentJobs = SqliteBackup.CountDocumentJobs(Path.Combine(target, SqliteDocumentsFile.FileName));
            }
            catch (Exception e) when (e is IOException or DbException or UnauthorizedAccessException or InvalidDataException or InvalidOperationException)
            {
                throw new CommandException($"storage backup: failed, nothing of it is left in {target}: {e.Message} ({Room(data, target)})");
            }
            var took = Stopwatch.GetElapsedTime(started);
            var view = new BackupView(data, target,
                files.Select(f => new BackupFileView(f.Name, f.Bytes, Math.Round(f.Took.TotalSeconds, 3))).ToList(),
                files.Sum(f => f.Bytes), known.Count, known.Count(j => !j.State.IsTerminal()), documentJobs, Math.Round(took.TotalSeconds, 3));
            log.LogInformation("Backup of {Data} written to {Target}: {Bytes} bytes, {Jobs} jobs, {Seconds:0.###} s",
                data, target, view.Bytes, view.Jobs, took.TotalSeconds);

            var table = new TextTable("FILE", "SIZE", "TIME");
            foreach (var f in view.Files) table.Add(f.Name, Show.Size(f.Bytes), Seconds(f.Seconds));
            await c.ReportAsync(view,
            [
                $"Backup of {data} written to {target} in {Seconds(view.Seconds)} (each file checked with SQLite's quick_check):",
                .. table.Lines().Select(line => "  " + line),
                $"Jobs: {view.Jobs} in the queues when the backup began ({view.UnfinishedJobs} unfinished); documents of {view.DocumentJobs} job(s) in {SqliteDocumentsFile.FileName}",
                "Restore: copy these files into the empty data directory of a stopped or new node and start it (docs/backup.md)",
            ], ct);
        }
        finally
        {
            _oneBackup.Release();
        }
    }

    /// <summary>The space a backup needs and the space where it goes, for a failure that may be a full disk.</summary>
    private static string Room(string data, string target)
    {
        var needed = $"the databases take {Show.Size(SqliteBackup.DatabaseBytes(data))}";
        var existing = Path.GetDirectoryName(target);
        while (existing is not null && !Directory.Exists(existing)) existing = Path.GetDirectoryName(existing);
        try
        {
            return existing is null ? needed : $"{needed}, {Show.Size(new DriveInfo(existing).AvailableFreeSpace)} is free in {existing}";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return needed;
        }
    }

    private static string Seconds(double seconds) => seconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";
}
