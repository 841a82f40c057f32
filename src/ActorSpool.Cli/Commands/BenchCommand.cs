using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ActorSpool.Cli.Spoolctl;
using ActorSpool.Protocols.Ipp;
using ActorSpool.Protocols.Spoolctl;
using Spectre.Console;

namespace ActorSpool.Cli.Commands;

/// <summary>
/// <c>spoolctl [HOST:PORT] bench --jobs N --concurrency C [--size B]</c>: submits N jobs of B bytes over IPP
/// from C concurrent clients, then waits until every accepted job has finished. Reports submit throughput,
/// submit latency (p50/p95/p99/max: the time until the node acknowledged the job) and the time until all
/// jobs were finished.
/// </summary>
public static class BenchCommand
{
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
        IReadOnlyList<string> Errors);

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
            if (r.GetValueOrDefault<int>() is < 1 or > 1000) r.AddError("--concurrency must be from 1 to 1000.");
        });
        var size = new Option<string>("--size", "-s") { Description = "Document size in bytes (suffix K or M for KiB/MiB)", HelpName = "B", DefaultValueFactory = _ => "1024" };
        size.Validators.Add(r =>
        {
            if (!TryParseSize(r.GetValueOrDefault<string>() ?? "", out _)) r.AddError($"--size '{r.GetValueOrDefault<string>()}' is not a size like 1024, 4K or 1M.");
        });
        var queue = new Option<string?>("--queue", "-q") { Description = "Queue (default: the node's default queue)", HelpName = "QUEUE" };
        var ipp = new Option<string?>("--ipp") { Description = "The node's IPP listener (default: asked from the command host, else 127.0.0.1:8631)", HelpName = "HOST:PORT" };
        var wait = new Option<double>("--wait") { Description = "Seconds to wait for all jobs to finish (0 = do not wait)", HelpName = "SECONDS", DefaultValueFactory = _ => 600 };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON" };

        var command = new Command("bench", "Load generator: submit N jobs over IPP with C clients; report throughput, latency and time to all finished")
        {
            jobs, concurrency, size, queue, ipp, wait, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            IppTarget target;
            try
            {
                target = await IppTarget.ResolveAsync(parse.GetValue(ipp), commandHost, commandHostGiven, error, ct);
            }
            catch (Exception e) when (e is CommandHostUnreachableException or ArgumentException)
            {
                await error.WriteLineAsync($"spoolctl bench: {e.Message}");
                return e is ArgumentException ? ExitCodes.Usage : ExitCodes.Unreachable;
            }
            TryParseSize(parse.GetValue(size) ?? "1024", out var bytes);
            var asJson = parse.GetValue(json);
            var report = await RunAsync(target.QueueUri(parse.GetValue(queue) ?? target.DefaultQueue), parse.GetValue(jobs), parse.GetValue(concurrency), bytes,
                TimeSpan.FromSeconds(Math.Max(0, parse.GetValue(wait))), showProgress: !asJson && !Console.IsOutputRedirected, ct);
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

    public static IEnumerable<string> Describe(Report r)
    {
        var l = r.Latency;
        yield return $"Target:        {r.Target}";
        yield return $"Submitted:     {r.Jobs} job(s) of {r.Size} bytes with {r.Concurrency} client(s) in {r.SubmitSeconds:0.00} s: " +
                     $"{r.Accepted} accepted, {r.Rejected} failed; {r.JobsPerSecond:0.0} jobs/s";
        yield return $"Latency:       p50 {l.P50Ms:0.0} ms, p95 {l.P95Ms:0.0} ms, p99 {l.P99Ms:0.0} ms, max {l.MaxMs:0.0} ms";
        yield return r.AllFinishedSeconds is { } all
            ? $"All finished:  {all:0.00} s after the first submit ({r.Completed} completed, {r.Aborted} aborted, {r.Canceled} canceled)"
            : $"Not finished:  {r.Unfinished} job(s) still open when the wait ended ({r.Completed} completed, {r.Aborted} aborted, {r.Canceled} canceled)";
        foreach (var e in r.Errors.Take(5)) yield return $"Error:         {e}";
    }

    private static async Task<Report> RunAsync(Uri queue, int count, int concurrency, long size, TimeSpan wait, bool showProgress, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        var ipp = new IppClient(http);
        var payload = Payload(size);
        var latencies = new List<double>();
        var accepted = new List<int>();
        var errors = new List<string>();
        var next = 0;
        var clock = Stopwatch.StartNew();
        double submitSeconds = 0;
        double? allFinished = null;
        (int Completed, int Aborted, int Canceled, int Open) states = (0, 0, 0, 0);

        async Task SubmitLoop(Action onDone)
        {
            while (Interlocked.Increment(ref next) is var n && n <= count && !ct.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    using var document = new MemoryStream(payload, writable: false);
                    var answer = await ipp.PrintJobAsync(queue, document, "bench", $"bench-{n}", "text/plain", null, ct);
                    var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    lock (latencies)
                    {
                        if ((ushort)answer.Status < 0x0100)
                        {
                            latencies.Add(elapsed);
                            accepted.Add(answer.JobId);
                        }
                        else
                        {
                            errors.Add($"job {n}: {answer.Status} {answer.StatusMessage}");
                        }
                    }
                }
                catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException or InvalidDataException && !ct.IsCancellationRequested)
                {
                    lock (latencies) errors.Add($"job {n}: {e.Message}");
                }
                onDone();
            }
        }

        async Task SubmitAll(Action onDone)
        {
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(() => SubmitLoop(onDone), ct)));
            submitSeconds = clock.Elapsed.TotalSeconds;
        }

        async Task WaitAll(Action<int> onFinished)
        {
            if (wait <= TimeSpan.Zero || accepted.Count == 0) return;
            var deadline = clock.Elapsed + wait;
            var ids = accepted.ToHashSet();
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    var listed = await ipp.GetJobsAsync(queue, "all", ct);
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
                        var finishing = context.AddTask("finished", maxValue: Math.Max(1, accepted.Count));
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

        return new Report(count, concurrency, size, queue.ToString(), accepted.Count, count - accepted.Count, submitSeconds,
            submitSeconds > 0 ? accepted.Count / submitSeconds : 0, LatencySummary.Of(latencies), allFinished,
            states.Completed, states.Aborted, states.Canceled, allFinished is null ? accepted.Count - states.Completed - states.Aborted - states.Canceled : 0, errors);
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

/// <summary>Percentiles (nearest rank) of latencies in milliseconds.</summary>
public sealed record LatencySummary(int Count, double P50Ms, double P95Ms, double P99Ms, double MaxMs)
{
    public static LatencySummary Of(IReadOnlyCollection<double> milliseconds)
    {
        if (milliseconds.Count == 0) return new LatencySummary(0, 0, 0, 0, 0);
        var sorted = milliseconds.Order().ToArray();
        return new LatencySummary(sorted.Length, Percentile(sorted, 50), Percentile(sorted, 95), Percentile(sorted, 99), sorted[^1]);
    }

    /// <summary>The smallest value with at least <paramref name="p"/> percent of the values at or below it.</summary>
    public static double Percentile(double[] sorted, double p)
    {
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
