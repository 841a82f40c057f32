using System.Globalization;
using System.Text;
using ActorSpool.TestSupport;
using Xunit.Abstractions;

namespace ActorSpool.Chaos.Tests;

/// <summary>
/// Scenario 1: a three-node cluster with a backlog of a thousand jobs loses its oldest node (first seed, balancer
/// singleton, usually the queue too) to SIGKILL, gets it back, then loses a plain worker node, gets it back. Every
/// acknowledged job must complete and print; duplicates are counted and bounded; dispatch must resume on the
/// survivors and every printer of the pool must be used again (within a generous limit); the times until dispatch
/// resumes, where they went, and until the backlog drained are measured and reported.
/// </summary>
[Collection(ChaosCollection.Name)]
public sealed class RollingKillTests(PostgresFixture postgres, ITestOutputHelper output)
{
    private const int Jobs = 1000;
    private const int Clients = 8;
    private const int Workers = 4;
    private static readonly TimeSpan PrinterDelay = TimeSpan.FromMilliseconds(200);
    /// <summary>Generous: only to stop waiting. The target (10 s) is reported, not asserted.</summary>
    private static readonly TimeSpan ResumeLimit = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan Target = TimeSpan.FromSeconds(10);

    private sealed record Kill(int Node, string Why, DateTimeOffset At, int Backlog, int QueueHost, int BalancerHost)
    {
        public KillAnatomy Anatomy { get; set; } = new();
        /// <summary>The first document whose delivery started after the kill, and when it was printed.</summary>
        public PrintLedger.Print? FirstAfter { get; set; }
        /// <summary>When every printer had started a delivery after the kill (full throughput back).</summary>
        public DateTimeOffset? AllPrinters { get; set; }
        /// <summary>Printers that got no delivery within the limit after the kill although jobs were waiting.</summary>
        public List<string> IdlePrinters { get; } = [];
        public TimeSpan? RestartTook { get; set; }
        public DateTimeOffset? RestartedAt { get; set; }
    }

