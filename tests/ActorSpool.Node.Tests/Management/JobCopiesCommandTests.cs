using System.Text;
using ActorSpool.Node.Management;
using ActorSpool.Node.Tests.EndToEnd;
using ActorSpool.Protocols.Ipp;
using ActorSpool.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace ActorSpool.Node.Tests.Management;

/// <summary><c>job show</c> tells a job's copies and attempts, and <c>job move</c> takes the copies along to the other queue.</summary>
public sealed class JobCopiesCommandTests
{
    [Fact]
    public async Task Job_show_tells_the_copies_and_a_moved_job_prints_them_all_on_the_other_queue()
    {
        using var data = new TempDirectory();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        await using var front = await Printers.SimulatorAsync("p1");
        await using var back = await Printers.SimulatorAsync("p2");
        var options = InProcessNode.Options(data.Path, Printers.WriteFile(data.Path, [front, back], "  office { printers = [p1] }\n  plans { printers = [p2] }"));
        await using var node = await InProcessNode.StartAsync(options);
        await using var cmd = await CommandConnection.OpenAsync(node.Services.GetRequiredService<CommandHost>().Endpoint.Port);
        // Paused, so the job waits in office until it is moved.
        Assert.Equal(0, (await cmd.RunAsync("queue", "pause", new { queue = new[] { "office" } })).Code);

        var client = new IppClient(http);
        var print = client.NewRequest(IppOperation.PrintJob, node.QueueUri("office"), "alice");
        print.OperationAttributes!.Add(IppAttribute.NameWithoutLanguage("job-name", "memo"));
        print.AddGroup(IppTag.JobAttributes).Add(IppAttribute.Integer("copies", 3));
        var printed = await client.SendAsync(node.QueueUri("office"), print, new MemoryStream("memo\n"u8.ToArray()));
        Assert.Equal(IppStatusCode.SuccessfulOk, printed.Status);
        var jobId = printed.JobAttributes!.Find("job-id")!.Value.AsInt().ToString();

        var shown = await cmd.RunAsync("job", "show", new { job = new[] { jobId } });
        Assert.Equal(0, shown.Code);
        Assert.Contains("Copies:      3", shown.Out);
        var json = await cmd.RunAsync("job", "show", new { job = new[] { jobId } }, json: true);
        Assert.Equal(3, (int)json.Data.Single()["copies"]!);

        var move = await cmd.RunAsync("job", "move", new { job = new[] { jobId }, queue = new[] { "plans" } }, json: true);
        Assert.True(move.Code == 0, move.ToString());
        var movedId = ((long)move.Data.Single()["to"]!["job"]!).ToString();

        var moved = await Eventually.ValueAsync(() => cmd.RunAsync("job", "show", new { job = new[] { movedId } }, json: true),
            r => (string?)r.Data.SingleOrDefault()?["state"] == "completed", what: $"moved job {movedId} completed");
        Assert.Equal(3, (int)moved.Data.Single()["copies"]!);
        // The moved job's one delivery, under its fields; the paused original was never dispatched: no history.
        var movedShown = await cmd.RunAsync("job", "show", new { job = new[] { movedId } });
        Assert.Contains("Attempt history (1, oldest first):", movedShown.Out);
        Assert.Matches(@"\n  1 +p2 +akka\S+ +delivered +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +\d{4}-", movedShown.Text);
        Assert.DoesNotContain("Attempt history", (await cmd.RunAsync("job", "show", new { job = new[] { jobId } })).Text);
        var received = Assert.Single(back.ReceivedJobs);
        Assert.Equal("memo\nmemo\nmemo\n", Encoding.ASCII.GetString(received.Data!));
        Assert.Empty(front.ReceivedJobs);
    }
}
