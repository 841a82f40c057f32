using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ActorSpool.TestSupport;
using Xunit.Abstractions;

namespace ActorSpool.Chaos.Tests;

/// <summary>
/// Sites with real processes: node1 in site a, node2 and node3 in site b. Printer p1 is in site a with alternate b,
/// p2's queue is in site b, p3 is in site a with no alternate. Which node delivered each job is read from the queues'
/// journals (the worker path of the completing dispatch carries its node's address). p1 is fed by node1 only; after
/// node1 is SIGKILLed, by node2/node3; once node1 is back, by node1 again. p3's jobs wait while site a has no node
/// (the balancer reports them held: REST, the gauge, one warning) and print through node1 when it is back.
/// </summary>
[Collection(ChaosCollection.Name)]
public sealed class SiteFailoverTests(PostgresFixture postgres, ITestOutputHelper output)
{
    private const int Batch = 8;
    private const int Held = 3;

    /// <summary>A queue asks the balancer for one job per printer at a time: p3's three held jobs are one held request.</summary>
    private const int HeldRequests = 1;
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    private static IReadOnlyDictionary<string, string> SiteOf(int node) => new Dictionary<string, string> { ["ACTORSPOOL_SITE"] = node == 0 ? "a" : "b" };

    [Fact]
    public async Task A_sites_printer_is_fed_from_its_alternate_while_its_only_node_is_dead_and_from_it_again_once_back()
    {
        await using var cluster = await ClusterHarness.StartAsync(postgres.Server, output, "sites", new ClusterHarness.Options
        {
            Workers = 2,
            PrinterDelay = TimeSpan.FromMilliseconds(20),
            Topology = printers => $$"""
                actorspool.printers {
                  p1 { uri = "socket://127.0.0.1:{{printers[0].Port}}", site = a, alternate-site = b }
                  p2 { uri = "socket://127.0.0.1:{{printers[1].Port}}" }
                  p3 { uri = "socket://127.0.0.1:{{printers[2].Port}}", site = a }
                }
                actorspool.queues {
                  qa { printers = [p1] }
                  qb { printers = [p2], site = b }
                  qheld { printers = [p3] }
                }
                """,
        }, SiteOf);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        try
        {
            await WaitForSiteWorkersAsync(cluster, http, "a", 0);
            await WaitForSiteWorkersAsync(cluster, http, "b", 1, 2);

            // Before: a's printer only through node1, b's only through node2/node3.
            var before = await SubmitAsync(cluster, "qa", Batch, [0, 1, 2]);
            var beforeB = await SubmitAsync(cluster, "qb", Batch, [0, 1, 2]);
            await WaitForPrintsAsync(cluster, before.Concat(beforeB));
            var qaBefore = await DeliveringNodesAsync(cluster, "qa", before);
            var qbBefore = await DeliveringNodesAsync(cluster, "qb", beforeB);
            cluster.Log($"before the kill: qa (site a) delivered by {Describe(qaBefore)}; qb (site b) by {Describe(qbBefore)}");
            Assert.All(qaBefore, n => Assert.Equal(0, n));
            Assert.All(qbBefore, n => Assert.Contains(n, new[] { 1, 2 }));

            // node1, the only node of site a, dies: p1 is fed from site b; p3 (no alternate) waits.
            var killedAt = await cluster.KillAsync(0);
            var during = await SubmitAsync(cluster, "qa", Batch, [1, 2]);
            var held = await SubmitAsync(cluster, "qheld", Held, [1, 2]);
            await WaitForPrintsAsync(cluster, during);
            var firstFed = cluster.Ledger.Prints.Where(p => p.Printer == "p1" && p.ReceivedAt > killedAt).Min(p => p.ReceivedAt);
            var qaDuring = await DeliveringNodesAsync(cluster, "qa", during);
            cluster.Log($"after the kill: qa delivered by {Describe(qaDuring)}; first print on p1 {(firstFed - killedAt).TotalSeconds:0.0} s after the kill");
            Assert.All(qaDuring, n => Assert.Contains(n, new[] { 1, 2 }));
            Assert.Single(cluster.GrepLogs("Balancer: site a has no node; its work goes to its alternate site b"));

            var site = await WaitForHeldAsync(cluster, http, "a", HeldRequests);
            cluster.Log($"balancer reports site a: {site.ToJsonString()}");
            var gauge = await HeldGaugeAsync(cluster, http, "a");
            cluster.Log($"actorspool_requests_waiting_for_site{{site=\"a\"}} = {gauge}");
            Assert.Equal(HeldRequests, gauge);
            Assert.Single(cluster.GrepLogs("Balancer: work for site a waits: no node of the site"));
            var heldMarkers = held.Select(a => a.Number).ToHashSet();
            Assert.DoesNotContain(cluster.Ledger.Prints, p => heldMarkers.Contains(p.Marker));

            // node1 is back: p3's held jobs print through it, and new jobs for p1 go through it again.
            var restartedAt = DateTimeOffset.UtcNow;
            await cluster.RestartAsync(0, SiteOf(0));
            var upAfter = DateTimeOffset.UtcNow - restartedAt;
            await WaitForPrintsAsync(cluster, held);
            var heldBy = await DeliveringNodesAsync(cluster, "qheld", held);
            var heldPrinted = cluster.Ledger.Prints.Where(p => heldMarkers.Contains(p.Marker)).Max(p => p.ReceivedAt);
            cluster.Log($"held jobs printed by {Describe(heldBy)}, the last {(heldPrinted - restartedAt).TotalSeconds:0.0} s after node1 was started again (Up after {upAfter.TotalSeconds:0.0} s)");
            Assert.All(heldBy, n => Assert.Equal(0, n));
            Assert.NotEmpty(cluster.GrepLogs("Balancer: work for site a no longer waits for a node"));

            await WaitForSiteWorkersAsync(cluster, http, "a", 0);
            var after = await SubmitAsync(cluster, "qa", Batch, [1, 2]);
            await WaitForPrintsAsync(cluster, after);
            var qaAfter = await DeliveringNodesAsync(cluster, "qa", after);
            cluster.Log($"after node1 is back: qa delivered by {Describe(qaAfter)}");
            Assert.All(qaAfter, n => Assert.Equal(0, n));
            Assert.NotEmpty(cluster.GrepLogs("Balancer: site a has a node again; its work no longer goes to site b"));
            Assert.Equal(0, cluster.Ledger.Duplicates());
        }
        catch
        {
            cluster.DumpLogs("sites scenario failed");
            throw;
        }
    }

