using System.Globalization;
using System.Text;
using ActorSpool.TestSupport;
using Xunit.Abstractions;

namespace ActorSpool.Chaos.Tests;

/// <summary>
/// Scenario 8: how long printing stops when a node dies, over many kills. Three nodes on PostgreSQL under a steady IPP
/// load; ten times the node hosting the balancer singleton and the busy queue (the oldest member) is SIGKILLed and
/// started again on its old address as soon as the survivors print again; then five times a node hosting neither, started
/// again at once. Reported: per kill the first dispatch by a survivor (the queue's journal) and where the time went;
/// min/median/max; for the plain nodes, the longest gap between dispatches around the kill. Asserted: every
/// acknowledged job completes and prints, duplicates only for jobs that can have been on the wire, dispatch resumes
/// after every kill, and every restarted node joins on its first try (no exit 3, docs/cluster.md).
/// </summary>
[Collection(ChaosCollection.Name)]
public sealed class FailoverTimeTests(PostgresFixture postgres, ITestOutputHelper output)
{
    private const int HostKills = 10;
    private const int MaxHostKills = 16;
    private const int PlainKills = 5;
    private static readonly TimeSpan PlainWindow = TimeSpan.FromSeconds(5);
    private const int Clients = 6;
    private const int Workers = 4;
    private static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan ResumeLimit = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan Target = TimeSpan.FromSeconds(5);

    private sealed record Kill(int Node, bool Balancer, bool Queue, DateTimeOffset At)
    {
        public KillAnatomy Anatomy { get; set; } = new();
        public DateTimeOffset? FirstDispatch { get; set; }
        public TimeSpan? GapBefore { get; set; }
        public TimeSpan? GapAfter { get; set; }
        public TimeSpan? IdleWithWorkBefore { get; set; }
        public TimeSpan? IdleWithWorkAfter { get; set; }
        public string What => (Balancer, Queue) switch
        {
            (true, true) => "balancer + queue",
            (true, false) => "balancer",
            (false, true) => "queue",
            _ => "neither",
        };
    }

