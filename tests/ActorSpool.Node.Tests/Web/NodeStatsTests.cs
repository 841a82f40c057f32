using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ActorSpool.Node.Tests.EndToEnd;
using ActorSpool.Protocols.Ipp;
using ActorSpool.TestSupport;

namespace ActorSpool.Node.Tests.Web;

/// <summary>GET /api/v1/stats and /api/v1/nodes and the <c>stats</c> events on a real node.</summary>
public sealed class NodeStatsTests
{
    [Fact]
    public async Task Samples_count_the_jobs_the_node_printed_and_nodes_lists_it_with_its_ports()
    {
        using var data = new TempDirectory();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        await using var printer = await Printers.SimulatorAsync("p1");
        await using var node = await InProcessNode.StartAsync(InProcessNode.Options(data.Path, Printers.WriteFile(data.Path, [printer], "  office { printers = [p1] }")));
        var api = $"http://127.0.0.1:{node.HttpPort}/api/v1";
        await using var events = await SseClient.ConnectAsync($"{api}/events");

        const int jobs = 6;
        var ipp = new IppClient(http);
        for (var i = 0; i < jobs; i++)
        {
            var answer = await ipp.PrintJobAsync(node.QueueUri("office"), new MemoryStream("counted"u8.ToArray()), "alice", $"stats-{i}");
            Assert.Equal(IppStatusCode.SuccessfulOk, answer.Status);
        }
        await Eventually.WaitUntilAsync(() => printer.ReceivedJobs.Count == jobs, "the printer received every job");

        // Each sample's rate times its interval (the gap to the sample before; 5 s for the first) is a count of jobs.
        var stats = await Eventually.ValueAsync(() => http.GetFromJsonAsync<JsonObject>($"{api}/stats?minutes=15"),
            s => Count(s!, "submittedPerSecond") == jobs && Count(s!, "completedPerSecond") == jobs, what: "samples counting every job");
        Assert.Equal(5, (int)stats!["intervalSeconds"]!);
        var samples = stats["nodes"]!.AsArray().Single()!["samples"]!.AsArray();
        // A p95 exactly when the interval completed jobs.
        Assert.All(samples, s => Assert.Equal((double)s!["completedPerSecond"]! > 0, s["p95SubmitToPrintedMs"] is JsonValue p95 && (long)p95 >= 0));

        var streamed = await events.WaitForAsync("stats", s => (double)s["completedPerSecond"]! > 0, "a stats event counting completed jobs");
        Assert.Equal((string)stats["nodes"]![0]!["node"]!, (string)streamed.Json["node"]!);

        var nodes = await Eventually.ValueAsync(() => http.GetFromJsonAsync<JsonArray>($"{api}/nodes"),
            n => n!.Count == 1 && n[0]!["lastReportAt"] is not null, what: "the node with its report");
        var self = nodes![0]!;
        Assert.Equal((string)streamed.Json["node"]!, (string)self["address"]!);
        Assert.Equal(node.IppPort, (int)self["ippPort"]!);
        Assert.Equal(node.HttpPort, (int)self["httpPort"]!);
        Assert.Equal("up", (string)self["status"]!);
        Assert.Equal("reachable", (string)self["reachability"]!);
        Assert.Equal(4, (int)self["workers"]!);
        Assert.Equal(["ingress", "worker"], self["roles"]!.AsArray().Select(r => (string)r!).Order());

        var bad = await http.GetAsync($"{api}/stats?minutes=99");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("minutes", await bad.Content.ReadAsStringAsync());
    }

    private static long Count(JsonObject stats, string rate)
    {
        var total = 0.0;
        foreach (var node in stats["nodes"]!.AsArray())
        {
            DateTimeOffset? previous = null;
            foreach (var sample in node!["samples"]!.AsArray())
            {
                var at = DateTimeOffset.Parse((string)sample!["at"]!, System.Globalization.CultureInfo.InvariantCulture);
                var seconds = previous is { } p ? (at - p).TotalSeconds : 5;
                total += (double)sample[rate]! * seconds;
                previous = at;
            }
        }
        return (long)Math.Round(total);
    }
}
