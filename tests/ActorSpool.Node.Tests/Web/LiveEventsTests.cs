using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ActorSpool.Node.Management;
using ActorSpool.Node.Tests.EndToEnd;
using ActorSpool.Node.Tests.Management;
using ActorSpool.Protocols.Ipp;
using ActorSpool.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace ActorSpool.Node.Tests.Web;

/// <summary>GET /api/v1/events on a real node: what a browser sees when jobs print and printers change.</summary>
public sealed class LiveEventsTests
{
    [Fact]
    public async Task A_job_submitted_over_ipp_streams_pending_processing_completed_and_the_queue_counts()
    {
        using var data = new TempDirectory();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        await using var printer = await Printers.SimulatorAsync("p1");
        await using var node = await InProcessNode.StartAsync(InProcessNode.Options(data.Path, Printers.WriteFile(data.Path, [printer], "  office { printers = [p1] }")));
        await using var events = await SseClient.ConnectAsync($"http://127.0.0.1:{node.HttpPort}/api/v1/events");

        Assert.Equal(HttpStatusCode.OK, events.Response.StatusCode);
        Assert.Equal("text/event-stream", events.Response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("2000", events.Retry);

        var answer = await new IppClient(http).PrintJobAsync(node.QueueUri("office"), new MemoryStream("live"u8.ToArray()), "alice", "live-test");
        Assert.Equal(IppStatusCode.SuccessfulOk, answer.Status);
        long id = answer.JobId;

        var completed = await events.WaitForAsync("job", j => (long)j["jobId"]! == id && (string)j["state"]! == "completed", $"job {id} completed");
        var states = events.Seen.Where(e => e.Type == "job" && (long)e.Json["jobId"]! == id).Select(e => (string)e.Json["state"]!).ToList();
        Assert.Equal(["pending", "processing", "completed"], states);
        Assert.Equal("office", (string)completed.Json["queue"]!);
        Assert.Equal("p1", (string)completed.Json["printer"]!);
        Assert.True(DateTimeOffset.TryParse((string)completed.Json["at"]!, out _), completed.Data);

        await events.WaitForAsync("queue", q => (string)q["name"]! == "office" && (int)q["completed"]! == 1 && (int)q["pending"]! == 0,
            "office's counts with the job completed");
        var balancer = await events.WaitForAsync("balancer", b => b["singleton"] is not null, "where the balancer runs");
        Assert.StartsWith("akka.tcp://actorspool@127.0.0.1:", (string)balancer.Json["singleton"]!);
    }

    [Fact]
    public async Task Pausing_a_printer_streams_its_view_with_health_paused_and_history_keeps_the_change()
    {
        using var data = new TempDirectory();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        await using var printer = await Printers.SimulatorAsync("p1");
        await using var node = await InProcessNode.StartAsync(InProcessNode.Options(data.Path, Printers.WriteFile(data.Path, [printer], "  office { printers = [p1] }")));
        var history = $"http://127.0.0.1:{node.HttpPort}/api/v1/printers/p1/history";
        await Eventually.ValueAsync(() => http.GetFromJsonAsync<JsonArray>(history), h => h!.Any(c => (string)c!["health"]! == "ok"), what: "p1 ok in its history");
        await using var events = await SseClient.ConnectAsync($"http://127.0.0.1:{node.HttpPort}/api/v1/events");

        await using var cmd = await CommandConnection.OpenAsync(node.Services.GetRequiredService<CommandHost>().Endpoint.Port);
        Assert.Equal(0, (await cmd.RunAsync("printer", "pause", new { printer = new[] { "p1" } })).Code);

        var paused = await events.WaitForAsync("printer", p => (string)p["name"]! == "p1" && (bool)p["paused"]!, "p1 paused");
        Assert.Equal("paused", (string)paused.Json["health"]!);
        Assert.False((bool)paused.Json["accepting"]!);
        Assert.StartsWith($"socket://127.0.0.1:{printer.Port}", (string)paused.Json["pathInUse"]!);
        Assert.Equal(["office"], paused.Json["queues"]!.AsArray().Select(q => (string)q!));

        var changes = await http.GetFromJsonAsync<JsonArray>(history);
        Assert.Equal(["ok", "paused"], changes!.Select(c => (string)c!["health"]!).TakeLast(2));
        Assert.Equal("stopped", (string)changes!.Last()!["state"]!);

        var unknown = await http.GetAsync($"http://127.0.0.1:{node.HttpPort}/api/v1/printers/nope/history");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
    }
}