    [Fact]
    public async Task Every_acknowledged_job_completes_while_the_oldest_node_and_then_another_are_killed_and_restarted()
    {
        var md = new StringBuilder();
        var kills = new List<Kill>();
        await using var cluster = await ClusterHarness.StartAsync(postgres.Server, output, "rolling-kill",
            new ClusterHarness.Options { Workers = Workers, PrinterDelay = PrinterDelay });
        await ChaosReport.RunAsync("Scenario 1: rolling SIGKILL of the oldest node, then another, under a backlog", cluster, output, md, async () =>
        {
            var submitStart = DateTimeOffset.UtcNow;
            await cluster.Submitter.SubmitManyAsync(Enumerable.Range(1, Jobs), Clients).WaitAsync(TimeSpan.FromMinutes(5));
            var acked = cluster.Submitter.Acked;
            var submitTook = DateTimeOffset.UtcNow - submitStart;
            cluster.Log($"{acked.Count} jobs acknowledged in {submitTook.TotalSeconds:0.0} s ({cluster.Submitter.Failed.Count} failed requests); printed so far: {cluster.Ledger.Count}");
            Assert.Equal(Jobs, acked.Count);

            await cluster.Ledger.WaitForCountAsync(Jobs / 10, TimeSpan.FromMinutes(2));
            var rateFrom = (Time: DateTimeOffset.UtcNow, Count: cluster.Ledger.Count);
            await Task.Delay(TimeSpan.FromSeconds(3));
            var undisturbedRate = (cluster.Ledger.Count - rateFrom.Count) / (DateTimeOffset.UtcNow - rateFrom.Time).TotalSeconds;
            cluster.Log($"undisturbed print rate: {undisturbedRate:0.0} jobs/s");

            kills.Add(await KillAndMeasureAsync(cluster, 0));
            await RestartAsync(cluster, kills[^1]);
            // Let the restarted node take part before the next kill.
            await cluster.Ledger.WaitForCountAsync(cluster.Ledger.Count + 30, TimeSpan.FromMinutes(1));
            // Second: a plain worker node, hosting neither the balancer nor the queue (the first kill covered those; the
            // queue host is killed in the submission scenario): the survivors should barely notice.
            var balancer = cluster.BalancerHost();
            var queueHost = cluster.QueueHost();
            var second = Enumerable.Range(0, cluster.NodeCount).Where(i => i != balancer && i != queueHost)
                .OrderBy(i => i == 0) // the node just restarted only when nothing else qualifies
                .DefaultIfEmpty(cluster.NodeCount - 1).First();
            kills.Add(await KillAndMeasureAsync(cluster, second));
            await RestartAsync(cluster, kills[^1]);

            var jobs = await cluster.WaitForAllTerminalAsync(acked.Select(a => a.JobId).ToList(), TimeSpan.FromMinutes(5));
            var outcome = await Outcome.AnalyseAsync(cluster, jobs);
            var firstPrints = cluster.Ledger.Prints.GroupBy(p => p.Marker).ToDictionary(g => g.Key, g => g.Min(p => p.RecordedAt));
            var drainedAt = acked.Select(a => firstPrints.GetValueOrDefault(a.Number)).Max();

            md.AppendLine(CultureInfo.InvariantCulture, $"3 nodes × {Workers} workers, 3 printers (balance) with {PrinterDelay.TotalMilliseconds:0} ms per job, "
                                                       + $"{Jobs} jobs from {Clients} concurrent IPP clients acknowledged in {submitTook.TotalSeconds:0.0} s; undisturbed print rate {undisturbedRate:0.0} jobs/s.");
            md.AppendLine();
            JournalInspector.History? history = null;
            try
            {
                history = await JournalInspector.ReadAsync(cluster.ConnectionString, cluster.Queue);
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException)
            {
                md.AppendLine($"- (journal not readable: {e.Message})");
            }
            var numbers = jobs.Where(j => j.Number is not null).ToDictionary(j => (long)j.JobId, j => j.Number!.Value);

            md.AppendLine("| SIGKILL | node (what it hosted) | backlog at kill | first dispatch after kill (journal) | that job printed | first delivery started after kill (printers) | all printers busy again | restart to Up | every acknowledged document printed |");
            md.AppendLine("|---|---|---|---|---|---|---|---|---|");
            foreach (var (kill, n) in kills.Select((k, n) => (k, n + 1)))
            {
                // Dispatch resumed: the queue persisted a JobDispatched after the kill (a delivery that a printer on a
                // survivor merely had queued before the kill can start earlier without any dispatch).
                var dispatch = history?.Dispatches.Where(d => d.At > kill.At).MinBy(d => d.At);
                var printed = dispatch is { } d0 && numbers.TryGetValue(d0.JobId, out var number)
                    ? cluster.Ledger.Prints.Where(p => p.Marker == number && p.ReceivedAt >= d0.At).Select(p => (DateTimeOffset?)p.RecordedAt).Min()
                    : null;
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"| {n} | {ClusterHarness.NodeName(kill.Node)} ({kill.Why}) | {kill.Backlog} | "
                    + $"**{Seconds(dispatch?.At - kill.At)}**{(dispatch?.At - kill.At > Target ? " (over the 10 s target)" : "")} | {Seconds(printed - kill.At)} | "
                    + $"{Seconds(kill.FirstAfter?.ReceivedAt - kill.At)} | "
                    + $"{(kill.IdlePrinters.Count > 0 ? IdleText(cluster, kill) : Seconds(kill.AllPrinters - kill.At))} | {Seconds(kill.RestartTook)} | {Seconds(drainedAt - kill.At)} |");
                if (dispatch is { } d1) kill.Anatomy.Add("first dispatch (journal)", d1.At - kill.At, ClusterHarness.NodeName(cluster.NodeOfAddress(d1.Worker)));
            }
            md.AppendLine();
            md.AppendLine("Where the time went (survivors' Akka log lines, the queue's journal and the printers, seconds after the SIGKILL):");
            md.AppendLine();
            foreach (var (kill, n) in kills.Select((k, n) => (k, n + 1))) md.AppendLine(CultureInfo.InvariantCulture, $"- kill {n}: {kill.Anatomy}");
            md.AppendLine();
            foreach (var (kill, n) in kills.Select((k, n) => (k, n + 1)))
            {
                // Jobs handed to the dead node's workers after it died (before it was restarted) wait for its removal.
                if (history is null) break;
                var end = kill.RestartedAt ?? DateTimeOffset.MaxValue;
                var toDead = history.Dispatches.Where(d => d.At > kill.At && d.At <= end && cluster.NodeOfAddress(d.Worker) == kill.Node).ToList();
                var line = $"- kill {n}: jobs dispatched to workers of the dead {ClusterHarness.NodeName(kill.Node)} after its SIGKILL (until its restart): {toDead.Count}";
                if (toDead.Count > 0) line += $" (jobs {Outcome.Sample(toDead.Select(d => d.JobId))}, the last {(toDead.Max(d => d.At) - kill.At).TotalSeconds:0.0} s after the kill)";
                md.AppendLine(line);
            }
            outcome.WriteTo(md);
            md.AppendLine(CultureInfo.InvariantCulture, $"- failed submissions: {cluster.Submitter.Failed.Count} ({cluster.Submitter.FailureSummary()})");
            md.AppendLine(CultureInfo.InvariantCulture, $"- duplicate bound asserted: workers × kills = {Workers * kills.Count}");

            outcome.AssertContract(maxDuplicates: Workers * kills.Count);
            foreach (var kill in kills)
            {
                Assert.True(kill.Backlog > 0, $"the backlog was empty when {ClusterHarness.NodeName(kill.Node)} was killed: the test proved nothing");
                Assert.True(kill.FirstAfter is not null,
                    $"dispatch did not resume on the survivors within {ResumeLimit.TotalSeconds:0} s after SIGKILL of {ClusterHarness.NodeName(kill.Node)} (before it was restarted)");
                // Self-healing: every healthy printer of the pool is used again (a generous bound, not a speed target).
                Assert.True(kill.IdlePrinters.Count == 0,
                    $"printer(s) {string.Join(", ", kill.IdlePrinters)} got no delivery within {ResumeLimit.TotalSeconds:0} s after SIGKILL of {ClusterHarness.NodeName(kill.Node)} "
                    + $"although {kill.Backlog} jobs were waiting and the other printers kept printing");
            }
        });
    }

    private static string Seconds(TimeSpan? span) => span is { } s ? string.Create(CultureInfo.InvariantCulture, $"{s.TotalSeconds:0.0} s") : "—";

    private static async Task<Kill> KillAndMeasureAsync(ClusterHarness cluster, int node)
    {
        var printed = cluster.Ledger.Prints.Select(p => p.Marker).ToHashSet();
        var backlog = cluster.Submitter.Acked.Count(a => !printed.Contains(a.Number));
        var host = cluster.QueueHost();
        var balancer = cluster.BalancerHost();
        var hosted = new List<string>();
        if (node == 0) hosted.Add("first seed");
        if (balancer == node) hosted.Add("balancer singleton, oldest member");
        if (host == node) hosted.Add($"queue {cluster.Queue}");
        var why = hosted.Count == 0 ? "neither balancer nor queue" : string.Join(", ", hosted);
        cluster.Log($"killing {ClusterHarness.NodeName(node)} ({why}); backlog {backlog}; queue {cluster.Queue} on {Name(host)}, balancer on {Name(balancer)}");
        var at = await cluster.KillAsync(node);
        var kill = new Kill(node, why, at, backlog, host, balancer);

        kill.FirstAfter = await cluster.Ledger.WaitForAsync(p => p.ReceivedAt > at, ResumeLimit);
        cluster.Log(kill.FirstAfter is { } first
            ? $"first delivery after the kill: JOB-{first.Marker}- on {first.Printer}, started {(first.ReceivedAt - at).TotalSeconds:0.0} s, printed {(first.RecordedAt - at).TotalSeconds:0.0} s after the kill"
            : $"no delivery started within {ResumeLimit.TotalSeconds:0} s of the kill");
        if (kill.FirstAfter is not null)
        {
            var deadline = at + ResumeLimit;
            DateTimeOffset? all = null;
            foreach (var printer in cluster.Printers)
            {
                var left = deadline - DateTimeOffset.UtcNow;
                var hit = left > TimeSpan.Zero ? await cluster.Ledger.WaitForAsync(p => p.Printer == printer.Name && p.ReceivedAt > at, left)
                    : cluster.Ledger.Prints.FirstOrDefault(p => p.Printer == printer.Name && p.ReceivedAt > at);
                if (hit is null)
                {
                    kill.IdlePrinters.Add(printer.Name);
                    cluster.Log($"printer {printer.Name} got no delivery within {ResumeLimit.TotalSeconds:0} s of the kill (the others printed {cluster.Ledger.Prints.Count(p => p.ReceivedAt > at)} meanwhile)");
                    continue;
                }
                all = all is { } a && a > hit.ReceivedAt ? a : hit.ReceivedAt;
            }
            kill.AllPrinters = kill.IdlePrinters.Count == 0 ? all : null;
        }
        return kill;
    }

    /// <summary>"p2 idle until 331.2 s" (its first delivery after the kill, whenever it came).</summary>
    private static string IdleText(ClusterHarness cluster, Kill kill) =>
        string.Join(", ", kill.IdlePrinters.Select(printer =>
            cluster.Ledger.Prints.Where(p => p.Printer == printer && p.ReceivedAt > kill.At).Select(p => p.ReceivedAt).DefaultIfEmpty().Min() is var first && first != default
                ? $"{printer} idle until {Seconds(first - kill.At)}"
                : $"{printer} never again"));

    private static string Name(int node) => node < 0 ? "?" : ClusterHarness.NodeName(node);

    private static async Task RestartAsync(ClusterHarness cluster, Kill kill)
    {
        var started = DateTimeOffset.UtcNow;
        kill.RestartedAt = started;
        kill.Anatomy = KillAnatomy.Read(cluster, kill.Node, kill.At, started);
        if (kill.FirstAfter is { } first)
        {
            kill.Anatomy.Add("first delivery started (printers)", first.ReceivedAt - kill.At, first.Printer);
        }
        await cluster.RestartAsync(kill.Node);
        kill.RestartTook = DateTimeOffset.UtcNow - started;
    }
}
