using System.Globalization;
using System.Text;
using ActorSpool.TestSupport;
using Xunit.Abstractions;

namespace ActorSpool.Chaos.Tests;

/// <summary>
/// The seed layout of docs/cluster.md's example and of docker-compose.yml: the first node has no seed ("forms the
/// cluster"), the others name it. When that first node crashes and comes back (docker's restart policy does this
/// by itself) it has nobody to ask, so it forms a second cluster on the same database: two balancers, two
/// instances of every queue writing the same journal.
/// </summary>
/// <remarks>
/// Skipped while the deployment files still use that layout: it fails (found by the chaos work, see the skip
/// reason). The chaos scenarios themselves give every node every node as a seed, which docs/cluster.md recommends.
/// Run it with the skip removed once docker-compose.yml and docs/cluster.md give the first node seeds too.
/// </remarks>
[Collection(ChaosCollection.Name)]
public sealed class SeedLayoutTests(PostgresFixture postgres, ITestOutputHelper output)
{
    [Fact(Skip = "Known deployment bug: with node1 seedless (docs/cluster.md example, docker-compose.yml), a restarted node1 forms a second cluster on the same database; acknowledged jobs go missing and print twice. Remove the skip when the documented layout gives node1 seeds.")]
    public async Task A_restarted_first_node_of_the_documented_layout_rejoins_instead_of_forming_a_second_cluster()
    {
        var md = new StringBuilder();
        var passed = false;
        await using var cluster = await ClusterHarness.StartAsync(postgres.Server, output, "seed-layout",
            new ClusterHarness.Options { PrinterDelay = TimeSpan.FromMilliseconds(100), OnlyFirstNodeAsSeed = true });
        try
        {
            await cluster.Submitter.SubmitManyAsync(Enumerable.Range(1, 200), clients: 6).WaitAsync(TimeSpan.FromMinutes(3));
            await cluster.Ledger.WaitForCountAsync(20, TimeSpan.FromMinutes(1));
            var killedAt = await cluster.KillAsync(0);
            var removedPattern = $@"Leader is removing unreachable node \[[^\]]*:{cluster.RemotingPort(0)}\]";
            for (var i = 0; i < 60 && cluster.FirstLogAfter(removedPattern, killedAt) is null; i++) await Task.Delay(1000);
            var restartedAt = DateTimeOffset.UtcNow;
            await cluster.RestartAsync(0);
            await Task.Delay(TimeSpan.FromSeconds(10));
            await cluster.Submitter.SubmitManyAsync(Enumerable.Range(1001, 60), clients: 3).WaitAsync(TimeSpan.FromMinutes(3));

            var secondCluster = cluster.FirstLogAfter("is JOINING itself .* and forming a new cluster", restartedAt);
            var balancers = cluster.GrepLogs("Balancer singleton started on").Count(l => ClusterHarness.AkkaTime(l) > restartedAt);
            md.AppendLine(CultureInfo.InvariantCulture, $"- restarted node1: {(secondCluster is { } s ? $"formed a new cluster (`{s.Line[Math.Max(0, s.Line.IndexOf("Node [", StringComparison.Ordinal))..]}`)" : "rejoined")}; balancer singletons started after the restart: {balancers}");
            IReadOnlyList<ClusterHarness.QueueJob>? jobs = null;
            try
            {
                jobs = await cluster.WaitForAllTerminalAsync(cluster.Submitter.Acked.Select(a => a.JobId).ToList(), TimeSpan.FromMinutes(1));
            }
            catch (TimeoutException e)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"- {e.Message}");
            }
            if (jobs is not null) (await Outcome.AnalyseAsync(cluster, jobs)).WriteTo(md);
            var counts = cluster.Ledger.CountsByMarker();
            md.AppendLine(CultureInfo.InvariantCulture, $"- acknowledged {cluster.Submitter.Acked.Count}, never printed {cluster.Submitter.Acked.Count(a => !counts.ContainsKey(a.Number))}, duplicates {cluster.Ledger.Duplicates()}");
            md.AppendLine(CultureInfo.InvariantCulture, $"- journal write conflicts: {cluster.GrepLogs("duplicate key value violates unique constraint").Count}");

            Assert.True(secondCluster is null, $"the restarted first node formed a second cluster on the same database: {secondCluster?.Line}");
            Assert.NotNull(jobs);
            passed = true;
        }
        catch (Exception e)
        {
            md.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"**Failure:** {e.GetType().Name}: {e.Message}");
            if (e is not Xunit.Sdk.XunitException) await Outcome.DescribeCurrentAsync(cluster, md);
            cluster.DumpLogs(e.Message, tail: 20);
            throw;
        }
        finally
        {
            CrashPointTests.AppendTimeline(md, cluster);
            output.WriteLine(md.ToString());
            ChaosReport.Append("Seed layout of the docs/docker-compose: restart of the seedless first node", passed, md);
        }
    }
}
