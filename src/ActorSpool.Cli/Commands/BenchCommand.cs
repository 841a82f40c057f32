using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ActorSpool.Cli.Spoolctl;
using ActorSpool.Contracts.Spoolctl;
using ActorSpool.Protocols.Ipp;
using Spectre.Console;

namespace ActorSpool.Cli.Commands;

/// <summary>
/// <c>spoolctl [HOST:PORT] bench --jobs N --concurrency C [--size B]</c>: submits N jobs of B bytes over IPP
/// from C concurrent clients, then waits until every accepted job has finished. Reports submit throughput,
/// submit latency (p50/p95/p99/mean/max: the time until the server acknowledged the job) and the time until all
/// jobs were finished. <c>--at-once</c>: N clients submit one job each, all released together.
/// <c>--sink DIR</c>: "finished" is measured at the device instead of by Get-Jobs: the time until DIR (the
/// output folder of <c>spoolctl simulate --out</c>) holds one more <c>.prn</c> file per accepted job than at the
/// start. That works for any IPP server, CUPS included, whose job history says nothing reliable.
/// </summary>
public static class BenchCommand
{
    /// <summary>The most concurrent clients (and, with --at-once, jobs) one bench opens.</summary>
    public const int MaxClients = 5000;

    /// <summary>How many error messages a report keeps (<see cref="Report.RefusedBy"/> counts all of them).</summary>
    public const int KeptErrors = 20;

    public const double DefaultWaitSeconds = 600;

    /// <param name="Rejected">Jobs not accepted: an IPP error status, or no answer at all (connection refused, reset, timeout).</param>
    /// <param name="AllFinishedSeconds">Seconds from the first submit until every accepted job had finished (Get-Jobs) or
    /// reached the sink (<paramref name="Sink"/>); null if that did not happen within the wait.</param>
    /// <param name="Completed">Jobs completed (Get-Jobs), or with a sink: jobs that reached it.</param>
    /// <param name="RefusedBy">Why jobs were rejected: the IPP status (and message) or the transport error, with counts.</param>
    /// <param name="ClientCpuSeconds">CPU time the load generator (this process) used while submitting.</param>
    /// <param name="ClientCeilingJobsPerSecond">The load generator's own limit on this machine: the submit rate it could
    /// reach if the server cost no CPU at all (processors × accepted jobs / <paramref name="ClientCpuSeconds"/>).</param>
    public sealed record Report(
        int Jobs,
        int Concurrency,
        long Size,
        string Target,
        int Accepted,
        int Rejected,
        double SubmitSeconds,
        double JobsPerSecond,
        LatencySummary Latency,
        double? AllFinishedSeconds,
        int Completed,
        int Aborted,
        int Canceled,
        int Unfinished,
        IReadOnlyList<string> Errors,
        bool AtOnce,
        string? Sink,
        IReadOnlyDictionary<string, int> RefusedBy,
        double ClientCpuSeconds,
        double ClientCeilingJobsPerSecond);

    /// <summary>What one bench run does.</summary>
    /// <param name="Queues">The queue's IPP URI on each server; client i submits to the (i mod count)-th.</param>
    public sealed record Settings(IReadOnlyList<Uri> Queues, int Jobs, int Concurrency, long Size, TimeSpan Wait, bool AtOnce, string? Sink);

