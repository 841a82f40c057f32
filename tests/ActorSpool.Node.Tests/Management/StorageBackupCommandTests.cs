using System.Text.RegularExpressions;
using ActorSpool.Node.Tests.EndToEnd;
using ActorSpool.TestSupport;
using Microsoft.Data.Sqlite;

namespace ActorSpool.Node.Tests.Management;

/// <summary>
/// <c>spoolctl storage backup</c> run as the operator runs it: what it writes, and every target it refuses without
/// writing anything (the full restore is in <see cref="BackupRestoreTests"/>).
/// </summary>
public sealed class StorageBackupCommandTests(CommandHostNodeFixture node) : IClassFixture<CommandHostNodeFixture>
{
    private static readonly Dictionary<string, string> WithToken = new() { ["SPOOLCTL_TOKEN"] = CommandHostNodeFixture.Token };

    private string Host => $"127.0.0.1:{node.CommandPort}";

    private Task<SpoolctlRun> BackupAsync(string target, IReadOnlyDictionary<string, string>? environment) =>
        SpoolctlProcess.RunAsync([Host, "storage", "backup", "--to", target], environment: environment);

    [Fact]
    public async Task A_backup_into_an_empty_directory_writes_the_three_databases_private_and_self_contained()
    {
        await node.SubmitAsync("office", "kept in the backup");
        using var directory = new TempDirectory();

        var run = await BackupAsync(directory.Path, WithToken);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.StartsWith("Backup of ", run.Lines[0]);
        Assert.Equal(["FILE", "SIZE", "TIME"], run.Lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["snapshots.db", "actorspool.db", "documents.db"], run.Lines.Skip(2).Take(3).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0]));
        Assert.Matches(@"^Jobs: [1-9]\d* in the queues when the backup began \(\d+ unfinished\); documents of [1-9]\d* job\(s\) in documents\.db$", run.Lines[5]);
        Assert.Equal(["actorspool.db", "documents.db", "snapshots.db"], Directory.GetFiles(directory.Path).Select(Path.GetFileName).Order());
        foreach (var file in Directory.GetFiles(directory.Path))
        {
            if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            // Rollback mode: the file alone is the whole database, whatever copies it.
            using var connection = new SqliteConnection($"Data Source={file};Mode=ReadOnly;Pooling=False");
            connection.Open();
            using var mode = connection.CreateCommand();
            mode.CommandText = "PRAGMA journal_mode";
            Assert.Equal("delete", mode.ExecuteScalar() as string);
        }
    }

    [Fact]
    public async Task Targets_that_are_relative_not_empty_or_a_file_are_refused_and_left_as_they_were()
    {
        using var directory = new TempDirectory();
        var occupied = Path.Combine(directory.Path, "occupied");
        Directory.CreateDirectory(occupied);
        await File.WriteAllTextAsync(Path.Combine(occupied, "notes.txt"), "mine");
        var file = Path.Combine(directory.Path, "a-file");
        await File.WriteAllTextAsync(file, "mine too");

        var relative = await BackupAsync("backups/today", WithToken);
        Assert.True(relative.ExitCode == 1, relative.ToString());
        Assert.Contains("'backups/today' is not an absolute path", relative.Error);

        var notEmpty = await BackupAsync(occupied, WithToken);
        Assert.True(notEmpty.ExitCode == 1, notEmpty.ToString());
        Assert.Contains($"{occupied} is not empty", notEmpty.Error);
        Assert.Equal(["notes.txt"], Directory.GetFileSystemEntries(occupied).Select(Path.GetFileName));
        Assert.Equal("mine", await File.ReadAllTextAsync(Path.Combine(occupied, "notes.txt")));

        var aFile = await BackupAsync(file, WithToken);
        Assert.True(aFile.ExitCode == 1, aFile.ToString());
        Assert.Contains($"{file} is a file", aFile.Error);
        Assert.Equal("mine too", await File.ReadAllTextAsync(file));

        var untrusted = await BackupAsync(Path.Combine(directory.Path, "new"), environment: null);
        Assert.True(untrusted.ExitCode == 3, untrusted.ToString());
        Assert.Contains("requires its command token", untrusted.Error);
        Assert.False(Directory.Exists(Path.Combine(directory.Path, "new")));
    }

    [TmpfsFact]
    public async Task A_backup_that_runs_out_of_space_leaves_nothing_behind_and_the_node_goes_on()
    {
        await node.SubmitAsync("office", new string('x', 64 * 1024));
        using var mount = new TempDirectory();
        SpoolDiskTests.Mount(mount.Path);
        try
        {
            // Room for a part of the backup only: the documents alone are larger.
            var room = new DriveInfo(mount.Path).AvailableFreeSpace - 48 * 1024;
            using (new FileStream(Path.Combine(mount.Path, "filler"), new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, PreallocationSize = room }))
            {
            }
            var target = Path.Combine(mount.Path, "backup");

            var run = await BackupAsync(target, WithToken);

            Assert.True(run.ExitCode == 1, run.ToString());
            Assert.Contains($"storage backup: failed, nothing of it is left in {target}", run.Error);
            Assert.Matches($@"the databases take [\d.]+ [KMG]?i?B, [\d.]+ [KMG]?i?B is free in {Regex.Escape(mount.Path)}\)", run.Error);
            Assert.False(Directory.Exists(target));
            await node.SubmitAsync("office", "still accepted");
        }
        finally
        {
            SpoolDiskTests.Unmount(mount.Path);
        }
    }
}
