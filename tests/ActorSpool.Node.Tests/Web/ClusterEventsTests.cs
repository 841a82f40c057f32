using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ActorSpool.Node.Tests.EndToEnd;
using ActorSpool.Protocols.Ipp;
using ActorSpool.TestSupport;

namespace ActorSpool.Node.Tests.Web;

/// <summary>Two nodes in one cluster: a page on either shows what happens on the other.</summary>
public sealed class ClusterEventsTests
{
    [Fact]
    public async Task A_job_printed_by_the_queue_on_one_node_streams_to_a_browser_on_the_other()
    {
        using var data = new TempDirectory();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        await using var printer = await Printers.SimulatorAsync("p1");
        var printers = Printers.WriteFile(data.Path, [printer], "  office { printers = [p1] }");
        var seedPort = FreePort.Next();
        var seed = $"127.0.0.1:{seedPort}";
        // The first node runs the queue, the printer and the workers; the second only takes requests (ingress).
        await using var worker = await InProcessNode.StartAsync(InProcessNode.Options(Directory.CreateDirectory(Path.Combine(data.Path, "a")).FullName, printers) with
        {
            NodePort = seedPort,
            Seeds = [seed],
        });
        // A browser on the first node sees the second join.
        await using var members = await SseClient.ConnectAsync($"http://127.0.0.1:{worker.HttpPort}/api/v1/events");
        var ingressPort = FreePort.Next();
        await using var ingress = await InProcessNode.StartAsync(InProcessNode.Options(Directory.CreateDirectory(Path.Combine(data.Path, "b")).FullName, printers) with
        {
            NodePort = ingressPort,
            Seeds = [seed],
            Roles = ["ingress"],
        });
        var joined = await members.WaitForAsync("member", m => ((string)m["address"]!).EndsWith($":{ingressPort}", StringComparison.Ordinal) && (string)m["event"]! == "up",
            "the ingress node up");
        Assert.Equal(("up", "reachable"), ((string)joined.Json["status"]!, (string)joined.Json["reachability"]!));
        Assert.Equal(["ingress"], joined.Json["roles"]!.AsArray().Select(r => (string)r!));

        var api = $"http://127.0.0.1:{ingress.HttpPort}/api/v1";
        var nodes = await Eventually.ValueAsync(() => http.GetFromJsonAsync<JsonArray>($"{api}/nodes"),
            n => n!.Count == 2 && n.All(m => (string)m!["status"]! == "up" && m["lastReportAt"] is not null), what: "both nodes up and reported on the ingress node");
        var workerNode = nodes!.Single(n => (int)n!["httpPort"]! == worker.HttpPort)!;
        Assert.Equal(["ingress", "worker"], workerNode["roles"]!.AsArray().Select(r => (string)r!).Order());
        Assert.Equal(0, (int)nodes!.Single(n => (int)n!["httpPort"]! == ingress.HttpPort)!["workers"]!);

        await using var events = await SseClient.ConnectAsync($"{api}/events");
        var answer = await new IppClient(http).PrintJobAsync(worker.QueueUri("office"), new MemoryStream("far away"u8.ToArray()), "alice", "cluster-live");
        Assert.Equal(IppStatusCode.SuccessfulOk, answer.Status);
        long id = answer.JobId;

        await events.WaitForAsync("job", j => (long)j["jobId"]! == id && (string)j["state"]! == "completed", $"job {id} completed, seen on the ingress node");
        // The worker node's own figures reach the other node too.
        await Eventually.ValueAsync(() => http.GetFromJsonAsync<JsonObject>($"{api}/stats"),
            s => s!["nodes"]!.AsArray().Any(n => (string)n!["node"]! == (string)workerNode["address"]! && n["samples"]!.AsArray().Any(x => (double)x!["completedPerSecond"]! > 0)),
            what: "the worker node's samples counting the job, on the ingress node");
    }
}
