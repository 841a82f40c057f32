using System.Globalization;
using System.Text;
using ActorSpool.TestSupport;
using Xunit.Abstractions;

namespace ActorSpool.Chaos.Tests;

/// <summary>
/// Scenario 3: every node of the cluster is SIGKILLed at once with a backlog pending, then all are started
/// again: every accepted job must finish.
/// </summary>
[Collection(ChaosCollection.Name)]
public sealed class WholeClusterRestartTests(PostgresFixture postgres, ITestOutputHelper output)
{
    private const int Jobs = 300;
    private const int Workers = 4;

    [Fact]
    public async Task Every_accepted_job_finishes_after_all_nodes_are_killed_and_restarted()
    {
        var md = new StringBuilder();
        var passed = false;
        await using var cluster = await ClusterHarness.StartAsync(postgres.Server, output, "whole-cluster",
            new ClusterHarness.Options { Workers = Workers, PrinterDelay = TimeSpan.FromMilliseconds(100) });
        try
        {
            await cluster.Submitter.SubmitManyAsync(Enumerable.Range(1, Jobs), clients: 6).WaitAsync(TimeSpan.FromMinutes(4));
            var acked = cluster.Submitter.Acked;
            Assert.Equal(Jobs, acked.Count);
            await cluster.Ledger.WaitForCountAsync(Jobs / 10, TimeSpan.FromMinutes(2));

            var printed = cluster.Ledger.Prints.Select(p => p.Marker).ToHashSet();
            var backlog = acked.Count(a => !printed.Contains(a.Number));
            cluster.Log($"killing all {cluster.NodeCount} nodes; backlog {backlog}");
            await Task.WhenAll(Enumerable.Range(0, cluster.NodeCount).Select(cluster.KillAsync));
            // Every node process is gone now. A document already in a socket buffer still reaches its printer a
            // moment later (the kernel flushes it), so only prints completed more than a second later would mean
            // something other than the killed nodes is printing.
            var allDeadAt = DateTimeOffset.UtcNow;
            Assert.True(backlog > 0, "the backlog was empty when the cluster was killed: the test proved nothing");
            await Task.Delay(TimeSpan.FromSeconds(3));
            var printedWhileDown = cluster.Ledger.Prints.Count(p => p.ReceivedAt > allDeadAt + TimeSpan.FromSeconds(1));

            var restartedAt = DateTimeOffset.UtcNow;
            await Task.WhenAll(Enumerable.Range(0, cluster.NodeCount).Select(i => cluster.RestartAsync(i)));
            var upAt = DateTimeOffset.UtcNow;
            var first = await cluster.Ledger.WaitForAsync(p => p.ReceivedAt > restartedAt, TimeSpan.FromMinutes(2));
            cluster.Log(first is null ? "no delivery within 2 min of the restart" : $"first delivery {(first.ReceivedAt - restartedAt).TotalSeconds:0.0} s after the restart began");

            var jobs = await cluster.WaitForAllTerminalAsync(acked.Select(a => a.JobId).ToList(), TimeSpan.FromMinutes(4));
            var outcome = await Outcome.AnalyseAsync(cluster, jobs);
            var firstPrints = cluster.Ledger.Prints.GroupBy(p => p.Marker).ToDictionary(g => g.Key, g => g.Min(p => p.RecordedAt));
            var drainedAt = acked.Select(a => firstPrints.GetValueOrDefault(a.Number)).Max();

            md.AppendLine(CultureInfo.InvariantCulture, $"3 nodes × {Workers} workers, 3 printers (balance, 100 ms per job); {Jobs} jobs acknowledged, all nodes SIGKILLed with {backlog} not yet printed, all restarted.");
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"- documents printed while every node was dead (from 1 s after the last process exited until the restart): {printedWhileDown} (must be 0)");
            md.AppendLine(CultureInfo.InvariantCulture, $"- restart of all nodes until every one is Up: {(upAt - restartedAt).TotalSeconds:0.0} s; first delivery after the restart began: {(first is null ? "none" : $"{(first.ReceivedAt - restartedAt).TotalSeconds:0.0} s")}; backlog drained {(drainedAt - restartedAt).TotalSeconds:0.0} s after the restart began");
            outcome.WriteTo(md);
            md.AppendLine(CultureInfo.InvariantCulture, $"- duplicate bound asserted: workers × nodes = {Workers * cluster.NodeCount}");

            outcome.AssertContract(maxDuplicates: Workers * cluster.NodeCount);
            Assert.Equal(0, printedWhileDown);
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
            ChaosReport.Append("Scenario 3: whole-cluster SIGKILL and restart with a backlog", passed, md);
        }
    }
}
