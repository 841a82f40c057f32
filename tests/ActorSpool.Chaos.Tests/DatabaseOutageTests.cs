using System.Globalization;
using System.Net;
using System.Text;
using ActorSpool.TestSupport;
using Xunit.Abstractions;

namespace ActorSpool.Chaos.Tests;

/// <summary>
/// Scenario 6: the database goes away under load. Three nodes print from a PostgreSQL server of their own (the shared
/// one stays up for the other scenarios); clients keep submitting round robin over the nodes; the server is stopped
/// as a crash would stop it (<c>pg_ctl stop -m immediate</c>) for 30 s, then started again. Submissions during the
/// outage must get an IPP error promptly (never successful-ok for a job that is not stored, never a hang until the
/// client gives up); every acknowledged job prints; every node becomes ready again by itself.
/// </summary>
[Collection(ChaosCollection.Name)]
public sealed class DatabaseOutageTests(ITestOutputHelper output)
{
    private const int Clients = 4;
    private const int Workers = 4;
    private static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Submissions_during_a_database_outage_are_refused_promptly_and_everything_resumes_by_itself_when_it_is_back()
    {
        var md = new StringBuilder();
        var passed = false;
        await using var postgres = await ThrowawayPostgres.StartAsync(synchronousCommit: true); // a crash of the server keeps what it acknowledged
        await using var cluster = await ClusterHarness.StartAsync(postgres, output, "database-outage",
            new ClusterHarness.Options { Workers = Workers, PrinterDelay = TimeSpan.FromMilliseconds(50) });
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        try
        {
            using var stopLoad = new CancellationTokenSource();
            var load = RunLoadAsync(cluster, stopLoad.Token);
            await WaitUntilAsync(() => cluster.Submitter.Acked.Count >= 40, TimeSpan.FromMinutes(2), "40 jobs acknowledged before the outage");

            cluster.Log("stopping PostgreSQL (pg_ctl stop -m immediate)");
            await postgres.StopImmediatelyAsync();
            var stoppedAt = DateTimeOffset.UtcNow;
            // Every node reports the outage on /health/ready (its database check runs every second).
            var notReady = await WaitForReadinessAsync(cluster, http, ready: false, TimeSpan.FromSeconds(60));
            cluster.Log($"every node not ready: {notReady.First().Body}");
            // Scripts submitting over the REST API hear 503 with problem details, not a hang.
            string restDuringOutage;
            using (var body = new ByteArrayContent("a job for the REST API\n"u8.ToArray()))
            {
                using var restAnswer = await http.PostAsync(new Uri(cluster.WebUri(0), $"/api/v1/queues/{cluster.Queue}/jobs?name=rest-during-outage"), body);
                var problem = await restAnswer.Content.ReadAsStringAsync();
                Assert.Equal(HttpStatusCode.ServiceUnavailable, restAnswer.StatusCode);
                Assert.Equal("application/problem+json", restAnswer.Content.Headers.ContentType?.MediaType);
                restDuringOutage = $"{(int)restAnswer.StatusCode} `{problem}`";
            }
            var remaining = Outage - (DateTimeOffset.UtcNow - stoppedAt);
            if (remaining > TimeSpan.Zero) await Task.Delay(remaining);

            cluster.Log("starting PostgreSQL again");
            await postgres.StartAgainAsync();
            var startedAt = DateTimeOffset.UtcNow;
            var ready = await WaitForReadinessAsync(cluster, http, ready: true, TimeSpan.FromMinutes(2));
            var allReadyAfter = DateTimeOffset.UtcNow - startedAt;
            await WaitUntilAsync(() => cluster.Submitter.Acked.Any(a => a.At > startedAt), TimeSpan.FromMinutes(2), "a job acknowledged after the database came back");
            // Each node takes jobs again (its own intake, and whichever node hosts the queue).
            for (var node = 0; node < cluster.NodeCount; node++)
            {
                var attempt = await SubmitUntilAckedAsync(cluster, node, TimeSpan.FromMinutes(2));
                cluster.Log($"{ClusterHarness.NodeName(node)} acknowledged job {attempt.JobId} after the outage");
            }
            await stopLoad.CancelAsync();
            await load;

            var attempts = cluster.Submitter.Attempts;
            var during = attempts.Where(a => a.At >= stoppedAt && a.At < startedAt).ToList();
            var failedDuring = during.Where(a => !a.Acked).ToList();
            var firstAckAfter = attempts.Where(a => a.Acked && a.At >= startedAt).Min(a => a.At + a.Took) - startedAt;
            var acked = cluster.Submitter.Acked;
            var jobs = await cluster.WaitForAllTerminalAsync(acked.Select(a => a.JobId).ToList(), TimeSpan.FromMinutes(4));
            var outcome = await Outcome.AnalyseAsync(cluster, jobs);

            md.AppendLine(CultureInfo.InvariantCulture, $"3 nodes × {Workers} workers on a PostgreSQL server of their own, 3 printers (balance, 50 ms per job); {Clients} clients submitting round robin over the nodes (each pausing {Pace.TotalMilliseconds:0} ms between requests, no retry of a refused one); the server stopped with `pg_ctl stop -m immediate` for {Outage.TotalSeconds:0} s, then started again.");
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"- requests during the outage: **{during.Count}**, refused: **{failedDuring.Count}** ({Kinds(failedDuring)}), acknowledged: {during.Count - failedDuring.Count} (before the first write failed)");
            md.AppendLine(CultureInfo.InvariantCulture, $"- time to the refusal: median {Percentile(failedDuring, 0.5):0.00} s, max **{Percentile(failedDuring, 1):0.00} s**");
            md.AppendLine(CultureInfo.InvariantCulture, $"- `/health/ready` during the outage: `{notReady.First().Body}`");
            md.AppendLine(CultureInfo.InvariantCulture, $"- REST submission during the outage: {restDuringOutage}");
            md.AppendLine(CultureInfo.InvariantCulture, $"- after the database started again: every node ready after **{allReadyAfter.TotalSeconds:0.0} s**; first acknowledged job after **{firstAckAfter.TotalSeconds:0.0} s**; no node restarted");
            outcome.WriteTo(md);

            // Never "successful-ok" for a job that is not stored, nothing acknowledged lost or stuck, no stray print.
            outcome.AssertContract(maxDuplicates: Workers * cluster.NodeCount);
            Assert.NotEmpty(failedDuring);
            // Refused with an IPP status, not left to hang until the client gives up (90 s) or cut off.
            Assert.All(failedDuring, a => Assert.True(
                a.Failure!.StartsWith("IPP ServerErrorServiceUnavailable", StringComparison.Ordinal) || a.Failure.StartsWith("IPP ServerErrorBusy", StringComparison.Ordinal),
                $"request {a.Number} to {ClusterHarness.NodeName(a.Node)} failed otherwise after {a.Took.TotalSeconds:0.0} s: {a.Failure}"));
            Assert.All(ready, r => Assert.Equal(HttpStatusCode.OK, r.Status));
            Assert.All(Enumerable.Range(0, cluster.NodeCount), i => Assert.True(cluster.IsRunning(i), $"{ClusterHarness.NodeName(i)} exited"));
            passed = true;
        }
        catch (Exception e)
        {
            md.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"**Failure:** {e.GetType().Name}: {e.Message}");
            cluster.DumpLogs(e.Message);
            throw;
        }
        finally
        {
            CrashPointTests.AppendTimeline(md, cluster);
            output.WriteLine(md.ToString());
            ChaosReport.Append("Scenario 6: PostgreSQL stopped for 30 s under load", passed, md);
        }
    }

    /// <summary>Clients that submit one request at a time round robin, recording every answer; a refused request is not retried.</summary>
    private static async Task RunLoadAsync(ClusterHarness cluster, CancellationToken stop)
    {
        var next = 0;
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(async _ =>
        {
            while (!stop.IsCancellationRequested)
            {
                var number = Interlocked.Increment(ref next);
                try
                {
                    await cluster.Submitter.SubmitOnceAsync(number % cluster.NodeCount, number, stop);
                    await Task.Delay(Pace, stop);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
            }
        }));
    }

    private static async Task<IppSubmitter.Attempt> SubmitUntilAckedAsync(ClusterHarness cluster, int node, TimeSpan limit)
    {
        var deadline = DateTimeOffset.UtcNow + limit;
        while (true)
        {
            var attempt = await cluster.Submitter.SubmitOnceAsync(node, -node - 1);
            if (attempt.Acked) return attempt;
            if (DateTimeOffset.UtcNow > deadline) throw new TimeoutException($"{ClusterHarness.NodeName(node)} acknowledged nothing after the outage: {attempt.Failure}");
            await Task.Delay(500);
        }
    }

    private sealed record Readiness(int Node, HttpStatusCode Status, string Body);

    /// <summary>Waits until every node's /health/ready says ready (200) or not ready (503), and returns their answers.</summary>
    private static async Task<IReadOnlyList<Readiness>> WaitForReadinessAsync(ClusterHarness cluster, HttpClient http, bool ready, TimeSpan limit)
    {
        var deadline = DateTimeOffset.UtcNow + limit;
        while (true)
        {
            var answers = await Task.WhenAll(Enumerable.Range(0, cluster.NodeCount).Select(async i =>
            {
                using var response = await http.GetAsync(new Uri(cluster.WebUri(i), "/health/ready"));
                return new Readiness(i, response.StatusCode, (await response.Content.ReadAsStringAsync()).Trim());
            }));
            if (answers.All(a => ready ? a.Status == HttpStatusCode.OK : a.Status == HttpStatusCode.ServiceUnavailable && a.Body.Contains("storage", StringComparison.Ordinal)))
                return answers;
            if (DateTimeOffset.UtcNow > deadline)
                throw new TimeoutException($"not every node became {(ready ? "ready" : "not ready (storage)")}: {string.Join("; ", answers.Select(a => $"{ClusterHarness.NodeName(a.Node)} {(int)a.Status} {a.Body}"))}");
            await Task.Delay(250);
        }
    }

    private static string Kinds(IEnumerable<IppSubmitter.Attempt> failed) =>
        string.Join(", ", failed.GroupBy(a => a.Failure!.Split(':')[0]).Select(g => $"{g.Key}: {g.Count()}"));

    private static double Percentile(IReadOnlyList<IppSubmitter.Attempt> attempts, double p)
    {
        if (attempts.Count == 0) return 0;
        var sorted = attempts.Select(a => a.Took.TotalSeconds).Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"not within {timeout.TotalSeconds:0} s: {what}");
            await Task.Delay(100);
        }
    }
}
