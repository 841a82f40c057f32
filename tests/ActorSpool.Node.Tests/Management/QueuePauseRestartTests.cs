using ActorSpool.Node.Management;
using ActorSpool.Node.Tests.EndToEnd;
using ActorSpool.Protocols.Ipp;
using ActorSpool.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace ActorSpool.Node.Tests.Management;

/// <summary><c>queue pause</c> is an event in the queue's journal: a restarted node still holds the queue's jobs back.</summary>
public sealed class QueuePauseRestartTests
{
    [Fact]
    public async Task A_paused_queue_stays_paused_after_the_node_restarts()
    {
        using var data = new TempDirectory();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        await using var printer = await Printers.SimulatorAsync("p1");
        var options = InProcessNode.Options(data.Path, Printers.WriteFile(data.Path, [printer], "  office { printers = [p1] }"));
        var office = new { queue = new[] { "office" } };

        int jobId;
        await using (var node = await InProcessNode.StartAsync(options))
        {
            await using var cmd = await CommandConnection.OpenAsync(node.Services.GetRequiredService<CommandHost>().Endpoint.Port);
            Assert.Equal(0, (await cmd.RunAsync("queue", "pause", office)).Code);
            var answer = await new IppClient(http).PrintJobAsync(node.QueueUri("office"), new MemoryStream("held back"u8.ToArray()), "alice", "after-restart");
            Assert.Equal(IppStatusCode.SuccessfulOk, answer.Status);
            jobId = answer.JobId;
        }

        await using (var node = await InProcessNode.StartAsync(options))
        {
            await using var cmd = await CommandConnection.OpenAsync(node.Services.GetRequiredService<CommandHost>().Endpoint.Port);
            var shown = await Eventually.ValueAsync(() => cmd.RunAsync("queue", "show", office, json: true), r => r.Code == 0, what: "queue show after restart");
            Assert.True((bool)shown.Data.Single()["paused"]!, shown.ToString());
            Assert.Equal(1, (int)shown.Data.Single()["pending"]!);
            Assert.Empty(printer.ReceivedJobs);

            Assert.Equal(0, (await cmd.RunAsync("queue", "resume", office)).Code);
            var job = new { job = new[] { jobId.ToString() } };
            await Eventually.ValueAsync(async () => (string?)(await cmd.RunAsync("job", "show", job, json: true)).Data.SingleOrDefault()?["state"],
                s => s == "completed", what: $"job {jobId} completed after resume");
            Assert.Equal("held back", System.Text.Encoding.UTF8.GetString(printer.ReceivedJobs.Single().Data!));
        }
    }
}
