using System.Diagnostics;
using System.Text;
using ActorSpool.Actors.Hosting;
using ActorSpool.Actors.Queues;
using ActorSpool.Actors.Tests.Spool;
using ActorSpool.Domain.Jobs;
using ActorSpool.Simulators;
using ActorSpool.TestSupport;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace ActorSpool.Actors.Tests.Queues;

/// <summary>
/// A queue's housekeeping through the real actor graph on SQLite: retention (retain-terminal-jobs / -for) purges old
/// finished jobs and their documents, and the journal is deleted up to each snapshot so it stays bounded.
/// </summary>
public sealed class QueueHousekeepingTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly TempDirectory _data = new();
    private AppSocketPrinterSimulator? _device;

    public async Task InitializeAsync()
    {
        _device = new AppSocketPrinterSimulator(new SimulatorOptions { Name = "lj-1" });
        await _device.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_device is not null) await _device.DisposeAsync();
        _data.Dispose();
    }

    private string Printers => $$"""
        actorspool.printers { lj-1 { uri = "socket://127.0.0.1:{{_device!.Port}}" } }
        actorspool.queues { office { printers = [lj-1] } }
        """;

    private static readonly TimeSpan FastRetention = TimeSpan.FromMilliseconds(300);

    [Fact]
    public async Task Finished_jobs_beyond_the_kept_number_leave_the_queue_with_their_documents_and_unfinished_ones_stay()
    {
        await using var spool = await SpoolHarness.StartAsync(Printers, _data.Path,
            SpoolHarness.FastSettings with { RetainTerminalJobs = 2, RetentionInterval = FastRetention });
        var held = await spool.SubmitAsync("office", "held"u8.ToArray(), hold: true);
        var printed = new List<JobRecord>();
        // One after the other, so "newest" is unambiguous: the last two stay.
        for (var i = 0; i < 5; i++)
        {
            var job = await spool.SubmitAsync("office", Encoding.ASCII.GetBytes($"job {i}"));
            await spool.WaitForJobsAsync("office", jobs => jobs.Any(j => j.JobId == job.JobId && j.State == JobState.Completed));
            printed.Add(job);
        }

        var left = await spool.WaitForJobsAsync("office", jobs => jobs.Count(j => j.State.IsTerminal()) == 2);
        Assert.Equal(printed.TakeLast(2).Select(j => j.JobId).Append(held.JobId).Order(), left.Select(j => j.JobId).Order());
        Assert.Equal(JobState.PendingHeld, left.Single(j => j.JobId == held.JobId).State);
        foreach (var gone in printed.Take(3))
        {
            await SpoolHarness.WaitUntilAsync(async () => (await spool.Documents.ListDocumentsAsync(gone.JobId)).Count == 0, $"documents of job {gone.JobId} deleted");
            Assert.Null(await spool.Documents.FindQueueOfJobAsync(gone.JobId));
        }
        foreach (var kept in printed.TakeLast(2).Append(held)) Assert.Single(await spool.Documents.ListDocumentsAsync(kept.JobId));
    }

    [Fact]
    public async Task Finished_jobs_older_than_the_retention_time_leave_the_queue_and_unfinished_ones_stay()
    {
        await using var spool = await SpoolHarness.StartAsync(Printers, _data.Path,
            SpoolHarness.FastSettings with { RetainTerminalFor = TimeSpan.FromSeconds(2), RetentionInterval = FastRetention });
        var held = await spool.SubmitAsync("office", "held"u8.ToArray(), hold: true);
        var printed = await spool.SubmitAsync("office", "printed"u8.ToArray());
        await spool.WaitForJobsAsync("office", jobs => jobs.Any(j => j.JobId == printed.JobId && j.State == JobState.Completed));

        var left = await spool.WaitForJobsAsync("office", jobs => jobs.All(j => j.JobId != printed.JobId));
        Assert.Equal([held.JobId], left.Select(j => j.JobId));
        await SpoolHarness.WaitUntilAsync(async () => (await spool.Documents.ListDocumentsAsync(printed.JobId)).Count == 0, "documents of the printed job deleted");
        Assert.Single(await spool.Documents.ListDocumentsAsync(held.JobId));
    }

    /// <summary>
    /// Jobs run through a queue that snapshots every few events; its journal rows stay few, and after a restart the
    /// queue has every job and goes on numbering its events (a reused sequence number would fail the next write).
    /// ACTORSPOOL_JOURNAL_JOBS=N runs N jobs instead (a measurement; ACTORSPOOL_TRIM_JOURNAL=off for the comparison).
    /// </summary>
    [Fact]
    public async Task The_journal_is_deleted_up_to_each_snapshot_and_a_restarted_queue_keeps_its_jobs_and_numbering()
    {
        var jobs = int.TryParse(Environment.GetEnvironmentVariable("ACTORSPOOL_JOURNAL_JOBS"), out var n) ? n : 200;
        var trim = Environment.GetEnvironmentVariable("ACTORSPOOL_TRIM_JOURNAL") != "off";
        var measuring = jobs != 200 || !trim;
        var settings = SpoolHarness.FastSettings with
        {
            SnapshotEvery = measuring ? new SpoolSettings().SnapshotEvery : 20,
            TrimJournal = trim,
            RetainTerminalJobs = measuring ? new SpoolSettings().RetainTerminalJobs : 10_000,
        };
        var run = Stopwatch.StartNew();
        await using (var spool = await SpoolHarness.StartAsync(Printers, _data.Path, settings))
        {
            using var gate = new SemaphoreSlim(64);
            await Task.WhenAll(Enumerable.Range(0, jobs).Select(async i =>
            {
                await gate.WaitAsync();
                try
                {
                    await spool.SubmitAsync("office", Encoding.ASCII.GetBytes($"job {i}\n"));
                }
                finally
                {
                    gate.Release();
                }
            }));
            await spool.WaitForJobsAsync("office", all => all.All(j => j.State == JobState.Completed) && _device!.ReceivedJobs.Count >= jobs,
                TimeSpan.FromMinutes(measuring ? 120 : 2));
            // The last snapshot's deletion runs after it was saved.
            if (trim && !measuring) await SpoolHarness.WaitUntilAsync(() => Task.FromResult(JournalOf("office").Rows <= 2 * settings.SnapshotEvery + 1), "the journal trimmed");
        }
        var (rows, highest) = JournalOf("office");
        output.WriteLine($"{jobs} jobs in {run.Elapsed.TotalSeconds:0.0} s, trim-journal {(trim ? "on" : "off")}: {rows} journal rows, highest sequence number {highest}, " +
                         $"actorspool.db {new FileInfo(Path.Combine(_data.Path, SpoolPersistence.SqliteFileName)).Length / 1024} KiB");
        if (trim && !measuring) Assert.True(rows <= 2 * settings.SnapshotEvery + 1, $"{rows} journal rows for {highest} events");
        Assert.True(highest >= 3 * jobs, $"highest sequence number {highest} for {jobs} jobs");

        var recovery = Stopwatch.StartNew();
        await using (var spool = await SpoolHarness.StartAsync(Printers, _data.Path, settings))
        {
            var recovered = await spool.JobsAsync("office");
            output.WriteLine($"recovered {recovered.Length} jobs in {recovery.Elapsed.TotalSeconds:0.00} s (node start included)");
            if (!measuring) Assert.Equal(jobs, recovered.Count(j => j.State == JobState.Completed));

            var after = await spool.SubmitAsync("office", "after the restart\n"u8.ToArray());
            await spool.WaitForJobsAsync("office", all => all.Any(j => j.JobId == after.JobId && j.State == JobState.Completed));
        }
        Assert.True(JournalOf("office").Highest > highest);
    }

    private (long Rows, long Highest) JournalOf(string queue)
    {
        using var connection = new SqliteConnection(SpoolPersistence.SqliteConnectionString(_data.Path));
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*), coalesce(max(sequence_number), 0) FROM journal WHERE persistence_id = $id";
        command.Parameters.AddWithValue("$id", JobQueueActor.PersistenceIdFor(queue));
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }
}
