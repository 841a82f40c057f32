using System.Globalization;
using System.Net;
using System.Text;
using ActorSpool.TestSupport;
using Xunit.Abstractions;

namespace ActorSpool.Chaos.Tests;

/// <summary>
/// Scenario 7: one address for clients. Debian's haproxy runs config/haproxy/haproxy.cfg (the file docker-compose.yml
/// mounts; only binds and server addresses rewritten to loopback) in front of three real nodes. Clients print
/// through HAProxy's IPP address only and send a request again when it fails (as CUPS does); the node hosting the
/// queue is SIGKILLed mid-run, later started again. Every acknowledged job must print, clients must keep getting
/// acknowledgements through the same address after the kill, and HAProxy must take the node out and back in.
/// </summary>
[Collection(ChaosCollection.Name)]
public sealed class HaproxyFailoverTests(PostgresFixture postgres, ITestOutputHelper output)
{
    private const int Clients = 6;
    private const int Workers = 4;
    /// <summary>Each client pauses this long between its jobs, so the submissions span the kill and the restart.</summary>
    private static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(200);
    /// <summary>A failed request is sent again after this pause (a new IPP request: the first may have been stored).</summary>
    private static readonly TimeSpan RetryPause = TimeSpan.FromMilliseconds(250);

    /// <summary>The killed node stays dead at least this long: the cluster downs it and moves its queue meanwhile.</summary>
    private static readonly TimeSpan MinimumOutage = TimeSpan.FromSeconds(20);

    /// <summary>The ports docker-compose.yml's nodes listen on, as haproxy.cfg names them: IPP and HTTP.</summary>
    private const int ComposeIppPort = 8631, ComposeHttpPort = 8080, StatsPort = 8404;

