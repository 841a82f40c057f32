using ActorSpool.Node.Tests.Management;
using ActorSpool.Protocols.Ipp;
using ActorSpool.Simulators;
using ActorSpool.TestSupport;
using Xunit.Abstractions;

namespace ActorSpool.Node.Tests.Topology;

/// <summary>
/// Three real node processes on PostgreSQL: a printer and a queue added with spoolctl on one node are in force on
/// every node within seconds, print from any of them, and outlive a restart of the whole cluster.
/// </summary>
public sealed class LiveTopologyClusterTests(ThreeNodeCluster cluster, ITestOutputHelper output) : IClassFixture<ThreeNodeCluster>
{
    private static readonly Dictionary<string, string> WithToken = new() { ["SPOOLCTL_TOKEN"] = ThreeNodeCluster.Token };

    private async Task<SpoolctlRun> Spoolctl(int node, params string[] args) =>
        await SpoolctlProcess.RunAsync([cluster.CommandHost(node), .. args], environment: WithToken);

    private async Task<bool> NodeListsQueueAsync(int node, string queue)
    {
        var list = await Spoolctl(node, "queue", "list");
        return list.ExitCode == 0 && list.Lines.Any(l => l.StartsWith(queue + " ", StringComparison.Ordinal));
    }

    /// <summary>From the keeper's "Topology version N by" line (on whichever node) to node i's "Topology version N in force", N = the newest.</summary>
    private double FollowDelay(int node)
    {
        static TimeSpan At(string line) => TimeSpan.ParseExact(line[..12], @"hh\:mm\:ss\.fff", System.Globalization.CultureInfo.InvariantCulture);
        var logs = Enumerable.Range(0, 3).Select(i => File.ReadAllLines(cluster.Nodes[i].LogPath)).ToArray();
        var journaled = logs.SelectMany(l => l).Last(l => l.Contains("Topology version ", StringComparison.Ordinal) && l.Contains(" by spoolctl", StringComparison.Ordinal));
        var version = System.Text.RegularExpressions.Regex.Match(journaled, @"Topology version (\d+) by").Groups[1].Value;
        var followed = logs[node].Last(l => l.Contains($"Topology version {version} in force", StringComparison.Ordinal));
        return (At(followed) - At(journaled)).TotalSeconds;
    }

    [Fact]
    public async Task A_queue_added_on_one_node_prints_from_every_node_and_outlives_a_whole_cluster_restart()
    {
        await using var lab = new AppSocketPrinterSimulator(new SimulatorOptions { Name = "lab-printer" });
        await lab.StartAsync();
        var printer = await Spoolctl(0, "printer", "add", "-p", "lab-printer", "--uri", $"socket://127.0.0.1:{lab.Port}");
        Assert.True(printer.ExitCode == 0, printer.ToString());
        var queue = await Spoolctl(0, "queue", "add", "-q", "lab", "--printers", "lab-printer", "--mode", "balance");
        Assert.True(queue.ExitCode == 0, queue.ToString());

        // Every node follows: it lists the queue, and takes jobs for it over IPP.
        for (var node = 1; node < 3; node++)
        {
            var n = node;
            await Eventually.WaitUntilAsync(() => NodeListsQueueAsync(n, "lab"), $"node{n + 1} lists queue lab", TimeSpan.FromSeconds(30));
        }

        output.WriteLine($"queue lab in force on each node after the keeper journaled it: {string.Join(", ", Enumerable.Range(0, 3).Select(i => $"node{i + 1} {FollowDelay(i):0.000} s"))}");

        var client = new IppClient(cluster.Http);
        for (var node = 0; node < 3; node++)
        {
            var answer = await client.PrintJobAsync(cluster.Nodes[node].QueueUri("lab"), new MemoryStream([(byte)('a' + node)]), "alice", $"from node{node + 1}");
            Assert.True(answer.Status == IppStatusCode.SuccessfulOk, $"node{node + 1}: {answer.Status} {answer.StatusMessage}");
        }

        await lab.WaitForJobsAsync(3, TimeSpan.FromSeconds(60));

        await cluster.RestartAllAsync();
        for (var node = 0; node < 3; node++)
        {
            var n = node;
            await Eventually.WaitUntilAsync(() => NodeListsQueueAsync(n, "lab"), $"node{n + 1} lists queue lab after the restart", TimeSpan.FromSeconds(60));
        }

        var after = await client.PrintJobAsync(cluster.Nodes[2].QueueUri("lab"), new MemoryStream("after"u8.ToArray()), "alice", "after the restart");
        Assert.Equal(IppStatusCode.SuccessfulOk, after.Status);
        await lab.WaitForJobsAsync(4, TimeSpan.FromSeconds(60));
        // Removal needs an empty queue: a job whose outcome the restart cut off is delivered again first (at-least-once).
        try
        {
            await Eventually.WaitUntilAsync(async () => (await Spoolctl(2, "job", "list", "-q", "lab")).Output.Contains("No jobs (active)", StringComparison.Ordinal),
                "every lab job finished", TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\n{(await Spoolctl(2, "job", "list", "-q", "lab", "-s", "all")).Output}\n{cluster.Logs()}", e);
        }
        Assert.Contains("differs from the cluster's live topology", string.Join("\n", Enumerable.Range(0, 3).Select(i => File.ReadAllText(cluster.Nodes[i].LogPath))));

        // Removal is cluster-wide too.
        var removed = await Spoolctl(1, "queue", "remove", "-q", "lab");
        Assert.True(removed.ExitCode == 0, removed.ToString());
        for (var node = 0; node < 3; node++)
        {
            var n = node;
            await Eventually.WaitUntilAsync(async () => !await NodeListsQueueAsync(n, "lab"), $"node{n + 1} no longer lists lab", TimeSpan.FromSeconds(30));
        }

        Assert.Equal(["a", "after", "b", "c"], lab.ReceivedJobs.Select(j => System.Text.Encoding.UTF8.GetString(j.Data!)).Distinct().Order(StringComparer.Ordinal));
    }
}
