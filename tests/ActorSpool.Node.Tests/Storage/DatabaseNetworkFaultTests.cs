using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using ActorSpool.Protocols.Ipp;
using ActorSpool.Simulators;
using ActorSpool.TestSupport;
using Npgsql;
using Xunit.Abstractions;

namespace ActorSpool.Node.Tests.Storage;

/// <summary>
/// A real node on PostgreSQL reached through <see cref="TcpFaultProxy"/>, printing to a simulated printer, submitted to
/// over IPP: latency slows it without breaking anything, a hang gives clients a prompt "service unavailable" and heals
/// by itself, reset connections are given up and the node goes on. Every acknowledged job prints. The figures go to the
/// test output (docs/reliability.md quotes them); nothing here asserts a time.
/// </summary>
public sealed class DatabaseNetworkFaultTests(PostgresFixture postgres, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Half_a_second_of_latency_each_way_slows_submissions_but_every_job_is_acknowledged_and_prints()
    {
        await using var node = await ProxiedNode.StartAsync(postgres.Server, "latency");
        (await node.SubmitAsync("warm-up")).AssertAcknowledged();

        var baseline = await node.SubmitSequentiallyAsync("plain", 10);
        node.Proxy.AddLatency(TimeSpan.FromMilliseconds(500));
        var readiness = node.WatchReadiness();
        var slow = await node.SubmitSequentiallyAsync("slow", 5);
        var slowTogether = await Task.WhenAll(Enumerable.Range(1, 10).Select(i => node.SubmitAsync($"slow-together-{i}")));
        var notReady = await readiness.StopAsync();
        node.Proxy.PassThrough();

        output.WriteLine($"submit without latency: {Describe(baseline)}");
        output.WriteLine($"submit with 500 ms each way, one after another: {Describe(slow)}");
        output.WriteLine($"submit with 500 ms each way, 10 at once: {Describe(slowTogether)}");
        output.WriteLine($"/health/ready during the latency: {notReady}");
        foreach (var submission in baseline.Concat(slow).Concat(slowTogether)) submission.AssertAcknowledged();
        await node.WaitUntilPrintedAsync(baseline.Concat(slow).Concat(slowTogether));
        Assert.DoesNotContain("Storage unavailable", node.Process.ReadLog());
    }

    [Fact]
    public async Task A_hung_database_connection_gives_a_prompt_service_unavailable_and_the_node_resumes_by_itself_when_it_passes_again()
    {
        await using var node = await ProxiedNode.StartAsync(postgres.Server, "hang", printerDelay: TimeSpan.FromSeconds(2));
        var before = await node.SubmitSequentiallyAsync("before", 4);
        foreach (var submission in before) submission.AssertAcknowledged();

        node.Proxy.Hang();
        var hungAt = DateTimeOffset.UtcNow;
        var inFlight = Enumerable.Range(1, 3).Select(i => node.SubmitAsync($"hung-{i}")).ToArray();
        var reported = await node.WaitForReadinessAsync(ready: false);
        var detection = DateTimeOffset.UtcNow - hungAt;
        Assert.Contains("storage unavailable", reported);
        output.WriteLine($"hang detected by /health/ready after {detection.TotalSeconds:0.0} s: {reported}");
        var refused = (await Task.WhenAll(inFlight)).ToList();
        refused.Add(await node.SubmitAsync("hung-after-detection"));
        // Hold the hang long enough for every timeout to have fired at least twice.
        var rest = hungAt + TimeSpan.FromSeconds(40) - DateTimeOffset.UtcNow;
        if (rest > TimeSpan.Zero) await Task.Delay(rest);
        refused.Add(await node.SubmitAsync("hung-late"));
        foreach (var submission in refused) output.WriteLine($"during the hang ({(submission.At - hungAt).TotalSeconds:0.0} s into it): {submission}");

        node.Proxy.PassThrough();
        var healedAt = DateTimeOffset.UtcNow;
        var retries = new List<Submission>();
        var firstAfter = await Eventually.ValueAsync(async () =>
        {
            var attempt = await node.SubmitAsync($"after-heal-{retries.Count + 1}");
            retries.Add(attempt);
            return attempt;
        }, attempt => attempt.Acknowledged, Patience, "a submission acknowledged after the hang ended");
        var firstAck = firstAfter.At + firstAfter.Took - healedAt;
        await node.WaitForReadinessAsync(ready: true);
        var readyAgain = DateTimeOffset.UtcNow - healedAt;
        var after = await node.SubmitSequentiallyAsync("after", 5);

        output.WriteLine($"after the heal: first acknowledgement {firstAck.TotalSeconds:0.0} s after it ({retries.Count} attempts: {string.Join("; ", retries)}); /health/ready 200 after {readyAgain.TotalSeconds:0.0} s");
        output.WriteLine($"after the heal, one after another: {Describe(after)}");

        foreach (var submission in refused) submission.AssertRefusedAsUnavailable();
        foreach (var submission in after) submission.AssertAcknowledged();
        Assert.Contains("Storage unavailable", node.Process.ReadLog());
        Assert.Contains("Storage available again", node.Process.ReadLog());
        await node.WaitUntilPrintedAsync(before.Concat(retries.Where(r => r.Acknowledged)).Concat(after));
        Assert.False(node.Process.HasExited);
        output.WriteLine($"refused during the hang but printed anyway: {node.PrintedCount(refused)} of {refused.Count}");
    }

    [Fact]
    public async Task Connections_reset_under_load_fail_only_the_requests_in_flight_and_the_node_goes_on()
    {
        await using var node = await ProxiedNode.StartAsync(postgres.Server, "reset");
        (await node.SubmitAsync("warm-up")).AssertAcknowledged();

        var submissions = new ConcurrentQueue<Submission>();
        using var stop = new CancellationTokenSource();
        var clients = Enumerable.Range(1, 4).Select(client => Task.Run(async () =>
        {
            for (var i = 1; !stop.IsCancellationRequested; i++) submissions.Enqueue(await node.SubmitAsync($"load-{client}-{i}"));
        })).ToArray();
        await Eventually.WaitUntilAsync(() => submissions.Count(s => s.Acknowledged) >= 20, "20 acknowledgements before the reset", Patience);
        var connections = node.Proxy.OpenConnections;
        node.Proxy.Reset();
        var resetAt = DateTimeOffset.UtcNow;
        node.Proxy.PassThrough();
        await Eventually.WaitUntilAsync(() => submissions.Count(s => s.Acknowledged && s.At > resetAt) >= 40, "40 acknowledgements after the reset", Patience);
        await stop.CancelAsync();
        await Task.WhenAll(clients);
        var after = await node.SubmitSequentiallyAsync("after", 5);

        // Again while every pooled connection is idle: each is broken now, though nobody has noticed yet.
        await node.WaitUntilPrintedAsync(submissions.Where(s => s.Acknowledged).Concat(after));
        await node.WaitUntilNothingPendingAsync();
        node.Proxy.Reset();
        node.Proxy.PassThrough();
        var afterIdleReset = await node.SubmitSequentiallyAsync("after-idle-reset", 10);
        output.WriteLine($"after a reset of idle connections: {string.Join("; ", afterIdleReset.Where(s => !s.Acknowledged))} {Describe(afterIdleReset)}");

        var all = submissions.ToList();
        var failed = all.Where(s => !s.Acknowledged).ToList();
        var firstAckAfter = all.Where(s => s.Acknowledged && s.At > resetAt).Min(s => s.At + s.Took) - resetAt;
        output.WriteLine($"{connections} database connections reset under 4 clients; {all.Count} submissions: {all.Count - failed.Count} acknowledged, {failed.Count} refused");
        foreach (var submission in failed) output.WriteLine($"refused: {submission} (started {(submission.At - resetAt).TotalSeconds:0.00} s after the reset)");
        output.WriteLine($"first acknowledgement submitted after the reset: {firstAckAfter.TotalSeconds:0.00} s after it; afterwards: {Describe(after)}");

        foreach (var submission in failed) submission.AssertRefusedAsUnavailable();
        foreach (var submission in after.Concat(afterIdleReset)) submission.AssertAcknowledged();
        Assert.Equal("ready", await node.WaitForReadinessAsync(ready: true));
        await node.WaitUntilPrintedAsync(all.Where(s => s.Acknowledged).Concat(after).Concat(afterIdleReset));
        output.WriteLine($"refused but printed anyway: {node.PrintedCount(failed)} of {failed.Count}");
    }

    private static string Describe(IReadOnlyCollection<Submission> submissions)
    {
        var times = submissions.Select(s => s.Took.TotalMilliseconds).Order().ToArray();
        return string.Create(CultureInfo.InvariantCulture,
            $"{submissions.Count} jobs, {submissions.Count(s => s.Acknowledged)} acknowledged; median {times[times.Length / 2]:0} ms, max {times[^1]:0} ms");
    }

    /// <summary>One Print-Job and what came of it; <see cref="Status"/> is null when the client gave up waiting.</summary>
    private sealed record Submission(string Marker, IppStatusCode? Status, int JobId, DateTimeOffset At, TimeSpan Took, string? Message)
    {
        public bool Acknowledged => Status == IppStatusCode.SuccessfulOk;

        public void AssertAcknowledged() =>
            Assert.True(Acknowledged, $"{Marker} was not acknowledged: {this}");

        /// <summary>Refused the way a client can act on: "service unavailable, try again", never an internal error or silence.</summary>
        public void AssertRefusedAsUnavailable() =>
            Assert.True(Status == IppStatusCode.ServerErrorServiceUnavailable, $"{Marker}: expected server-error-service-unavailable, got {this}");

        public override string ToString() =>
            string.Create(CultureInfo.InvariantCulture, $"{Marker}: {Status?.ToString() ?? "no answer"} after {Took.TotalSeconds:0.0} s{(Message is null ? "" : $" ({Message})")}");
    }

    /// <summary>A node process on a database reached through a fault proxy, printing to one simulated printer.</summary>
    private sealed class ProxiedNode : IAsyncDisposable
    {
        private readonly TempDirectory _directory;
        private readonly AppSocketPrinterSimulator _printer;
        private readonly HttpClient _ipp = new() { Timeout = TimeSpan.FromSeconds(120) };
        private readonly HttpClient _health = new() { Timeout = TimeSpan.FromSeconds(30) };

        private ProxiedNode(TempDirectory directory, AppSocketPrinterSimulator printer, TcpFaultProxy proxy, NodeProcess process)
        {
            _directory = directory;
            _printer = printer;
            Proxy = proxy;
            Process = process;
        }

        public TcpFaultProxy Proxy { get; }
        public NodeProcess Process { get; }

        public static async Task<ProxiedNode> StartAsync(ThrowawayPostgres server, string name, TimeSpan? printerDelay = null)
        {
            var directory = new TempDirectory();
            var printer = await Printers.SimulatorAsync("lj-1", printerDelay);
            var proxy = TcpFaultProxy.Start(server.Port);
            // Through the proxy, and with the node's own connect timeout rather than the test server's 30 s.
            var database = new NpgsqlConnectionStringBuilder(server.CreateDatabase($"net_{name}_{Guid.NewGuid():N}"[..30])) { Port = proxy.Port };
            database.Remove("Timeout");
            var printers = Printers.WriteFile(directory.Path, [printer], "  office { printers = [lj-1] }");
            var process = await NodeProcess.StartAsync(Path.Combine(directory.Path, "data"), printers, timeout: Patience,
                environment: new Dictionary<string, string> { ["ACTORSPOOL_DB"] = database.ConnectionString });
            var node = new ProxiedNode(directory, printer, proxy, process);
            await process.WaitForReadyAsync(Patience);
            return node;
        }

        public async Task<Submission> SubmitAsync(string marker)
        {
            var at = DateTimeOffset.UtcNow;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                var answer = await new IppClient(_ipp).PrintJobAsync(Process.QueueUri("office"), new MemoryStream(Document(marker)), "alice", marker, "text/plain");
                return new Submission(marker, answer.Status, answer.JobId, at, clock.Elapsed, answer.StatusMessage);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return new Submission(marker, null, 0, at, clock.Elapsed, e.Message);
            }
        }

        public async Task<IReadOnlyList<Submission>> SubmitSequentiallyAsync(string prefix, int count)
        {
            var submissions = new List<Submission>();
            for (var i = 1; i <= count; i++) submissions.Add(await SubmitAsync($"{prefix}-{i}"));
            return submissions;
        }

        public async Task<(bool Ready, string Body)> ReadinessAsync()
        {
            try
            {
                using var response = await _health.GetAsync($"http://127.0.0.1:{Process.HttpPort}/health/ready");
                return (response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return (false, $"no answer: {e.Message}");
            }
        }

        /// <summary>Waits until /health/ready says <paramref name="ready"/> and returns what it said.</summary>
        public async Task<string> WaitForReadinessAsync(bool ready) =>
            (await Eventually.ValueAsync(ReadinessAsync, answer => answer.Ready == ready, Patience, $"/health/ready {(ready ? "200" : "503")}")).Body;

        /// <summary>Polls /health/ready until stopped; <see cref="Watch.StopAsync"/> tells what it answered other than "ready".</summary>
        public Watch WatchReadiness() => new(this);

        public async Task WaitUntilPrintedAsync(IEnumerable<Submission> submissions)
        {
            var markers = submissions.Select(s => s.Marker).ToList();
            await Eventually.WaitUntilAsync(() => markers.All(Printed), $"all {markers.Count} acknowledged jobs printed (missing: {string.Join(", ", markers.Where(m => !Printed(m)).Take(10))})", Patience);
        }

        /// <summary>Waits until the queue has no job that is not completed (nothing left to write to the journal).</summary>
        public Task WaitUntilNothingPendingAsync() =>
            Eventually.ValueAsync(() => new IppClient(_ipp).GetJobsAsync(Process.QueueUri("office"), "not-completed"), jobs => jobs.Count == 0, Patience, "no job pending");

        public int PrintedCount(IEnumerable<Submission> submissions) => submissions.Count(s => Printed(s.Marker));

        private bool Printed(string marker)
        {
            var document = Document(marker);
            return _printer.ReceivedJobs.Any(job => job.Data is { } data && data.AsSpan().IndexOf(document) >= 0);
        }

        private static byte[] Document(string marker) => Encoding.ASCII.GetBytes($"[{marker}] printed through a database proxy\n");

        public async ValueTask DisposeAsync()
        {
            await Process.DisposeAsync();
            await Proxy.DisposeAsync();
            await _printer.DisposeAsync();
            _ipp.Dispose();
            _health.Dispose();
            _directory.Dispose();
        }

        public sealed class Watch
        {
            private readonly CancellationTokenSource _stop = new();
            private readonly Task<List<string>> _polling;

            public Watch(ProxiedNode node)
            {
                _polling = Task.Run(async () =>
                {
                    var answers = new List<string>();
                    while (!_stop.IsCancellationRequested)
                    {
                        var (ready, body) = await node.ReadinessAsync();
                        if (!ready) answers.Add($"{DateTimeOffset.UtcNow:HH:mm:ss.f} {body}");
                        await Task.Delay(250);
                    }
                    return answers;
                });
            }

            /// <summary>What /health/ready said while not ready, or "always ready".</summary>
            public async Task<string> StopAsync()
            {
                await _stop.CancelAsync();
                var answers = await _polling;
                _stop.Dispose();
                return answers.Count == 0 ? "always ready" : string.Join("; ", answers.Distinct());
            }
        }
    }
}
