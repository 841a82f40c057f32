using System.Globalization;
using System.Text;
using ActorSpool.TestSupport;
using Xunit.Abstractions;

namespace ActorSpool.Chaos.Tests;

/// <summary>
/// Scenario 2: a node killed at the two delicate points of the contract, through the node's test hooks
/// (ACTORSPOOL_TEST_HOOK): between "document stored" and "job accepted" (the client must not get successful-ok,
/// the job may be absent), and between "delivered to the printer" and "outcome persisted" (the job must still
/// complete; it may print twice).
/// </summary>
[Collection(ChaosCollection.Name)]
public sealed class CrashPointTests(PostgresFixture postgres, ITestOutputHelper output)
{
    private const int Workers = 4;
    private const int StoredHook = 5;
    private const int DeliveredHook = 3;
    private const int Victim = 2;

    private static Dictionary<string, string> Hook(string point, int n) => new() { ["ACTORSPOOL_TEST_HOOK"] = $"{point}:{n}" };

    [Fact]
    public async Task Kills_between_stored_and_accepted_and_between_delivered_and_recorded_lose_no_acknowledged_job()
    {
        var md = new StringBuilder();
        var passed = false;
        await using var cluster = await ClusterHarness.StartAsync(postgres.Server, output, "crash-points",
            new ClusterHarness.Options { Workers = Workers, PrinterDelay = TimeSpan.FromMilliseconds(100) },
            i => i == Victim ? Hook("kill-after-document-stored", StoredHook) : null);
        try
        {
            // Phase A: submit to the hooked node only, one request at a time, no retry: the 5th dies after storing.
            var direct = new List<IppSubmitter.Attempt>();
            for (var job = 1; job <= StoredHook + 3; job++)
            {
                var attempt = await cluster.Submitter.SubmitOnceAsync(Victim, job);
                direct.Add(attempt);
                if (!attempt.Acked) break;
            }
            var exited = await cluster.Node(Victim).WaitForExitAsync(TimeSpan.FromSeconds(30));
            cluster.Log($"phase A: {direct.Count(a => a.Acked)} acknowledged, then {Describe(direct.FirstOrDefault(a => !a.Acked))}; node exited: {exited}");
            Assert.True(exited, $"{ClusterHarness.NodeName(Victim)} did not die at kill-after-document-stored:{StoredHook}");
            Assert.Contains(cluster.GrepLogs("TEST HOOK"), l => l.Contains($"kill-after-document-stored:{StoredHook}", StringComparison.Ordinal));
            Assert.All(direct.Take(StoredHook - 1), a => Assert.True(a.Acked, $"request {a.Number} before the crash point failed: {a.Failure}"));
            Assert.True(direct.Count >= StoredHook, $"only {direct.Count} requests were made before the node died");
            var diedAtStorage = direct[StoredHook - 1];
            Assert.False(diedAtStorage.Acked, $"the request that crashed the node after storing its document got successful-ok (job {diedAtStorage.JobId})");

            // Phase B: the node comes back armed with the second hook; a backlog goes to the whole cluster.
            await cluster.RestartAsync(Victim, Hook("kill-after-delivered", DeliveredHook));
            var armedAt = DateTimeOffset.UtcNow;
            var submission = cluster.Submitter.SubmitManyAsync(Enumerable.Range(101, 60), clients: 4);
            var exitedAgain = await cluster.Node(Victim).WaitForExitAsync(TimeSpan.FromMinutes(3));
            cluster.Log($"phase B: node exited after its deliveries: {exitedAgain}; printed so far {cluster.Ledger.Count}");
            var diedAt = DateTimeOffset.UtcNow;
            Assert.True(exitedAgain, $"{ClusterHarness.NodeName(Victim)} did not die at kill-after-delivered:{DeliveredHook}");
            Assert.Contains(cluster.GrepLogs("TEST HOOK"), l => l.Contains($"kill-after-delivered:{DeliveredHook}", StringComparison.Ordinal));
            await submission.WaitAsync(TimeSpan.FromMinutes(4));
            await cluster.RestartAsync(Victim);

            var acked = cluster.Submitter.Acked;
            var jobs = await cluster.WaitForAllTerminalAsync(acked.Select(a => a.JobId).ToList(), TimeSpan.FromMinutes(4));
            var outcome = await Outcome.AnalyseAsync(cluster, jobs);

            // The request that died after storing: absent (orphan document), or - if the queue got it after all - completed.
            var listed = jobs.FirstOrDefault(j => j.Number == diedAtStorage.Number);
            var printedCopies = cluster.Ledger.CountsByMarker().GetValueOrDefault(diedAtStorage.Number);
            cluster.Log($"request {diedAtStorage.Number} (crashed after storing): {(listed is null ? "not listed" : $"listed as job {listed.JobId}, state {listed.State}")}, printed {printedCopies}×");

            md.AppendLine(CultureInfo.InvariantCulture, $"3 nodes × {Workers} workers, 3 printers (balance, 100 ms per job); {ClusterHarness.NodeName(Victim)} runs the hooks.");
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"- `kill-after-document-stored:{StoredHook}`: requests 1–{StoredHook - 1} acknowledged; request {diedAtStorage.Number} got **{Describe(diedAtStorage)}** (no successful-ok); "
                                                       + $"afterwards it is {(listed is null ? "absent from the queue" : $"listed as job {listed.JobId} in state {listed.State}")} and printed {printedCopies}×");
            // The deliveries the hooked incarnation had in hand when it died: dispatched to its workers, never completed
            // by that dispatch. The one it had delivered (printed) must have been printed again by another worker.
            var cut = new List<string>();
            try
            {
                var history = await JournalInspector.ReadAsync(cluster.ConnectionString, cluster.Queue);
                var completed = history.Completions.Select(c => (c.JobId, c.Attempt)).ToHashSet();
                var numbers = jobs.Where(j => j.Number is not null).ToDictionary(j => (long)j.JobId, j => j.Number!.Value);
                var counts = cluster.Ledger.CountsByMarker();
                foreach (var d in history.Dispatches.Where(d => d.At > armedAt && d.At <= diedAt && cluster.NodeOfAddress(d.Worker) == Victim
                                                                && !completed.Contains((d.JobId, d.Attempt))))
                {
                    var number = numbers.GetValueOrDefault(d.JobId, -1);
                    cut.Add($"job {d.JobId} (request {number}) printed {counts.GetValueOrDefault(number)}×, {(jobs.First(j => j.JobId == d.JobId).IsCompleted ? "completed" : "NOT completed")}");
                }
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException)
            {
                cut.Add($"(journal not readable: {e.Message})");
            }
            cluster.Log($"deliveries cut off by the kill-after-delivered crash: {Outcome.Sample(cut)}");
            md.AppendLine(CultureInfo.InvariantCulture, $"- `kill-after-delivered:{DeliveredHook}`: the restarted node died after its {DeliveredHook}rd delivery, before reporting it. "
                                                       + $"Its deliveries cut off (dispatched to its workers, that dispatch never completed): {Outcome.Sample(cut)}");
            outcome.WriteTo(md);
            md.AppendLine(CultureInfo.InvariantCulture, $"- failed submissions: {cluster.Submitter.Failed.Count} ({cluster.Submitter.FailureSummary()})");

            outcome.AssertContract(maxDuplicates: Workers);
            if (listed is null) Assert.True(printedCopies == 0, $"request {diedAtStorage.Number} is not a job in the queue, yet it printed {printedCopies}×");
            else Assert.True(listed.IsCompleted, $"request {diedAtStorage.Number} became job {listed.JobId} but ended in state {listed.State}");
            passed = true;
        }
        catch (Exception e)
        {
            md.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"**Failure:** {e.GetType().Name}: {e.Message}");
            if (e is not Xunit.Sdk.XunitException) await Outcome.DescribeCurrentAsync(cluster, md);
            cluster.DumpLogs(e.Message);
            throw;
        }
        finally
        {
            AppendTimeline(md, cluster);
            output.WriteLine(md.ToString());
            ChaosReport.Append("Scenario 2: crash points (kill-after-document-stored, kill-after-delivered)", passed, md);
        }
    }

    private static string Describe(IppSubmitter.Attempt? attempt) =>
        attempt is null ? "nothing failed" : attempt.Acked ? $"job {attempt.JobId}" : attempt.Failure ?? "failure";

    internal static void AppendTimeline(StringBuilder md, ClusterHarness cluster)
    {
        md.AppendLine().AppendLine("<details><summary>timeline</summary>").AppendLine().AppendLine("```");
        foreach (var line in cluster.Timeline) md.AppendLine(line);
        md.AppendLine("```").AppendLine("</details>");
    }
}