    [Fact]
    public async Task Clients_printing_through_HAProxy_lose_nothing_and_keep_being_served_when_a_node_is_killed()
    {
        var md = new StringBuilder();
        var passed = false;
        await using var cluster = await ClusterHarness.StartAsync(postgres.Server, output, "haproxy-failover",
            new ClusterHarness.Options { Workers = Workers, PrinterDelay = TimeSpan.FromMilliseconds(20) });
        using var directory = new TempDirectory();
        var (configPath, ippPort, webPort, statsPort) = WriteLoopbackConfig(cluster, directory.Path);
        await using var haproxy = await HaproxyProcess.StartAsync(configPath);
        var queue = new Uri($"ipp://127.0.0.1:{ippPort}/printers/{cluster.Queue}");
        var web = new Uri($"http://127.0.0.1:{webPort}/");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            cluster.Log($"haproxy {haproxy.Version} on {configPath}: IPP {queue}, HTTP {web}");
            // HAProxy forwards once it is listening and its first checks passed.
            await Eventually.WaitUntilAsync(async () =>
                {
                    haproxy.ThrowIfExited();
                    return await StatusAsync(http, new Uri(web, "/health/ready")) == HttpStatusCode.OK;
                },
                "the web console's /health/ready through HAProxy", TimeSpan.FromSeconds(60));

            using var stop = new CancellationTokenSource();
            var load = RunClientsAsync(cluster, queue, stop.Token);
            await Eventually.WaitUntilAsync(() => cluster.Submitter.Acked.Count >= 60 || load.IsCompleted, "60 jobs acknowledged through HAProxy", TimeSpan.FromMinutes(2));

            // The node hosting the queue is the hardest to lose: its clients' connections break and the queue moves.
            var host = cluster.QueueHost();
            var victim = host >= 0 ? host : 1;
            var victimName = ClusterHarness.NodeName(victim);
            var ackedBefore = cluster.Submitter.Acked.Count;
            cluster.Log($"killing {victimName} (hosts queue {cluster.Queue}: {host == victim}); {ackedBefore} acknowledged so far");
            var killedAt = await cluster.KillAsync(victim);
            var down = await haproxy.WaitForLineAsync($@"Server ipp-nodes/{victimName} is DOWN", killedAt, TimeSpan.FromSeconds(60));
            var markedDownAfter = down.At - killedAt;
            cluster.Log($"haproxy: {down.Text}");
            var webDown = await haproxy.WaitForLineAsync($@"Server web-nodes/{victimName} is DOWN", killedAt, TimeSpan.FromSeconds(60));

            // Clients go on through the same address: wait for 100 acknowledgements of requests sent after the kill.
            var outageLeft = MinimumOutage - (DateTimeOffset.UtcNow - killedAt);
            if (outageLeft > TimeSpan.Zero) await Task.Delay(outageLeft);
            await Eventually.WaitUntilAsync(() => AckedAfter(cluster, killedAt) >= 100 || load.IsCompleted, "100 acknowledgements after the kill", TimeSpan.FromMinutes(2));
            var webAfterKill = await StatusAsync(http, new Uri(web, "/health/ready"));
            var ackedWhileDead = AckedAfter(cluster, killedAt);

            var restartedAt = DateTimeOffset.UtcNow;
            await cluster.RestartAsync(victim);
            var readyAt = DateTimeOffset.UtcNow;
            var up = await haproxy.WaitForLineAsync($@"Server ipp-nodes/{victimName} is UP", restartedAt, TimeSpan.FromSeconds(60));
            cluster.Log($"haproxy: {up.Text}");
            var ackedAtUp = cluster.Submitter.Acked.Count;
            await Eventually.WaitUntilAsync(() => cluster.Submitter.Acked.Count >= ackedAtUp + 30 || load.IsCompleted, "30 more acknowledgements with the node back", TimeSpan.FromMinutes(1));
            await stop.CancelAsync();
            await load;
            haproxy.ThrowIfExited();
            var counters = await ServerCountersAsync(http, new Uri($"http://127.0.0.1:{statsPort}/stats;csv"), "ipp-nodes", victimName);

            var attempts = cluster.Submitter.Attempts;
            var acked = cluster.Submitter.Acked;
            var jobs = await cluster.WaitForAllTerminalAsync(acked.Select(a => a.JobId).ToList(), TimeSpan.FromMinutes(4));
            var outcome = await Outcome.AnalyseAsync(cluster, jobs);
            var anatomy = KillAnatomy.Read(cluster, victim, killedAt, restartedAt);
            anatomy.Add("haproxy marks it down", markedDownAfter, "haproxy");
            var firstAckAfterKill = acked.Where(a => a.At >= killedAt).Select(a => a.At + a.Took).DefaultIfEmpty().Min();
            var slowestAfterKill = acked.Where(a => a.At + a.Took > killedAt && a.At < restartedAt).Select(a => a.Took).DefaultIfEmpty().Max();

            md.AppendLine(CultureInfo.InvariantCulture, $"3 nodes × {Workers} workers, 3 printers (balance, 20 ms per job); Debian's haproxy {haproxy.Version} on `config/haproxy/haproxy.cfg` (binds and servers rewritten to loopback, nothing else); "
                                                       + $"{Clients} clients print through its one IPP address only (each pausing {Pace.TotalMilliseconds:0} ms between jobs, sending a failed request again after {RetryPause.TotalMilliseconds:0} ms); "
                                                       + $"{victimName} (queue host: {host == victim}) SIGKILLed after {ackedBefore} acknowledgements, started again {(restartedAt - killedAt).TotalSeconds:0.0} s later.");
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"- requests: **{attempts.Count}**, acknowledged **{acked.Count}**, failed **{attempts.Count - acked.Count}** (each sent again)");
            foreach (var (phase, from, to) in new[]
                     {
                         ("before the kill", DateTimeOffset.MinValue, killedAt),
                         ("kill → HAProxy marked it down", killedAt, down.At),
                         ("marked down → restart", down.At, restartedAt),
                         ("restart → marked up", restartedAt, up.At),
                         ("after it was up again", up.At, DateTimeOffset.MaxValue),
                     })
            {
                // A request belongs to the phase in which its answer (or failure) came.
                var inPhase = attempts.Where(a => a.At + a.Took >= from && a.At + a.Took < to).ToList();
                var failed = inPhase.Where(a => !a.Acked).ToList();
                md.AppendLine(CultureInfo.InvariantCulture, $"  - {phase}: {inPhase.Count} answered, {inPhase.Count - failed.Count} acknowledged, {failed.Count} failed ({IppSubmitter.FailureSummary(failed)})");
            }
            foreach (var example in attempts.Where(a => !a.Acked).GroupBy(a => a.Failure!.Split(':')[0]).Select(g => g.First()))
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"  - e.g. request {example.Number} at +{(example.At - killedAt).TotalSeconds:0.00} s after the kill, failed after {example.Took.TotalSeconds:0.00} s: `{example.Failure}`");
            }
            md.AppendLine(CultureInfo.InvariantCulture, $"- HAProxy marked {victimName} down **{markedDownAfter.TotalSeconds:0.00} s** after the SIGKILL (IPP backend; web backend {(webDown.At - killedAt).TotalSeconds:0.00} s): `{down.Text.Trim()}`");
            md.AppendLine(CultureInfo.InvariantCulture, $"- HAProxy's counters for ipp-nodes/{victimName} (stats page): {counters}");
            md.AppendLine(CultureInfo.InvariantCulture, $"- acknowledged through the same address after the kill (before the restart): **{ackedWhileDead}**; first after {(firstAckAfterKill == default ? "none" : $"{(firstAckAfterKill - killedAt).TotalSeconds:0.0} s")}; slowest acknowledged request meanwhile {slowestAfterKill.TotalSeconds:0.0} s; `/health/ready` through HAProxy's HTTP address: {(int)webAfterKill}");
            md.AppendLine(CultureInfo.InvariantCulture, $"- restarted {victimName} ready after {(readyAt - restartedAt).TotalSeconds:0.0} s, marked up by HAProxy {(up.At - readyAt).TotalSeconds:0.0} s later (3 checks in a row must pass): `{up.Text.Trim()}`");
            md.AppendLine(CultureInfo.InvariantCulture, $"- where the time went after the SIGKILL: {anatomy}");
            outcome.WriteTo(md);

            outcome.AssertContract(maxDuplicates: Workers);
            Assert.True(ackedWhileDead > 0, $"no request sent through HAProxy after the kill of {victimName} was acknowledged");
            Assert.Equal(HttpStatusCode.OK, webAfterKill);
            passed = true;
        }
        catch (Exception e)
        {
            md.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"**Failure:** {e.GetType().Name}: {e.Message}");
            if (e is not Xunit.Sdk.XunitException) await Outcome.DescribeCurrentAsync(cluster, md);
            md.AppendLine().AppendLine("haproxy's last lines:").AppendLine().AppendLine("```");
            foreach (var line in haproxy.Lines.TakeLast(40)) md.AppendLine(CultureInfo.InvariantCulture, $"{line.At:HH:mm:ss.fff} {line.Text}");
            md.AppendLine("```");
            cluster.DumpLogs(e.Message);
            throw;
        }
        finally
        {
            CrashPointTests.AppendTimeline(md, cluster);
            output.WriteLine(md.ToString());
            ChaosReport.Append("Scenario 7: one address (HAProxy) in front of the nodes, a node SIGKILLed", passed, md);
        }
    }

    /// <summary>
    /// Writes the loopback copy of config/haproxy/haproxy.cfg: HAProxy's IPP and HTTP frontends on free ports, each
    /// server nodeN at node N's IPP or HTTP port (as the file's 8631 or 8080 says), checked on node N's HTTP port.
    /// </summary>
    private static (string Path, int IppPort, int WebPort, int StatsPort) WriteLoopbackConfig(ClusterHarness cluster, string directory)
    {
        var config = HaproxyConfig.Load();
        int ippPort = FreePort.Next(), webPort = FreePort.Next(), statsPort = FreePort.Next();
        var binds = config.Binds.ToDictionary(b => b.Frontend, b => b.Port switch
        {
            ComposeIppPort => ippPort,
            ComposeHttpPort => webPort,
            StatsPort => statsPort,
            _ => throw new InvalidOperationException($"frontend {b.Frontend} binds {b.Port}, none of IPP ({ComposeIppPort}), HTTP ({ComposeHttpPort}), stats ({StatsPort})"),
        });
        var servers = config.Servers.ToDictionary(s => (s.Backend, s.Name), s =>
        {
            var node = int.Parse(s.Name["node".Length..], CultureInfo.InvariantCulture) - 1;
            Assert.InRange(node, 0, cluster.NodeCount - 1);
            var httpPort = cluster.WebUri(node).Port;
            return s.Port switch
            {
                ComposeIppPort => (cluster.QueueUri(node).Port, httpPort),
                ComposeHttpPort => (httpPort, httpPort),
                _ => throw new InvalidOperationException($"server {s.Backend}/{s.Name} points at port {s.Port}, neither IPP nor HTTP"),
            };
        });
        Assert.Equal(cluster.NodeCount, config.Servers.Count(s => s.Backend == "ipp-nodes"));
        var path = Path.Combine(directory, "haproxy.cfg");
        File.WriteAllText(path, config.ForLoopback(binds, servers));
        return (path, ippPort, webPort, statsPort);
    }

    /// <summary>
    /// Clients that each print one job at a time through <paramref name="queue"/>, sending a failed request again
    /// until it is acknowledged (at most 100 times). <paramref name="stop"/> ends them between jobs, never during a
    /// request: every request sent has its answer recorded.
    /// </summary>
    private static async Task RunClientsAsync(ClusterHarness cluster, Uri queue, CancellationToken stop)
    {
        var next = 0;
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(async _ =>
        {
            while (!stop.IsCancellationRequested)
            {
                var job = Interlocked.Increment(ref next);
                for (var attempt = 1; !(await cluster.Submitter.SubmitThroughAsync(queue, job)).Acked; attempt++)
                {
                    if (attempt == 100) throw new InvalidOperationException($"job {job}: 100 requests through HAProxy failed");
                    await Task.Delay(RetryPause);
                }
                try
                {
                    await Task.Delay(Pace, stop);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
            }
        }));
    }

    /// <summary>
    /// HAProxy's counters of one server from its stats CSV: client connections sent to it, failed connects, retries,
    /// redispatches to another server, connections the server side cut, checks failed, times marked down.
    /// </summary>
    private static async Task<string> ServerCountersAsync(HttpClient http, Uri csv, string backend, string server)
    {
        var lines = (await http.GetStringAsync(csv)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].TrimStart('#', ' ').Split(',');
        var row = lines.Skip(1).Select(l => l.Split(',')).Single(f => f[0] == backend && f[1] == server);
        string Field(string name) => row[Array.IndexOf(header, name)];
        return $"{Field("stot")} connections, {Field("econ")} failed connects, {Field("wretr")} retries, {Field("wredis")} redispatched to another node, "
               + $"{Field("srv_abrt")} cut by the server side, {Field("chkfail")} failed checks, marked down {Field("chkdown")} time(s), status now {Field("status")}";
    }

    private static int AckedAfter(ClusterHarness cluster, DateTimeOffset moment) => cluster.Submitter.Acked.Count(a => a.At >= moment);

    private static async Task<HttpStatusCode> StatusAsync(HttpClient http, Uri uri)
    {
        try
        {
            using var response = await http.GetAsync(uri);
            return response.StatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return 0;
        }
    }
}
