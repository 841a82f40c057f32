using ActorSpool.Actors.Storage;
using ActorSpool.Protocols.Ipp;
using ActorSpool.TestSupport;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace ActorSpool.Node.Tests.Housekeeping;

/// <summary>
/// The orphan sweep of a running node (actorspool.spool.orphan-sweep-interval): documents and job rows older than
/// orphan-min-age that their queue does not hold are deleted; accepted jobs, young orphans and jobs of queues the
/// node does not configure stay.
/// </summary>
public sealed class OrphanSweepTests
{
    private const string SweepEverySecond = "actorspool.spool { orphan-sweep-interval = 1s, orphan-min-age = 1h }";

    [Fact]
    public async Task Old_documents_no_queue_holds_are_deleted_and_everything_else_stays()
    {
        using var data = new TempDirectory();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        await using var printer = await Printers.SimulatorAsync("p1");
        var options = InProcessNode.Options(data.Path, Printers.WriteFile(data.Path, [printer], "  office { printers = [p1] }"));
        await using var node = await InProcessNode.StartAsync(options, SweepEverySecond);
        var store = node.Services.GetRequiredService<IDocumentStore>();

        // An accepted job (printed, so finished but still listed by its queue) and three jobs no queue holds.
        var answer = await new IppClient(http).PrintJobAsync(node.QueueUri("office"), new MemoryStream("accepted"u8.ToArray()), "alice", "kept");
        Assert.Equal(IppStatusCode.SuccessfulOk, answer.Status);
        long accepted = answer.JobId;
        var oldOrphan = await StoreOrphanAsync(store, "office");
        var otherQueues = await StoreOrphanAsync(store, "queue-no-longer-configured");
        var youngOrphan = await StoreOrphanAsync(store, "office");
        // Two hours old, as a crash between storing and accepting would have left them: all but the young one.
        await BackdateAsync(data.Path, TimeSpan.FromHours(2), accepted, oldOrphan, otherQueues);

        await Eventually.WaitUntilAsync(async () => await store.FindQueueOfJobAsync(oldOrphan) is null, "the old orphan swept");

        Assert.Empty(await store.ListDocumentsAsync(oldOrphan));
        Assert.Equal("office", await store.FindQueueOfJobAsync(accepted));
        Assert.Single(await store.ListDocumentsAsync(accepted));
        Assert.Single(await store.ListDocumentsAsync(youngOrphan));
        Assert.Single(await store.ListDocumentsAsync(otherQueues));
    }

    private static async Task<long> StoreOrphanAsync(IDocumentStore store, string queue) =>
        (await store.WriteJobAsync(queue, new MemoryStream("never accepted"u8.ToArray()), "application/octet-stream", null, 1 << 20)).JobId;

    private static async Task BackdateAsync(string dataDirectory, TimeSpan age, params long[] jobIds)
    {
        await using var connection = new SqliteConnection(SqliteDocumentsFile.ConnectionString(dataDirectory));
        await connection.OpenAsync();
        foreach (var table in (string[])["spool_job", "spool_document"])
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"UPDATE {table} SET created_at = created_at - $age WHERE job_id IN ({string.Join(",", jobIds)})";
            command.Parameters.AddWithValue("$age", (long)age.TotalMilliseconds);
            Assert.Equal(jobIds.Length, await command.ExecuteNonQueryAsync());
        }
    }
}