    [Fact]
    public async Task Printing_resumes_after_each_of_many_kills_and_the_killed_node_rejoins_at_once()
    {
        var md = new StringBuilder();
        var kills = new List<Kill>();
        await using var cluster = await ClusterHarness.StartAsync(postgres.Server, output, "failover-time",
            new ClusterHarness.Options { Workers = Workers, PrinterDelay = TimeSpan.FromMilliseconds(50) });
        cluster.Submitter.SkipDeadNodes = true;
        var stop = false;
        IEnumerable<int> Endless()
        {
            for (var i = 1; !Volatile.Read(ref stop); i++) yield return i;
        }
        var load = cluster.Submitter.SubmitManyAsync(Endless(), Clients, Pace);
        try
        {
            await ChaosReport.RunAsync("Scenario 8: failover time over many kills", cluster, output, md, async () =>
            {
                await cluster.Ledger.WaitForCountAsync(50, TimeSpan.FromMinutes(2));
                // Kill the oldest member (balancer singleton; the queue lands there too, sharding placing a shard on the oldest
                // of equally loaded nodes) until ten kills hit both, at most 16; then five times a node hosting neither.
                while (kills.Count(k => k.Balancer && k.Queue) < HostKills && kills.Count < MaxHostKills)
                {
                    var kill = await KillAsync(cluster, plain: false);
                    kills.Add(kill);
                    // Started again as soon as the survivors took over (a supervisor restarting a crashed node on its old
                    // address): once the queue recovered elsewhere, or a survivor printed if the queue was not on it.
                    await Eventually.WaitUntilAsync(() => kill.Queue
                        ? cluster.FirstLogAfter($"Queue {cluster.Queue}: recovered", kill.At) is not null
                        : cluster.Ledger.Prints.Any(p => p.ReceivedAt > kill.At), "the survivors to take over", ResumeLimit);
                    await RestartAsync(cluster, kill);
                }
                for (var n = 0; n < PlainKills; n++)
                {
                    var kill = await KillAsync(cluster, plain: true);
                    kills.Add(kill);
                    // Measured before the restart: a starting node's first seconds take both cores of the test machine.
                    await Task.Delay(PlainWindow);
                    await RestartAsync(cluster, kill);
                }
                Volatile.Write(ref stop, true);
                await load.WaitAsync(TimeSpan.FromMinutes(3));

                var acked = cluster.Submitter.Acked;
                var jobs = await cluster.WaitForAllTerminalAsync(acked.Select(a => a.JobId).ToList(), TimeSpan.FromMinutes(5));
                var outcome = await Outcome.AnalyseAsync(cluster, jobs);
                var history = await JournalInspector.ReadAsync(cluster.ConnectionString, cluster.Queue);
                var dispatches = history.Dispatches.OrderBy(d => d.At).ToList();
                foreach (var kill in kills)
                {
                    kill.FirstDispatch = dispatches.Where(d => d.At > kill.At && cluster.NodeOfAddress(d.Worker) != kill.Node).Select(d => (DateTimeOffset?)d.At).FirstOrDefault();
                    if (kill.FirstDispatch is { } f) kill.Anatomy.Add("first dispatch by a survivor (journal)", f - kill.At, "");
                    kill.GapBefore = LongestGap(dispatches.Select(d => d.At), kill.At - PlainWindow, kill.At);
                    kill.GapAfter = LongestGap(dispatches.Select(d => d.At), kill.At, kill.At + PlainWindow);
                    kill.IdleWithWorkBefore = LongestIdleWithWork(history, kill.At - PlainWindow, kill.At);
                    kill.IdleWithWorkAfter = LongestIdleWithWork(history, kill.At, kill.At + PlainWindow);
                    // Per printer, for a look at a gap: which printer's dispatches stopped, and which node's workers took them.
                    foreach (var printer in dispatches.Select(d => d.Printer).Distinct().Order())
                    {
                        var times = dispatches.Where(d => d.Printer == printer && d.At > kill.At - TimeSpan.FromSeconds(1) && d.At < kill.At + PlainWindow)
                            .Select(d => $"{(d.At - kill.At).TotalSeconds:0.00}@{ClusterHarness.NodeName(cluster.NodeOfAddress(d.Worker))}");
                        cluster.Log($"dispatches to {printer} around the kill of {ClusterHarness.NodeName(kill.Node)} ({kill.What}): {string.Join(" ", times)}");
                    }
                }

                var hostKills = kills.Where(k => k.Balancer && k.Queue).Select(k => k.FirstDispatch - k.At).OfType<TimeSpan>().Order().ToList();
                md.AppendLine(CultureInfo.InvariantCulture, $"3 nodes × {Workers} workers on PostgreSQL, 3 printers (balance, 50 ms per job), {Clients} IPP clients (one job each per {Pace.TotalMilliseconds:0} ms, any live node); {acked.Count} jobs acknowledged.");
                md.AppendLine();
                md.AppendLine(CultureInfo.InvariantCulture, $"- **SIGKILL of the node hosting the balancer and the queue, first dispatch by a survivor: {hostKills.Count} kills, min {Seconds(hostKills.FirstOrDefault())}, median {Seconds(Median(hostKills))}, max {Seconds(hostKills.LastOrDefault())}** (target {Target.TotalSeconds:0} s)");
                foreach (var kill in kills.Where(k => !k.Balancer && !k.Queue))
                {
                    md.AppendLine(CultureInfo.InvariantCulture, $"- SIGKILL of {ClusterHarness.NodeName(kill.Node)} (hosting neither): longest gap between dispatches in the {PlainWindow.TotalSeconds:0} s after it {Seconds(kill.GapAfter)} (in the {PlainWindow.TotalSeconds:0} s before it: {Seconds(kill.GapBefore)}); longest time without a dispatch while a job waited in the queue {Seconds(kill.IdleWithWorkAfter)} (before: {Seconds(kill.IdleWithWorkBefore)})");
                }
                md.AppendLine(CultureInfo.InvariantCulture, $"- restarts that had to be repeated because the node could not join (exit 3): {cluster.JoinRetries}");
                md.AppendLine();
                md.AppendLine("| kill | node | hosted | first dispatch by a survivor | where the time went |");
                md.AppendLine("|---|---|---|---|---|");
                foreach (var (kill, n) in kills.Select((k, n) => (k, n + 1)))
                {
                    md.AppendLine(CultureInfo.InvariantCulture, $"| {n} | {ClusterHarness.NodeName(kill.Node)} | {kill.What} | {Seconds(kill.FirstDispatch - kill.At)} | {kill.Anatomy} |");
                }
                outcome.WriteTo(md);

                outcome.AssertContract(maxDuplicates: Workers * kills.Count);
                foreach (var kill in kills)
                {
                    Assert.True(kill.FirstDispatch is not null, $"no survivor dispatched within the run after SIGKILL of {ClusterHarness.NodeName(kill.Node)}");
                }
                // Where sharding puts the queue is its choice: the run aims at ten kills of both and reports how many it got.
                Assert.True(hostKills.Count >= 1, $"only {hostKills.Count} of {kills.Count(k => k.Balancer)} kills of the balancer's node hit the queue's node too");
                Assert.True(cluster.JoinRetries == 0, $"{cluster.JoinRetries} restart(s) on the old address did not join on the first try");
            });
        }
        finally
        {
            Volatile.Write(ref stop, true);
        }
    }

