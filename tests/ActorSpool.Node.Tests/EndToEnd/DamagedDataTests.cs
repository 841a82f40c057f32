using System.Text;
using ActorSpool.Actors.Storage;
using ActorSpool.Node.Hosting;
using ActorSpool.Protocols.Ipp;
using ActorSpool.Simulators;
using ActorSpool.TestSupport;
using Microsoft.Data.Sqlite;

namespace ActorSpool.Node.Tests.EndToEnd;

/// <summary>
/// A node process never starts on a damaged data directory: a truncated or overwritten database file, or a WAL lost
/// after a crash, stops the start with one line naming the file and pointing at docs/reliability.md, exit code 6.
/// The same directories intact start and list every job.
/// </summary>
public sealed class DamagedDataTests : IAsyncLifetime
{
    private const int JobCount = 12;
    private readonly TempDirectory _dir = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };
    private AppSocketPrinterSimulator _printer = null!;
    private string _printers = null!;

    public async Task InitializeAsync()
    {
        _printer = await Printers.SimulatorAsync("lj-1");
        _printers = Printers.WriteFile(_dir.Path, [_printer], "  office { printers = [lj-1] }");
    }

    public async Task DisposeAsync()
    {
        await _printer.DisposeAsync();
        _http.Dispose();
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }

    [Fact]
    public async Task A_truncated_or_overwritten_database_file_stops_the_start_with_one_line_naming_it()
    {
        var original = Path.Combine(_dir.Path, "original");
        int[] accepted;
        await using (var node = await NodeProcess.StartAsync(original, _printers))
        {
            accepted = await SubmitAsync(node);
            await node.StopAsync();
        }

        // A clean stop checkpoints every WAL and removes the running marker.
        Assert.False(File.Exists(Path.Combine(original, SqliteDataDirectory.RunningMarker)));

        foreach (var name in SqliteDataDirectory.DatabaseFiles)
        {
            foreach (var (damage, how) in new (string, Action<string>)[] { ("truncated", Truncate), ("overwritten", OverwriteMiddlePage) })
            {
                var copy = CopyOf(original, $"{name}-{damage}");
                how(Path.Combine(copy, name));
                await AssertRefusedAsync(copy, Path.Combine(copy, name), $"{name} {damage}");
            }
        }

        var emptied = CopyOf(original, "emptied");
        File.WriteAllBytes(Path.Combine(emptied, SqliteDataDirectory.DatabaseFiles[0]), []);
        await AssertRefusedAsync(emptied, Path.Combine(emptied, SqliteDataDirectory.DatabaseFiles[0]), "journal emptied");

        // The same directory undamaged starts and lists every job.
        await AssertStartsWithAsync(CopyOf(original, "intact"), accepted);
    }

    [Fact]
    public async Task After_a_SIGKILL_the_directory_starts_with_every_job_but_not_without_its_WAL()
    {
        var original = Path.Combine(_dir.Path, "original");
        var node = await NodeProcess.StartAsync(original, _printers);
        int[] accepted;
        try
        {
            accepted = await SubmitAsync(node);
        }
        finally
        {
            await node.KillAsync();
            await node.DisposeAsync();
        }

        var journal = SqliteDataDirectory.DatabaseFiles[0];
        Assert.True(File.Exists(Path.Combine(original, SqliteDataDirectory.RunningMarker)));
        Assert.True(new FileInfo(Path.Combine(original, journal + "-wal")).Length > 0, "the killed node left no WAL to lose; the test proves nothing");

        // Without its WAL the journal file alone lacks committed events: starting on it would lose jobs silently.
        var probe = CopyOf(original, "probe");
        File.Delete(Path.Combine(probe, journal + "-wal"));
        File.Delete(Path.Combine(probe, journal + "-shm"));
        Assert.True(JournalRows(Path.Combine(probe, journal)) < JournalRows(Path.Combine(CopyOf(original, "probe-intact"), journal)));

        var lost = CopyOf(original, "lost-wal");
        File.Delete(Path.Combine(lost, journal + "-wal"));
        await AssertRefusedAsync(lost, Path.Combine(lost, journal + "-wal"), "journal WAL deleted");

        await AssertStartsWithAsync(CopyOf(original, "intact"), accepted);
    }

    private async Task<int[]> SubmitAsync(NodeProcess node)
    {
        await node.WaitForReadyAsync();
        var client = new IppClient(_http);
        var ids = new List<int>();
        for (var n = 0; n < JobCount; n++)
        {
            var document = Encoding.ASCII.GetBytes($"JOB-{n}-" + new string('.', 1500));
            var result = await client.PrintJobAsync(node.QueueUri("office"), new MemoryStream(document), "alice", $"job {n}");
            Assert.Equal(IppStatusCode.SuccessfulOk, result.Status);
            ids.Add(result.JobId);
        }

        return [.. ids];
    }

    private async Task AssertStartsWithAsync(string dataDirectory, int[] accepted)
    {
        await using var node = await NodeProcess.StartAsync(dataDirectory, _printers);
        await node.WaitForReadyAsync();
        var jobs = await new IppClient(_http).GetJobsAsync(node.QueueUri("office"), "all", limit: int.MaxValue);
        Assert.Equal(accepted.Order(), jobs.Select(j => (int)j["job-id"]!).Order());
        await node.StopAsync();
    }

    private async Task AssertRefusedAsync(string dataDirectory, string damagedFile, string what)
    {
        var (code, output) = await NodeProcess.RunToExitAsync(
            ["--data", dataDirectory, "--printers", _printers, "--ipp-port", "0", "--http-port", "0", "--node-port", "0", "--cmd-port", "0"]);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(code == StartupException.DamagedData, $"{what}: exit code {code}, output:\n{output}");
        var line = Assert.Single(lines);
        Assert.StartsWith($"actorspool: {damagedFile} ", line);
        Assert.Contains("docs/reliability.md", line);
    }

    private string CopyOf(string source, string name)
    {
        var target = Directory.CreateDirectory(Path.Combine(_dir.Path, name)).FullName;
        foreach (var file in Directory.GetFiles(source).Where(f => !f.EndsWith(".log", StringComparison.Ordinal)))
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        foreach (var directory in Directory.GetDirectories(source))
        {
            var sub = Directory.CreateDirectory(Path.Combine(target, Path.GetFileName(directory))).FullName;
            foreach (var file in Directory.GetFiles(directory)) File.Copy(file, Path.Combine(sub, Path.GetFileName(file)));
        }

        return target;
    }

    private static void Truncate(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Write);
        stream.SetLength(stream.Length / 2 + 100);
    }

    /// <summary>
    /// Overwrites a page in the middle of the file with garbage (what a bad sector or a stray write leaves); in
    /// documents.db the root page of the documents' metadata, since its document data is not checked at start.
    /// </summary>
    private static void OverwriteMiddlePage(string file)
    {
        const int pageSize = 4096; // SQLite's default, which the node keeps
        long page;
        if (Path.GetFileName(file) == SqliteDocumentsFile.FileName)
        {
            using var connection = new SqliteConnection($"Data Source={file};Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT rootpage FROM sqlite_master WHERE name = 'spool_document'";
            page = (long)command.ExecuteScalar()! - 1;
        }
        else
        {
            page = Math.Max(1, new FileInfo(file).Length / pageSize / 2);
        }

        using var stream = new FileStream(file, FileMode.Open, FileAccess.Write);
        var garbage = new byte[pageSize];
        new Random(14).NextBytes(garbage);
        stream.Position = page * pageSize;
        stream.Write(garbage);
    }

    private static long JournalRows(string journalFile)
    {
        using var connection = new SqliteConnection($"Data Source={journalFile};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        // The journal's table may itself exist only in the WAL (created during the run).
        command.CommandText = "SELECT count(*) FROM sqlite_master WHERE name = 'journal'";
        if ((long)command.ExecuteScalar()! == 0) return 0;
        command.CommandText = "SELECT count(*) FROM journal";
        return (long)command.ExecuteScalar()!;
    }
}
