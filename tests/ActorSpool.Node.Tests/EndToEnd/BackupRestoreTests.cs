using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using ActorSpool.Node.Hosting;
using ActorSpool.Node.Management;
using ActorSpool.Node.Tests.Management;
using ActorSpool.Protocols.Ipp;
using ActorSpool.Simulators;
using ActorSpool.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace ActorSpool.Node.Tests.EndToEnd;

/// <summary>
/// Backups as docs/backup.md describes them, with real parts: <c>spoolctl storage backup</c> of a SQLite node while
/// jobs keep arriving, restored by copying the files into a fresh node's data directory; <c>pg_dump</c> of a
/// PostgreSQL node, restored with <c>pg_restore</c> into another server. The fresh node lists every job acknowledged
/// before the backup began, with its state, and prints every unfinished one with its bytes intact.
/// </summary>
public sealed class BackupRestoreTests : IDisposable
{
    private const string Token = "backup-token";
    private static readonly Dictionary<string, string> WithToken = new() { ["SPOOLCTL_TOKEN"] = Token };

    /// <summary>Snapshots every few events, so that the backup copies snapshots as well as events.</summary>
    private const string FrequentSnapshots = "actorspool.spool.snapshot-every = 5";

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };
    private readonly ConcurrentDictionary<long, byte[]> _documents = new();

    [Fact]
    public async Task A_sqlite_backup_taken_while_jobs_arrive_restores_into_a_fresh_node_that_lists_and_prints_every_acknowledged_job()
    {
        using var directory = new TempDirectory();
        await using var printer = await Printers.SimulatorAsync("p1");
        var printers = Printers.WriteFile(directory.Path, [printer], "  office { printers = [p1] }");
        var backup = Path.Combine(directory.Path, "backup");
        List<long> printed = [], held = [], pending = [];
        var arrivals = new ConcurrentQueue<(long Id, bool BeforeBackup)>();
        JsonNode report;

        await using (var node = await StartAsync(Options(Path.Combine(directory.Path, "original"), printers)))
        {
            var host = CommandHost(node);
            for (var i = 0; i < 3; i++) printed.Add(await SubmitAsync(node));
            await WaitForStatesAsync(host, printed, "completed");
            await SpoolctlAsync(host, "queue", "pause", "-q", "office");
            for (var i = 0; i < 4; i++) held.Add(await SubmitAsync(node, holdUntil: "indefinite"));
            for (var i = 0; i < 8; i++) pending.Add(await SubmitAsync(node));

            // Jobs keep arriving before, during and after the backup; each is marked by whether its acknowledgement came
            // before the backup began (the flag is set before spoolctl starts).
            var backupBegun = 0;
            using var stop = new CancellationTokenSource();
            var submitter = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    var id = await SubmitAsync(node);
                    arrivals.Enqueue((id, Volatile.Read(ref backupBegun) == 0));
                }
            });
            await Eventually.WaitUntilAsync(() => arrivals.Count >= 5 || submitter.IsCompleted, "jobs arriving before the backup");
            Interlocked.Exchange(ref backupBegun, 1);
            var run = await SpoolctlProcess.RunAsync([host, "storage", "backup", "--to", backup, "--json"], environment: WithToken);
            var afterBackup = arrivals.Count;
            await Eventually.WaitUntilAsync(() => arrivals.Count >= afterBackup + 5 || submitter.IsCompleted, "jobs arriving after the backup");
            await stop.CancelAsync();
            await submitter;

            Assert.True(run.ExitCode == 0, run.ToString());
            report = JsonNode.Parse(run.Output)!;
        }

        var acknowledgedBefore = printed.Concat(held).Concat(pending).Concat(arrivals.Where(a => a.BeforeBackup).Select(a => a.Id)).ToList();
        Assert.Equal(["snapshots.db", "actorspool.db", "documents.db"], report["files"]!.AsArray().Select(f => (string)f!["name"]!));
        Assert.Equal(report["files"]!.AsArray().Select(f => (string)f!["name"]!).Order(), Directory.GetFiles(backup).Select(Path.GetFileName).Order());
        foreach (var file in report["files"]!.AsArray())
        {
            Assert.Equal((long)file!["bytes"]!, new FileInfo(Path.Combine(backup, (string)file["name"]!)).Length);
        }
        Assert.InRange((int)report["jobs"]!, acknowledgedBefore.Count, acknowledgedBefore.Count + arrivals.Count);

        // Restore: the backup's files into the empty data directory of a new node.
        var restored = Path.Combine(directory.Path, "restored");
        Directory.CreateDirectory(restored);
        foreach (var file in Directory.GetFiles(backup)) File.Copy(file, Path.Combine(restored, Path.GetFileName(file)));
        var printedBeforeRestore = printer.ReceivedJobs.Count;
        Dictionary<long, string> listed;
        long afterRestore;
        await using (var node = await StartAsync(Options(restored, printers)))
        {
            var host = CommandHost(node);
            listed = await ListJobsAsync(host);
            Assert.All(printed, id => Assert.Equal("completed", listed.GetValueOrDefault(id)));
            Assert.All(held, id => Assert.Equal("pending-held", listed.GetValueOrDefault(id)));
            Assert.All(pending.Concat(arrivals.Where(a => a.BeforeBackup).Select(a => a.Id)), id => Assert.Equal("pending", listed.GetValueOrDefault(id)));
            Assert.Subset(printed.Concat(held).Concat(pending).Concat(arrivals.Select(a => a.Id)).ToHashSet(), listed.Keys.ToHashSet());

            // The pause was in the journal too: nothing printed until the queue is resumed and the held jobs released.
            var queue = await SpoolctlAsync(host, "queue", "show", "-q", "office", "--json");
            Assert.True((bool)JsonNode.Parse(queue.Output)!["paused"]!, queue.ToString());
            await SpoolctlAsync(host, "queue", "resume", "-q", "office");
            foreach (var id in held) await SpoolctlAsync(host, "job", "release", "-j", id.ToString(CultureInfo.InvariantCulture));
            // Ids only grow: a job taken after the restore gets a new one.
            afterRestore = await SubmitAsync(node);
            Assert.True(afterRestore > listed.Keys.Max(), $"job {afterRestore} after the restore, {listed.Keys.Max()} in the backup");

            var unfinished = listed.Where(j => j.Value != "completed").Select(j => j.Key).Append(afterRestore).ToList();
            await WaitForStatesAsync(host, unfinished, "completed");
            Assert.Equal(unfinished.Select(id => Convert.ToHexString(_documents[id])).Order(),
                printer.ReceivedJobs.Skip(printedBeforeRestore).Select(j => Convert.ToHexString(j.Data!)).Order());
        }

        // The restored node goes on from the backup: what happened after the restore survives its next start.
        await using (var node = await StartAsync(Options(restored, printers)))
        {
            var again = await ListJobsAsync(CommandHost(node));
            Assert.Equal(listed.Keys.Append(afterRestore).Order(), again.Keys.Order());
            Assert.All(again.Values, state => Assert.Equal("completed", state));
        }
    }

    [Fact]
    public async Task A_pg_dump_restored_with_pg_restore_into_another_server_gives_a_fresh_node_every_job()
    {
        using var directory = new TempDirectory();
        await using var printer = await Printers.SimulatorAsync("p1");
        var printers = Printers.WriteFile(directory.Path, [printer], "  office { printers = [p1] }");
        var dump = Path.Combine(directory.Path, "actorspool.dump");
        List<long> printed = [], held = [];

        await using (var source = await ThrowawayPostgres.StartAsync())
        await using (var node = await StartAsync(Options(Path.Combine(directory.Path, "original"), printers) with { Database = source.ConnectionString }))
        {
            var host = CommandHost(node);
            for (var i = 0; i < 2; i++) printed.Add(await SubmitAsync(node));
            await WaitForStatesAsync(host, printed, "completed");
            for (var i = 0; i < 5; i++) held.Add(await SubmitAsync(node, holdUntil: "indefinite"));

            var refused = await SpoolctlProcess.RunAsync([host, "storage", "backup", "--to", Path.Combine(directory.Path, "nothing")], environment: WithToken);
            Assert.True(refused.ExitCode == 1, refused.ToString());
            Assert.Contains("pg_dump", refused.Error);
            Assert.False(Directory.Exists(Path.Combine(directory.Path, "nothing")));

            // Online: pg_dump reads one snapshot of the database while the node runs.
            await source.RunClientToolAsync("pg_dump", ["-Fc", "-f", dump, "-d", "actorspool"]);
        }

        var printedBeforeRestore = printer.ReceivedJobs.Count;
        await using var target = await ThrowawayPostgres.StartAsync();
        await target.RunClientToolAsync("pg_restore", ["--clean", "--if-exists", "--no-owner", "-d", "actorspool", dump]);
        await using (var node = await StartAsync(Options(Path.Combine(directory.Path, "fresh"), printers) with { Database = target.ConnectionString }))
        {
            var host = CommandHost(node);
            var listed = await ListJobsAsync(host);
            Assert.Equal(printed.Concat(held).Order(), listed.Keys.Order());
            Assert.All(printed, id => Assert.Equal("completed", listed[id]));
            Assert.All(held, id => Assert.Equal("pending-held", listed[id]));

            foreach (var id in held) await SpoolctlAsync(host, "job", "release", "-j", id.ToString(CultureInfo.InvariantCulture));
            await WaitForStatesAsync(host, held, "completed");
            Assert.Equal(held.Select(id => Convert.ToHexString(_documents[id])).Order(),
                printer.ReceivedJobs.Skip(printedBeforeRestore).Select(j => Convert.ToHexString(j.Data!)).Order());
        }
    }

    public void Dispose() => _http.Dispose();

    private static NodeOptions Options(string dataDirectory, string printers) =>
        InProcessNode.Options(dataDirectory, printers) with { CommandToken = Token };

    private static Task<InProcessNode> StartAsync(NodeOptions options) => InProcessNode.StartAsync(options, FrequentSnapshots);

    private static string CommandHost(InProcessNode node) =>
        $"127.0.0.1:{node.Services.GetRequiredService<CommandHost>().Endpoint.Port}";

    /// <summary>Submits a job whose document (16 KiB, unique) is remembered by its id; asserts that it was accepted.</summary>
    private async Task<long> SubmitAsync(InProcessNode node, string? holdUntil = null)
    {
        var document = RandomNumberGenerator.GetBytes(16 * 1024);
        var answer = await new IppClient(_http).PrintJobAsync(node.QueueUri("office"), new MemoryStream(document), "alice", "backup-test", holdUntil: holdUntil);
        Assert.True(answer.Status == IppStatusCode.SuccessfulOk, $"{answer.Status}: {answer.StatusMessage}");
        _documents[answer.JobId] = document;
        return answer.JobId;
    }

    private static async Task<SpoolctlRun> SpoolctlAsync(string host, params string[] args)
    {
        var run = await SpoolctlProcess.RunAsync([host, .. args], environment: WithToken);
        Assert.True(run.ExitCode == 0, $"spoolctl {string.Join(' ', args)}: {run}");
        return run;
    }

    /// <summary>Every job the node's queues hold: id → state, from <c>spoolctl job list --json</c>.</summary>
    private static async Task<Dictionary<long, string>> ListJobsAsync(string host)
    {
        var run = await SpoolctlAsync(host, "job", "list", "-s", "all", "-n", "100000", "--json");
        return JsonNode.Parse(run.Output)!.AsArray().ToDictionary(j => (long)j!["id"]!, j => (string)j!["state"]!);
    }

    /// <summary>Waits until every job of <paramref name="ids"/> is in <paramref name="state"/>; the timeout names those that are not.</summary>
    private static Task WaitForStatesAsync(string host, IReadOnlyCollection<long> ids, string state) =>
        Eventually.ValueAsync(async () =>
            {
                var jobs = await ListJobsAsync(host);
                return string.Join(", ", ids.Where(id => jobs.GetValueOrDefault(id) != state).Select(id => $"{id} {jobs.GetValueOrDefault(id) ?? "missing"}"));
            },
            others => others.Length == 0, TimeSpan.FromMinutes(2), $"{ids.Count} job(s) {state}");
}