    /// <summary>Submits <paramref name="count"/> jobs to <paramref name="queue"/>, each retried over <paramref name="nodes"/> until one acknowledges it.</summary>
    private static async Task<List<IppSubmitter.Attempt>> SubmitAsync(ClusterHarness cluster, string queue, int count, int[] nodes)
    {
        var acked = new List<IppSubmitter.Attempt>();
        var deadline = DateTime.UtcNow + Limit;
        for (var i = 0; acked.Count < count; i++)
        {
            var attempt = await cluster.Submitter.SubmitOnceAsync(nodes[i % nodes.Length], acked.Count, queue: queue);
            if (attempt.Acked) acked.Add(attempt);
            else if (DateTime.UtcNow > deadline) throw new TimeoutException($"{queue}: no node acknowledged a job; last failure: {attempt.Failure}");
            else await Task.Delay(500);
        }
        return acked;
    }

    private static Task WaitForPrintsAsync(ClusterHarness cluster, IEnumerable<IppSubmitter.Attempt> jobs)
    {
        var markers = jobs.Select(j => j.Number).ToHashSet();
        return Eventually.WaitUntilAsync(() => markers.IsSubsetOf(cluster.Ledger.Prints.Select(p => p.Marker)),
            $"jobs {string.Join(",", markers.Order())} printed", Limit);
    }

    /// <summary>The node (index) whose worker completed each job, from the queue's journal.</summary>
    private static async Task<List<int>> DeliveringNodesAsync(ClusterHarness cluster, string queue, IEnumerable<IppSubmitter.Attempt> jobs)
    {
        var ids = jobs.Select(j => (long)j.JobId).ToHashSet();
        return await Eventually.ValueAsync(async () =>
        {
            var history = await JournalInspector.ReadAsync(cluster.ConnectionString, queue);
            return history.CompletedBy().Where(c => ids.Contains(c.JobId)).Select(c => c.Worker is null ? -1 : cluster.NodeOfAddress(c.Worker)).ToList();
        }, nodes => nodes.Count == ids.Count, Limit, $"{queue}: every job's completion journaled");
    }

    private static string Describe(IEnumerable<int> nodes) =>
        string.Join(", ", nodes.GroupBy(n => n).OrderBy(g => g.Key).Select(g => $"{(g.Key < 0 ? "?" : ClusterHarness.NodeName(g.Key))} × {g.Count()}"));

    private static async Task<JsonObject> BalancerAsync(ClusterHarness cluster, HttpClient http)
    {
        Exception? last = null;
        for (var i = 0; i < cluster.NodeCount; i++)
        {
            if (!cluster.IsRunning(i)) continue;
            try
            {
                return (await http.GetFromJsonAsync<JsonObject>(new Uri(cluster.WebUri(i), "/api/v1/balancer")))!;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                last = e;
            }
        }
        throw new InvalidOperationException("no node answered /api/v1/balancer", last);
    }

    /// <summary>Waits until the balancer lists exactly <paramref name="nodes"/> with workers in <paramref name="site"/>.</summary>
    private static async Task WaitForSiteWorkersAsync(ClusterHarness cluster, HttpClient http, string site, params int[] nodes)
    {
        var expected = nodes.Order().ToList();
        await Eventually.ValueAsync(() => BalancerAsync(cluster, http), b =>
                b["nodes"]!.AsArray().Where(n => (string?)n!["site"] == site && (int)n["workers"]! > 0)
                    .Select(n => cluster.NodeOfAddress((string)n!["node"]!)).Order().SequenceEqual(expected),
            Limit, $"the balancer sees the workers of {string.Join(", ", nodes.Select(ClusterHarness.NodeName))} in site {site}");
    }

    private static Task<JsonNode> WaitForHeldAsync(ClusterHarness cluster, HttpClient http, string site, int held) =>
        Eventually.ValueAsync(async () => (await BalancerAsync(cluster, http))["sites"]!.AsArray().FirstOrDefault(s => (string?)s!["site"] == site) ?? new JsonObject(),
            s => s["held"] is { } h && (int)h == held, Limit, $"the balancer reports {held} request(s) held for site {site}")!;

    /// <summary>The held-requests gauge for <paramref name="site"/> on the node hosting the balancer.</summary>
    private static async Task<int> HeldGaugeAsync(ClusterHarness cluster, HttpClient http, string site)
    {
        var host = cluster.NodeOfAddress((string)(await BalancerAsync(cluster, http))["singleton"]!);
        var metrics = await http.GetStringAsync(new Uri(cluster.WebUri(host), "/metrics"));
        var line = metrics.Split('\n').Single(l => l.StartsWith($"actorspool_requests_waiting_for_site{{site=\"{site}\"}}", StringComparison.Ordinal));
        return (int)double.Parse(line.Split(' ')[^1], CultureInfo.InvariantCulture);
    }
}
