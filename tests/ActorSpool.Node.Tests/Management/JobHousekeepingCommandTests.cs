using ActorSpool.Actors.Storage;
using ActorSpool.Node.Management;
using ActorSpool.Protocols.Ipp;
using ActorSpool.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace ActorSpool.Node.Tests.Management;

/// <summary>
/// <c>job list --older-than --state</c> finds stuck jobs, and <c>job purge --finished-before</c> removes finished jobs
/// from their queues and deletes their documents, through the node's real command host.
/// </summary>
public sealed class JobHousekeepingCommandTests
{
    [Fact]
    public async Task Old_pending_jobs_are_listed_and_finished_jobs_before_a_date_are_purged_with_their_documents()
    {
        using var data = new TempDirectory();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        await using var front = await Printers.SimulatorAsync("p1");
        await using var back = await Printers.SimulatorAsync("p2");
        var options = InProcessNode.Options(data.Path, Printers.WriteFile(data.Path, [front, back], "  office { printers = [p1] }\n  plans { printers = [p2] }"));
        await using var node = await InProcessNode.StartAsync(options);
        var store = node.Services.GetRequiredService<IDocumentStore>();
        await using var cmd = await CommandConnection.OpenAsync(node.Services.GetRequiredService<CommandHost>().Endpoint.Port);
        // A stuck job: office is paused, so its job stays pending. The plans job prints and finishes.
        Assert.Equal(0, (await cmd.RunAsync("queue", "pause", new { queue = new[] { "office" } })).Code);
        var client = new IppClient(http);
        var stuck = (await client.PrintJobAsync(node.QueueUri("office"), new MemoryStream("stuck"u8.ToArray()), "alice", "stuck")).JobId;
        var done = (await client.PrintJobAsync(node.QueueUri("plans"), new MemoryStream("done"u8.ToArray()), "bob", "done")).JobId;
        await Eventually.ValueAsync(async () => (string?)(await cmd.RunAsync("job", "show", Job(done), json: true)).Data.SingleOrDefault()?["state"],
            s => s == "completed", what: $"job {done} completed");

        var notYet = await cmd.RunAsync("job", "list", new { state = new[] { "pending" }, older_than = new[] { "1h" } }.Args(), json: true);
        Assert.True(notYet.Code == 0, notYet.ToString());
        Assert.Empty(notYet.Data.Single().AsArray());
        var old = await Eventually.ValueAsync(() => cmd.RunAsync("job", "list", new { state = new[] { "pending" }, older_than = new[] { "1s" } }.Args(), json: true),
            r => r.Code == 0 && r.Data.Single().AsArray().Count > 0, what: "the stuck job listed as older than 1s");
        Assert.Equal([(long)stuck], old.Data.Single().AsArray().Select(j => (long)j!["id"]!));
        var bad = await cmd.RunAsync("job", "list", new { older_than = new[] { "soon" } }.Args());
        Assert.NotEqual(0, bad.Code);
        Assert.Contains("--older-than: 'soon' is no age", string.Join("\n", bad.Errors));

        // Nothing finished before 2000; then everything finished before tomorrow: the plans job only.
        var none = await cmd.RunAsync("job", "purge", new { finished_before = new[] { "2000-01-01" } }.Args(), json: true);
        Assert.True(none.Code == 0, none.ToString());
        Assert.All(none.Data.Single().AsArray(), q => Assert.Equal(0, (int)q!["purged"]!));
        Assert.Equal("completed", (string?)(await cmd.RunAsync("job", "show", Job(done), json: true)).Data.Single()["state"]);

        var tomorrow = DateTimeOffset.UtcNow.AddDays(1).ToString("yyyy-MM-dd");
        var purged = await cmd.RunAsync("job", "purge", new { finished_before = new[] { tomorrow } }.Args());
        Assert.True(purged.Code == 0, purged.ToString());
        Assert.Matches(@"plans +1", purged.Text);
        Assert.Matches(@"office +0", purged.Text);
        Assert.Contains("1 finished job(s)", purged.Text);

        Assert.NotEqual(0, (await cmd.RunAsync("job", "show", Job(done))).Code);
        await Eventually.WaitUntilAsync(async () => (await store.ListDocumentsAsync(done)).Count == 0, $"the documents of job {done} deleted");
        Assert.Equal("pending", (string?)(await cmd.RunAsync("job", "show", Job(stuck), json: true)).Data.Single()["state"]);
        Assert.Single(await store.ListDocumentsAsync(stuck));
    }

    private static object Job(int id) => new { job = new[] { id.ToString() } };
}

/// <summary>Anonymous objects cannot have dashes in their names: older_than becomes the switch's name older-than.</summary>
internal static class DashedArgs
{
    public static Dictionary<string, string[]> Args(this object args) =>
        args.GetType().GetProperties().ToDictionary(p => p.Name.Replace('_', '-'), p => (string[])p.GetValue(args)!);
}
