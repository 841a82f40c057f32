using System.Globalization;
using System.Text;
using ActorSpool.TestSupport;
using Xunit.Abstractions;

namespace ActorSpool.Chaos.Tests;

/// <summary>
/// Scenario 4: clients keep printing while a node is dead. They know the IPP ports of all nodes and go round
/// robin; a request to the dead node (or one cut off by the kill) is retried on the next node. Every job a client
/// got successful-ok for must be in the system and complete.
/// </summary>
[Collection(ChaosCollection.Name)]
public sealed class SubmissionFailoverTests(PostgresFixture postgres, ITestOutputHelper output)
{
    private const int Jobs = 480;
    /// <summary>Each client pauses this long between jobs, so the submissions span the outage.</summary>
    private static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan MinimumOutage = TimeSpan.FromSeconds(25);
    private const int Clients = 6;
    private const int Workers = 4;

    [Fact]
    public async Task Clients_keep_submitting_through_the_survivors_while_a_node_is_dead()
    {
        var md = new StringBuilder();
        var passed = false;
        await using var cluster = await ClusterHarness.StartAsync(postgres.Server, output, "submission-failover",
            new ClusterHarness.Options { Workers = Workers, PrinterDelay = TimeSpan.FromMilliseconds(20) });
        try
        {
            var submission = cluster.Submitter.SubmitManyAsync(Enumerable.Range(1, Jobs), Clients, Pace);
            await WaitUntilAsync(() => cluster.Submitter.Acked.Count >= 60 || submission.IsCompleted, TimeSpan.FromMinutes(2));

            // The node hosting the queue is the hardest to lose for ingress: its shard has to move first.
            var host = cluster.QueueHost();
            var victim = host >= 0 ? host : 1;
            var ackedBefore = cluster.Submitter.Acked.Count;
            cluster.Log($"killing {ClusterHarness.NodeName(victim)} (hosts queue {cluster.Queue}: {host == victim}); {ackedBefore} acknowledged so far");
            var killedAt = await cluster.KillAsync(victim);
            // Keep it dead long enough for the cluster to notice and move its shards, and for the survivors to take
            // at least 100 more jobs (at most 90 s).
            await Task.Delay(MinimumOutage);
            await WaitUntilAsync(() => cluster.Submitter.Acked.Count >= ackedBefore + 100 || submission.IsCompleted, TimeSpan.FromSeconds(65));
            var restartedAt = DateTimeOffset.UtcNow;
            var anatomy = KillAnatomy.Read(cluster, victim, killedAt, restartedAt);
            var ackedWhileDead = cluster.Submitter.Acked.Count(a => a.At + a.Took > killedAt);
            var firstAckAfterKill = cluster.Submitter.Acked.Where(a => a.At + a.Took > killedAt).Select(a => a.At + a.Took).DefaultIfEmpty().Min();
            cluster.Log($"{ackedWhileDead} acknowledged while {ClusterHarness.NodeName(victim)} was dead; restarting it");
            await cluster.RestartAsync(victim);
            await submission.WaitAsync(TimeSpan.FromMinutes(4));

            var acked = cluster.Submitter.Acked;
            Assert.Equal(Jobs, acked.Count);
            var jobs = await cluster.WaitForAllTerminalAsync(acked.Select(a => a.JobId).ToList(), TimeSpan.FromMinutes(4));
            var outcome = await Outcome.AnalyseAsync(cluster, jobs);
            var failed = cluster.Submitter.Failed;
            var duringOutage = cluster.Submitter.Attempts.Where(a => a.At + a.Took > killedAt && a.At < restartedAt).ToList();
            var slowest = duringOutage.Where(a => a.Acked).Select(a => a.Took).DefaultIfEmpty().Max();

            md.AppendLine(CultureInfo.InvariantCulture, $"3 nodes × {Workers} workers, 3 printers (balance, 20 ms per job); {Jobs} jobs from {Clients} clients (each pausing {Pace.TotalMilliseconds:0} ms between jobs) round-robin over all 3 IPP ports, retrying the next port on failure; "
                                                       + $"{ClusterHarness.NodeName(victim)} (queue host: {host == victim}) SIGKILLed after {ackedBefore} acknowledgements and kept dead {(restartedAt - killedAt).TotalSeconds:0.0} s.");
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"- acknowledged while the node was dead: **{ackedWhileDead}**; first acknowledgement after the kill: {(firstAckAfterKill == default ? "none" : $"{(firstAckAfterKill - killedAt).TotalSeconds:0.0} s")}; slowest acknowledged request during the outage: {slowest.TotalSeconds:0.0} s");
            md.AppendLine(CultureInfo.InvariantCulture, $"- where the time went (survivors' Akka log lines, after the SIGKILL): {anatomy}");
            md.AppendLine(CultureInfo.InvariantCulture, $"- failed submissions (each retried on the next node): **{failed.Count}** of {cluster.Submitter.Attempts.Count} requests ({cluster.Submitter.FailureSummary()}); "
                                                       + $"by node: {string.Join(", ", failed.GroupBy(a => a.Node).OrderBy(g => g.Key).Select(g => $"{ClusterHarness.NodeName(g.Key)} = {g.Count()}"))}");
            foreach (var example in failed.GroupBy(a => a.Failure!.Split(':')[0]).Select(g => g.First()))
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"  - e.g. request {example.Number} to {ClusterHarness.NodeName(example.Node)} after {example.Took.TotalSeconds:0.0} s: `{example.Failure}`");
            }
            outcome.WriteTo(md);

            outcome.AssertContract(maxDuplicates: Workers);
            Assert.True(ackedWhileDead > 0, $"no submission was acknowledged while {ClusterHarness.NodeName(victim)} was dead");
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
            CrashPointTests.AppendTimeline(md, cluster);
            output.WriteLine(md.ToString());
            ChaosReport.Append("Scenario 4: submissions fail over to the survivors while a node is dead", passed, md);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition() && DateTime.UtcNow < deadline) await Task.Delay(100);
    }
}