    private static async Task<Kill> KillAsync(ClusterHarness cluster, bool plain)
    {
        var balancer = cluster.BalancerHost();
        var queue = cluster.QueueHost();
        var victim = plain ? Enumerable.Range(0, cluster.NodeCount).Where(i => i != balancer && i != queue).DefaultIfEmpty(-1).First() : balancer;
        if (victim < 0) throw new InvalidOperationException($"no node to kill: balancer on {Name(balancer)}, queue on {Name(queue)}");
        cluster.Log($"killing {ClusterHarness.NodeName(victim)}; balancer on {Name(balancer)}, queue {cluster.Queue} on {Name(queue)}");
        var at = await cluster.KillAsync(victim);
        return new Kill(victim, balancer == victim, queue == victim, at);
    }

    private static async Task RestartAsync(ClusterHarness cluster, Kill kill)
    {
        kill.Anatomy = KillAnatomy.Read(cluster, kill.Node, kill.At, DateTimeOffset.UtcNow);
        await cluster.RestartAsync(kill.Node);
        // Let the restarted node register its workers and the load settle before the next kill.
        await cluster.Ledger.WaitForCountAsync(cluster.Ledger.Count + 40, TimeSpan.FromMinutes(1));
        await Task.Delay(TimeSpan.FromSeconds(2));
    }

    private static TimeSpan? Median(IReadOnlyList<TimeSpan> sorted) =>
        sorted.Count == 0 ? null : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;

    /// <summary>The longest time without a dispatch within [from, to], the window's edges counting as dispatches.</summary>
    private static TimeSpan LongestGap(IEnumerable<DateTimeOffset> times, DateTimeOffset from, DateTimeOffset to)
    {
        var points = times.Where(t => t > from && t < to).Prepend(from).Append(to).Order().ToList();
        return points.Zip(points.Skip(1), (a, b) => b - a).Max();
    }

    /// <summary>
    /// The longest time within [from, to] in which a job waited in the queue (accepted, or back in line) and none was
    /// dispatched: a pause in printing, as opposed to a gap in which no work had arrived.
    /// </summary>
    private static TimeSpan LongestIdleWithWork(JournalInspector.History history, DateTimeOffset from, DateTimeOffset to)
    {
        var changes = history.BackInLine.Select(at => (At: at, Delta: 1)).Concat(history.Dispatches.Select(d => (d.At, Delta: -1)))
            .OrderBy(c => c.At).ThenBy(c => c.Delta);
        var waiting = 0;
        DateTimeOffset? waitingSince = null;
        var longest = TimeSpan.Zero;
        foreach (var (at, delta) in changes)
        {
            if (at > to) break;
            if (delta < 0 && waitingSince is { } since && at > from) longest = Max(longest, at - Max(since, from));
            waiting = Math.Max(0, waiting + delta);
            waitingSince = waiting == 0 ? null : delta < 0 ? at : waitingSince ?? at;
        }
        if (waitingSince is { } open && open < to) longest = Max(longest, to - Max(open, from));
        return longest;
    }

    private static T Max<T>(T a, T b) where T : IComparable<T> => a.CompareTo(b) >= 0 ? a : b;

    private static string Seconds(TimeSpan? span) => span is { } s ? string.Create(CultureInfo.InvariantCulture, $"{s.TotalSeconds:0.0} s") : "—";

    private static string Name(int node) => node < 0 ? "?" : ClusterHarness.NodeName(node);
}
