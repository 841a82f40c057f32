using ActorSpool.Node.Management;
using ActorSpool.Protocols.Ipp;
using ActorSpool.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace ActorSpool.Node.Tests.Management;

/// <summary><c>printer pause</c> is journaled: a restarted node keeps the printer paused, and a resume is kept too.</summary>
public sealed class PrinterPauseRestartTests
{
    private static readonly object P1 = new { printer = new[] { "p1" } };

    [Fact]
    public async Task A_paused_printer_stays_paused_after_the_node_restarts_and_a_resume_is_kept_too()
    {
        using var data = new TempDirectory();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        await using var printer = await Printers.SimulatorAsync("p1");
        var options = InProcessNode.Options(data.Path, Printers.WriteFile(data.Path, [printer], "  office { printers = [p1] }"));

        await using (var node = await InProcessNode.StartAsync(options))
        {
            await using var cmd = await CommandConnection.OpenAsync(node.Services.GetRequiredService<CommandHost>().Endpoint.Port);
            var paused = await Eventually.ValueAsync(() => cmd.RunAsync("printer", "pause", P1, json: true), r => r.Code == 0, what: "printer pause");
            Assert.True((bool)paused.Data.Single()["paused"]!, paused.ToString());
        }

        int jobId;
        await using (var node = await InProcessNode.StartAsync(options))
        {
            await using var cmd = await CommandConnection.OpenAsync(node.Services.GetRequiredService<CommandHost>().Endpoint.Port);
            var shown = await Eventually.ValueAsync(() => cmd.RunAsync("printer", "show", P1, json: true), r => r.Code == 0, what: "printer show after restart");
            Assert.True((bool)shown.Data.Single()["paused"]!, shown.ToString());
            Assert.False((bool)shown.Data.Single()["accepting"]!, shown.ToString());

            var answer = await new IppClient(http).PrintJobAsync(node.QueueUri("office"), new MemoryStream("after resume"u8.ToArray()), "alice", "waits");
            Assert.Equal(IppStatusCode.SuccessfulOk, answer.Status);
            jobId = answer.JobId;
            var job = new { job = new[] { jobId.ToString() } };
            Assert.Equal("pending", (string?)(await cmd.RunAsync("job", "show", job, json: true)).Data.Single()["state"]);

            Assert.Equal(0, (await cmd.RunAsync("printer", "resume", P1)).Code);
            await Eventually.ValueAsync(async () => (string?)(await cmd.RunAsync("job", "show", job, json: true)).Data.SingleOrDefault()?["state"],
                s => s == "completed", what: $"job {jobId} completed after resume");
            Assert.Equal("after resume", System.Text.Encoding.UTF8.GetString(printer.ReceivedJobs.Single().Data!));
        }

        await using (var node = await InProcessNode.StartAsync(options))
        {
            await using var cmd = await CommandConnection.OpenAsync(node.Services.GetRequiredService<CommandHost>().Endpoint.Port);
            var shown = await Eventually.ValueAsync(() => cmd.RunAsync("printer", "show", P1, json: true),
                r => r.Code == 0 && (bool?)r.Data.Single()["accepting"] == true, what: "printer accepting after the second restart");
            Assert.False((bool)shown.Data.Single()["paused"]!, shown.ToString());
        }
    }
}