    public static Command Create(NodeEndpoint commandHost, bool commandHostGiven)
    {
        var jobs = new Option<int>("--jobs", "-n") { Description = "Number of jobs to submit", HelpName = "N", DefaultValueFactory = _ => 100 };
        jobs.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1) r.AddError("--jobs must be at least 1.");
        });
        var concurrency = new Option<int>("--concurrency", "-c") { Description = "Concurrent submitting clients", HelpName = "C", DefaultValueFactory = _ => 4 };
        concurrency.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > MaxClients) r.AddError($"--concurrency must be from 1 to {MaxClients}.");
        });
        var atOnce = new Option<bool>("--at-once")
        {
            Description = $"N clients (N = --jobs, at most {MaxClients}) submit one job each, all released at the same moment; replaces --concurrency",
        };
        var size = new Option<string>("--size", "-s") { Description = "Document size in bytes (suffix K or M for KiB/MiB)", HelpName = "B", DefaultValueFactory = _ => "1024" };
        size.Validators.Add(r =>
        {
            if (!TryParseSize(r.GetValueOrDefault<string>() ?? "", out _)) r.AddError($"--size '{r.GetValueOrDefault<string>()}' is not a size like 1024, 4K or 1M.");
        });
        var queue = new Option<string?>("--queue", "-q") { Description = "Queue (default: the node's default queue)", HelpName = "QUEUE" };
        var ipp = new Option<string[]>("--ipp")
        {
            Description = "The node's IPP listener (default: asked from the command host, else 127.0.0.1:8631); repeat it to spread the clients " +
                          "over several nodes (client i submits to the (i mod count)-th; needs --sink or --wait 0)",
            HelpName = "HOST:PORT",
        };
        var wait = new Option<double>("--wait") { Description = "Seconds to wait for all jobs to finish (0 = do not wait)", HelpName = "SECONDS", DefaultValueFactory = _ => DefaultWaitSeconds };
        var sink = new Option<string?>("--sink")
        {
            Description = "Measure the end at the device: wait until DIR (spoolctl simulate --out; subfolders included) holds one more .prn file per " +
                          "accepted job than at the start, instead of polling Get-Jobs. Works for any IPP server (CUPS too)",
            HelpName = "DIR",
        };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON" };

        var command = new Command("bench", "Load generator: submit N jobs over IPP with C clients; report throughput, latency and time to all finished")
        {
            jobs, concurrency, atOnce, size, queue, ipp, wait, sink, json,
        };
        command.Validators.Add(r =>
        {
            if (r.GetValue(atOnce) && r.GetValue(jobs) > MaxClients)
            {
                r.AddError($"--at-once opens one client per job: --jobs must be at most {MaxClients}.");
            }
            if (r.GetValue(ipp) is { Length: > 1 } && string.IsNullOrEmpty(r.GetValue(sink))
                && (r.GetResult(wait) is { Implicit: false } ? r.GetValue(wait) : DefaultWaitSeconds) > 0)
            {
                r.AddError("Several --ipp servers have no common job list: give --sink DIR (or --wait 0).");
            }
            if (r.GetResult(atOnce) is { Implicit: false } && r.GetValue(atOnce) && r.GetResult(concurrency) is { Implicit: false })
            {
                r.AddError("--at-once and --concurrency exclude each other (--at-once uses one client per job).");
            }
        });
        command.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var servers = parse.GetValue(ipp) ?? [];
            List<IppTarget> targets;
            try
            {
                targets = servers.Length <= 1
                    ? [await IppTarget.ResolveAsync(servers.FirstOrDefault(), commandHost, commandHostGiven, error, ct)]
                    : servers.Select(server => NodeEndpoint.TryParse(server, out var endpoint)
                        ? new IppTarget(endpoint, null)
                        : throw new ArgumentException($"--ipp '{server}' is not HOST:PORT")).ToList();
            }
            catch (Exception e) when (e is CommandHostUnreachableException or ArgumentException)
            {
                await error.WriteLineAsync($"spoolctl bench: {e.Message}");
                return e is ArgumentException ? ExitCodes.Usage : ExitCodes.Unreachable;
            }
            TryParseSize(parse.GetValue(size) ?? "1024", out var bytes);
            var asJson = parse.GetValue(json);
            var settings = SettingsOf(targets.Select(t => t.QueueUri(parse.GetValue(queue) ?? t.DefaultQueue)).ToList(), parse.GetValue(jobs), parse.GetValue(concurrency), bytes,
                parse.GetValue(wait), parse.GetValue(atOnce), parse.GetValue(sink));
            var report = await RunAsync(settings, showProgress: !asJson && !Console.IsOutputRedirected, ct);
            if (asJson)
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(report, new JsonSerializerOptions(CommandWire.Json) { WriteIndented = true }));
            }
            else
            {
                foreach (var line in Describe(report)) await output.WriteLineAsync(line);
            }
            return report.Rejected == 0 && report.Unfinished == 0 && report.Aborted == 0 ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }

    /// <summary>The run's settings from the parsed options: --at-once means one client per job; the sink path is made absolute.</summary>
    public static Settings SettingsOf(IReadOnlyList<Uri> queues, int jobs, int concurrency, long size, double waitSeconds, bool atOnce, string? sink) =>
        new(queues, jobs, atOnce ? jobs : concurrency, size, TimeSpan.FromSeconds(Math.Max(0, waitSeconds)), atOnce,
            string.IsNullOrEmpty(sink) ? null : Path.GetFullPath(sink));

    public static IEnumerable<string> Describe(Report r)
    {
        var l = r.Latency;
        yield return $"Target:        {r.Target}";
        yield return $"Submitted:     {r.Jobs} job(s) of {r.Size} bytes with {r.Concurrency} client(s){(r.AtOnce ? " at once, one job each," : "")} in {r.SubmitSeconds:0.00} s: " +
                     $"{r.Accepted} accepted, {r.Rejected} failed; {r.JobsPerSecond:0.0} jobs/s";
        yield return $"Latency:       p50 {l.P50Ms:0.0} ms, p95 {l.P95Ms:0.0} ms, p99 {l.P99Ms:0.0} ms, mean {l.MeanMs:0.0} ms, max {l.MaxMs:0.0} ms";
        yield return $"Load generator: {r.ClientCpuSeconds:0.00} CPU s while submitting; alone it could submit about {r.ClientCeilingJobsPerSecond:0} jobs/s here";
        if (r.Sink is { } sink)
        {
            yield return r.AllFinishedSeconds is { } all
                ? $"At the device: all {r.Completed} accepted job(s) {all:0.00} s after the first submit ({sink})"
                : $"At the device: {r.Completed} of {r.Accepted} accepted job(s) when the wait ended; {r.Unfinished} missing ({sink})";
        }
        else
        {
            yield return r.AllFinishedSeconds is { } all
                ? $"All finished:  {all:0.00} s after the first submit ({r.Completed} completed, {r.Aborted} aborted, {r.Canceled} canceled)"
                : $"Not finished:  {r.Unfinished} job(s) still open when the wait ended ({r.Completed} completed, {r.Aborted} aborted, {r.Canceled} canceled)";
        }
        foreach (var (reason, n) in r.RefusedBy) yield return $"Refused:       {n} × {reason}";
        foreach (var e in r.Errors.Take(5)) yield return $"Error:         {e}";
    }

    /// <summary>The number of <c>.prn</c> files under <paramref name="directory"/> (0 if it does not exist yet).</summary>
    public static int CountSinkFiles(string directory) =>
        Directory.Exists(directory) ? Directory.EnumerateFiles(directory, "*.prn", SearchOption.AllDirectories).Count() : 0;

    /// <summary>The latest write time of the <c>.prn</c> files under <paramref name="directory"/> not in <paramref name="before"/>.</summary>
    private static DateTime? LastArrival(string directory, HashSet<string> before)
    {
        DateTime? last = null;
        foreach (var file in Directory.EnumerateFiles(directory, "*.prn", SearchOption.AllDirectories))
        {
            if (before.Contains(file)) continue;
            var written = File.GetLastWriteTimeUtc(file);
            if (last is null || written > last) last = written;
        }
        return last;
    }

    private static async Task<Report> RunAsync(Settings settings, bool showProgress, CancellationToken ct)
    {
        var (queues, count, concurrency, size, wait, atOnce, sink) = settings;
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        // Independent clients that submit one job each close their connection afterwards (as lp and other print
        // dialogs do) instead of keeping it open in a pool, where it would hold one of the server's client slots.
        if (atOnce) http.DefaultRequestHeaders.ConnectionClose = true;
        var ipp = new IppClient(http);
        var payload = Payload(size);
        var latencies = new List<double>();
        var accepted = new List<int>();
        var errors = new List<string>();
        var refusedBy = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var next = 0;
        double submitSeconds = 0;
        double clientCpu = 0;
        double? allFinished = null;
        (int Completed, int Aborted, int Canceled, int Open) states = (0, 0, 0, 0);

        // Files already in the sink belong to earlier runs; only the ones that arrive from now on count.
        var sinkBefore = sink is null || !Directory.Exists(sink)
            ? []
            : Directory.EnumerateFiles(sink, "*.prn", SearchOption.AllDirectories).ToHashSet(StringComparer.Ordinal);
        foreach (var queue in queues) await WarmUpAsync(ipp, queue, payload, ct);

        var process = Process.GetCurrentProcess();
        var cpuAtStart = process.TotalProcessorTime;
        var startedAtUtc = DateTime.UtcNow;
        var clock = Stopwatch.StartNew();

        void Refused(int n, string reason, string detail)
        {
            lock (latencies)
            {
                refusedBy[reason] = refusedBy.GetValueOrDefault(reason) + 1;
                if (errors.Count < KeptErrors) errors.Add($"job {n}: {detail}");
            }
        }

        async Task SubmitOne(int n, Uri queue)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                using var document = new MemoryStream(payload, writable: false);
                var answer = await ipp.PrintJobAsync(queue, document, "bench", $"bench-{n}", "text/plain", null, ct);
                var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                if ((ushort)answer.Status < 0x0100)
                {
                    lock (latencies)
                    {
                        latencies.Add(elapsed);
                        accepted.Add(answer.JobId);
                    }
                }
                else
                {
                    var reason = string.IsNullOrEmpty(answer.StatusMessage) ? $"{answer.Status}" : $"{answer.Status}: {answer.StatusMessage}";
                    Refused(n, reason, reason);
                }
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException or InvalidDataException && !ct.IsCancellationRequested)
            {
                var reason = TransportFailure(e);
                Refused(n, reason, reason);
            }
        }

        async Task SubmitLoop(int client, Action onDone)
        {
            var queue = queues[client % queues.Count];
            while (Interlocked.Increment(ref next) is var n && n <= count && !ct.IsCancellationRequested)
            {
                await SubmitOne(n, queue);
                onDone();
            }
        }

        async Task SubmitAll(Action onDone)
        {
            if (atOnce)
            {
                // Every client is ready and waits for the same signal; then all submit their one job together.
                var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                var clients = Enumerable.Range(1, count).Select(async n =>
                {
                    await go.Task;
                    await SubmitOne(n, queues[(n - 1) % queues.Count]);
                    onDone();
                }).ToList();
                clock.Restart();
                startedAtUtc = DateTime.UtcNow;
                cpuAtStart = process.TotalProcessorTime;
                go.SetResult();
                await Task.WhenAll(clients);
            }
            else
            {
                await Task.WhenAll(Enumerable.Range(0, concurrency).Select(client => Task.Run(() => SubmitLoop(client, onDone), ct)));
            }
            submitSeconds = clock.Elapsed.TotalSeconds;
            process.Refresh();
            clientCpu = (process.TotalProcessorTime - cpuAtStart).TotalSeconds;
        }

        async Task WaitAtSink(string directory, Action<int> onArrived)
        {
            var deadline = clock.Elapsed + wait;
            while (!ct.IsCancellationRequested)
            {
                var arrived = CountSinkFiles(directory) - sinkBefore.Count;
                states = (arrived, 0, 0, Math.Max(0, accepted.Count - arrived));
                onArrived(arrived);
                if (arrived >= accepted.Count)
                {
                    var observed = clock.Elapsed.TotalSeconds;
                    // The last file's write time is more precise than the polling interval.
                    var last = LastArrival(directory, sinkBefore);
                    allFinished = last is { } t ? Math.Clamp((t - startedAtUtc).TotalSeconds, 0, observed) : observed;
                    return;
                }
                if (clock.Elapsed > deadline) return;
                await Task.Delay(50, ct);
            }
        }

        async Task WaitByGetJobs(Action<int> onFinished)
        {
            var deadline = clock.Elapsed + wait;
            var ids = accepted.ToHashSet();
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    var listed = await ipp.GetJobsAsync(queues[0], "all", ct, limit: int.MaxValue); // every job, not the default 1000
                    var mine = listed.Select(j => (Id: Convert.ToInt32(j["job-id"], CultureInfo.InvariantCulture), State: Convert.ToInt32(j["job-state"], CultureInfo.InvariantCulture)))
                        .Where(j => ids.Contains(j.Id)).ToList();
                    // A job no longer listed was purged by retention, which only removes finished jobs.
                    var purged = ids.Count - mine.Count;
                    states = (mine.Count(j => j.State == 9) + purged, mine.Count(j => j.State == 8), mine.Count(j => j.State == 7), mine.Count(j => j.State < 7));
                    onFinished(ids.Count - states.Open);
                    if (states.Open == 0)
                    {
                        allFinished = clock.Elapsed.TotalSeconds;
                        return;
                    }
                }
                catch (Exception e) when (e is HttpRequestException or IOException or InvalidOperationException or TaskCanceledException && !ct.IsCancellationRequested)
                {
                    // The node may be busy; ask again.
                }
                if (clock.Elapsed > deadline) return;
                await Task.Delay(500, ct);
            }
        }

        Task WaitAll(Action<int> onFinished)
        {
            if (wait <= TimeSpan.Zero || accepted.Count == 0) return Task.CompletedTask;
            return sink is null ? WaitByGetJobs(onFinished) : WaitAtSink(sink, onFinished);
        }

        try
        {
            if (showProgress)
            {
                await AnsiConsole.Progress()
                    .AutoClear(false)
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                    .StartAsync(async context =>
                    {
                        var submitting = context.AddTask("submitted", maxValue: count);
                        await SubmitAll(() => submitting.Increment(1));
                        var finishing = context.AddTask(sink is null ? "finished" : "at the device", maxValue: Math.Max(1, accepted.Count));
                        await WaitAll(done => finishing.Value = done);
                    });
            }
            else
            {
                await SubmitAll(() => { });
                await WaitAll(_ => { });
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Report what was measured so far.
        }
        if (submitSeconds == 0) submitSeconds = clock.Elapsed.TotalSeconds;

        var unfinished = allFinished is null ? Math.Max(0, accepted.Count - states.Completed - states.Aborted - states.Canceled) : 0;
        return new Report(count, concurrency, size, string.Join(", ", queues), accepted.Count, count - accepted.Count, submitSeconds,
            submitSeconds > 0 ? accepted.Count / submitSeconds : 0, LatencySummary.Of(latencies), allFinished,
            states.Completed, states.Aborted, states.Canceled, unfinished, errors, atOnce, sink, refusedBy,
            clientCpu, clientCpu > 0 ? Environment.ProcessorCount * accepted.Count / clientCpu : 0);
    }

    /// <summary>
    /// Why a request got no IPP answer, in words that group well: the HTTP error kind and the innermost cause
    /// ("ConnectionError: Connection refused (127.0.0.1:631)", "Unknown: Connection reset by peer").
    /// </summary>
    public static string TransportFailure(Exception e)
    {
        var cause = e.GetBaseException();
        var kind = e is HttpRequestException h ? $"{h.HttpRequestError}" : e.GetType().Name;
        return ReferenceEquals(cause, e) ? $"{kind}: {e.Message}" : $"{kind}: {cause.Message}";
    }

    /// <summary>
    /// Before the clock starts, so that the first jobs do not pay for this process's JIT compilation of the HTTP and
    /// IPP code: one Get-Printer-Attributes, and one Print-Job of the real payload to a queue that does not exist
    /// (the server refuses it, so no job is created and nothing reaches the device). The answers do not matter.
    /// </summary>
    private static async Task WarmUpAsync(IppClient ipp, Uri queue, byte[] payload, CancellationToken ct)
    {
        try
        {
            await ipp.SendAsync(queue, ipp.NewRequest(IppOperation.GetPrinterAttributes, queue), null, ct);
            using var document = new MemoryStream(payload, writable: false);
            await ipp.PrintJobAsync(new Uri(queue, "/printers/no-such-queue-bench-warm-up"), document, "bench", "warm-up", "text/plain", null, ct);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException or InvalidDataException && !ct.IsCancellationRequested)
        {
            // The jobs will report what is wrong.
        }
    }

    /// <summary>Printable text lines (so a real printer prints something sensible), exactly <paramref name="size"/> bytes.</summary>
    public static byte[] Payload(long size)
    {
        var text = new StringBuilder();
        var line = 0;
        while (text.Length < size) text.Append(CultureInfo.InvariantCulture, $"ActorSpool bench line {++line:D6} ........................................\r\n");
        return Encoding.ASCII.GetBytes(text.ToString(0, (int)size));
    }

    public static bool TryParseSize(string text, out long bytes)
    {
        bytes = 0;
        var t = text.Trim().ToUpperInvariant().Replace("IB", "", StringComparison.Ordinal).Replace("B", "", StringComparison.Ordinal);
        long factor = 1;
        if (t.EndsWith('K')) (factor, t) = (1024, t[..^1]);
        else if (t.EndsWith('M')) (factor, t) = (1024 * 1024, t[..^1]);
        if (!long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1 || n * factor > 256L * 1024 * 1024) return false;
        bytes = n * factor;
        return true;
    }
}

/// <summary>Percentiles (nearest rank), mean and maximum of latencies in milliseconds.</summary>
public sealed record LatencySummary(int Count, double P50Ms, double P95Ms, double P99Ms, double MeanMs, double MaxMs)
{
    public static LatencySummary Of(IReadOnlyCollection<double> milliseconds)
    {
        if (milliseconds.Count == 0) return new LatencySummary(0, 0, 0, 0, 0, 0);
        var sorted = milliseconds.Order().ToArray();
        return new LatencySummary(sorted.Length, Percentile(sorted, 50), Percentile(sorted, 95), Percentile(sorted, 99), sorted.Average(), sorted[^1]);
    }

    /// <summary>The smallest value with at least <paramref name="p"/> percent of the values at or below it.</summary>
    public static double Percentile(double[] sorted, double p)
    {
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
