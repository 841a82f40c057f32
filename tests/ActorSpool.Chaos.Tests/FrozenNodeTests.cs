using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using ActorSpool.TestSupport;
using Xunit.Abstractions;

namespace ActorSpool.Chaos.Tests;

/// <summary>
/// Scenario 9: a node freezes (SIGSTOP: a stalled VM or host) while it delivers, the others down it and take over its
/// work, then it wakes (SIGCONT). It must not send anything more to a printer: the jobs it held are the survivors'
/// now, and printing them there too would print them twice. Which process sent a job is read from the printer's
/// side of the connection (the sender's port) and the frozen process's sockets in /proc.
/// </summary>
[Collection(ChaosCollection.Name)]
public sealed class FrozenNodeTests(PostgresFixture postgres, ITestOutputHelper output)
{
    private const int Jobs = 240;
    private const int Workers = 3;
    private static readonly TimeSpan Frozen = TimeSpan.FromSeconds(25);

    [Fact]
    public async Task A_node_frozen_and_downed_prints_nothing_when_it_wakes_and_the_survivors_deliver_its_jobs()
    {
        var md = new StringBuilder();
        await using var cluster = await ClusterHarness.StartAsync(postgres.Server, output, "frozen-node",
            new ClusterHarness.Options { Workers = Workers, PrinterDelay = TimeSpan.FromMilliseconds(300) });
        await ChaosReport.RunAsync("Scenario 9: a frozen node wakes after it was downed", cluster, output, md, async () =>
        {
            await cluster.Submitter.SubmitManyAsync(Enumerable.Range(1, Jobs), clients: 6).WaitAsync(TimeSpan.FromMinutes(3));
            var acked = cluster.Submitter.Acked;
            Assert.Equal(Jobs, acked.Count);
            await cluster.Ledger.WaitForCountAsync(15, TimeSpan.FromMinutes(1));

            // The queue's node (usually the balancer's too): on waking, its own copies of the queue and the balancer could
            // dispatch to its workers, besides the deliveries its workers and printer entities had in hand.
            var queueHost = cluster.QueueHost();
            var balancerHost = cluster.BalancerHost();
            var victim = queueHost >= 0 ? queueHost : balancerHost;
            var pid = cluster.Node(victim).ProcessId;
            var wokeAt = DateTimeOffset.MaxValue;
            var victimPorts = new ConcurrentDictionary<int, DateTimeOffset>(); // local port -> last seen open in the woken process
            var printsAfterWaking = new ConcurrentQueue<(string Printer, int? Port, DateTimeOffset At)>();
            foreach (var printer in cluster.Printers)
            {
                printer.JobReceived += job =>
                {
                    if (DateTimeOffset.UtcNow > wokeAt) printsAfterWaking.Enqueue((job.Printer, job.ClientPort, DateTimeOffset.UtcNow));
                };
            }

            var stoppedAt = await cluster.SignalAsync(victim, "STOP");
            var address = $@"127\.0\.0\.1:{cluster.RemotingPort(victim)}";
            var downed = await WaitForLogAsync(cluster, $@"(SBR is downing \[UniqueAddress: \([^ ,]*{address},|Marking node \[[^\]]*{address}\] as \[Down\])", stoppedAt);
            Assert.True(downed is not null, "the survivors did not down the frozen node");
            var resumed = await cluster.Ledger.WaitForAsync(p => p.ReceivedAt > downed.Value.Time, TimeSpan.FromSeconds(60));
            var left = stoppedAt + Frozen - DateTimeOffset.UtcNow;
            if (left > TimeSpan.Zero) await Task.Delay(left);
            var printedBeforeWaking = cluster.Ledger.Count;

            // Watch which local ports the woken process sends from, until it has exited.
            using var watching = new CancellationTokenSource();
            var watcher = Task.Run(async () =>
            {
                while (!watching.IsCancellationRequested)
                {
                    var now = DateTimeOffset.UtcNow;
                    foreach (var port in LocalTcpPortsOf(pid)) victimPorts[port] = now;
                    await Task.Delay(20);
                }
            });
            wokeAt = await cluster.SignalAsync(victim, "CONT");
            var exited = await Eventually.ValueAsync(() => Task.FromResult(cluster.IsRunning(victim) ? (int?)null : cluster.Node(victim).ExitCode),
                code => code is not null, TimeSpan.FromSeconds(90), "the woken node to stop");
            var exitedAt = DateTimeOffset.UtcNow;
            await watching.CancelAsync();
            await watcher;
            var held = cluster.GrepLogs("held: this node hears from too few cluster members").Count;
            cluster.Log($"{ClusterHarness.NodeName(victim)} woke and exited with {exited} after {(exitedAt - wokeAt).TotalSeconds:0.0} s");

            await cluster.RestartAsync(victim);
            var jobs = await cluster.WaitForAllTerminalAsync(acked.Select(a => a.JobId).ToList(), TimeSpan.FromMinutes(5));
            var outcome = await Outcome.AnalyseAsync(cluster, jobs);
            // A job came from the woken process if its sender's port was open there while the job arrived (a connection lasts
            // at least the printer's 300 ms); the port number alone could be a survivor's that reused it later.
            var byVictim = printsAfterWaking.Where(p => p.Port is { } port && victimPorts.TryGetValue(port, out var seen) && seen >= p.At - TimeSpan.FromSeconds(1)).ToList();

            md.AppendLine(CultureInfo.InvariantCulture, $"3 nodes × {Workers} workers on PostgreSQL, 3 printers (balance, 300 ms per job), {Jobs} jobs; {ClusterHarness.NodeName(victim)} (queue{(balancerHost == victim ? " and balancer" : "")}) frozen with SIGSTOP for {Frozen.TotalSeconds:0} s, then SIGCONT.");
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"- downed by the survivors {(downed.Value.Time - stoppedAt).TotalSeconds:0.0} s after SIGSTOP; first delivery by the survivors after that {Seconds(resumed?.ReceivedAt - stoppedAt)} after SIGSTOP; {printedBeforeWaking} printed before SIGCONT");
            md.AppendLine(CultureInfo.InvariantCulture, $"- after SIGCONT: the node exited with {exited} {(exitedAt - wokeAt).TotalSeconds:0.0} s later; deliveries it held at the fence: {held}; jobs printers received from it: **{byVictim.Count}** (must be 0); jobs received from the survivors meanwhile: {printsAfterWaking.Count(p => p.At < exitedAt) - byVictim.Count}");
            outcome.WriteTo(md);

            Assert.True(byVictim.Count == 0, $"the woken node sent {byVictim.Count} job(s) to printers after the cluster had downed it: {string.Join(", ", byVictim.Select(p => $"{p.Printer} at {p.At:HH:mm:ss.fff}"))}");
            Assert.Equal(4, exited); // NodeHost's exit code for "the cluster downed this node"
            // Each worker and printer entity of the frozen node may have had one job on the wire when it froze.
            outcome.AssertContract(maxDuplicates: Workers + cluster.Printers.Count);
        });
    }

    private static async Task<(DateTimeOffset Time, string Node, string Line)?> WaitForLogAsync(ClusterHarness cluster, string pattern, DateTimeOffset after)
    {
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTimeOffset.UtcNow < deadline)
        {
            if (cluster.FirstLogAfter(pattern, after) is { } hit) return hit;
            await Task.Delay(200);
        }
        return null;
    }

    /// <summary>The local TCP ports of the process's sockets (its /proc fd links matched with /proc/net/tcp and tcp6).</summary>
    private static IEnumerable<int> LocalTcpPortsOf(int pid)
    {
        HashSet<string> inodes;
        try
        {
            inodes = Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd")
                .Select(fd => new FileInfo(fd).LinkTarget)
                .Where(t => t is not null && t.StartsWith("socket:[", StringComparison.Ordinal))
                .Select(t => t![8..^1])
                .ToHashSet();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            yield break; // gone
        }
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            string[] lines;
            try
            {
                lines = File.ReadAllLines(table);
            }
            catch (IOException)
            {
                continue;
            }
            foreach (var line in lines.Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length > 9 && inodes.Contains(fields[9]))
                {
                    yield return int.Parse(fields[1][(fields[1].LastIndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                }
            }
        }
    }

    private static string Seconds(TimeSpan? span) => span is { } s ? string.Create(CultureInfo.InvariantCulture, $"{s.TotalSeconds:0.0} s") : "—";
}
