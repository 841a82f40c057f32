using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;
using ActorSpool.Protocols.Ipp;
using ActorSpool.Simulators;
using ActorSpool.TestSupport;
using Xunit.Abstractions;

namespace ActorSpool.Node.Tests.EndToEnd;

/// <summary>
/// The durability contract with a real process: a node holding hundreds of accepted jobs is SIGKILLed mid-run,
/// a new node on the same data directory finishes every one of them.
/// </summary>
public sealed partial class CrashRecoveryTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int JobCount = 500;
    private const int JobsInFlightPerPrinter = 4; // config/actorspool.conf's default
    private readonly TempDirectory _data = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(120) };
    private AppSocketPrinterSimulator _printer = null!;

    public async Task InitializeAsync() =>
        _printer = await Printers.SimulatorAsync("slow", delay: TimeSpan.FromMilliseconds(20));

    public async Task DisposeAsync()
    {
        await _printer.DisposeAsync();
        _http.Dispose();
        _data.Dispose();
    }

    [GeneratedRegex(@"^JOB-(\d+)-")]
    private static partial Regex JobMarker();

    [Fact]
    public async Task Every_accepted_job_finishes_after_the_node_is_killed_mid_run()
    {
        var printers = Printers.WriteFile(_data.Path, [_printer], "  office { printers = [slow] }");
        var dataDirectory = Path.Combine(_data.Path, "node-data");
        var first = await NodeProcess.StartAsync(dataDirectory, printers);
        var client = new IppClient(_http);
        var queue = first.QueueUri("office");

        // Several concurrent clients; each document names its job so the printer's output can be matched.
        var accepted = new ConcurrentDictionary<int, int>();
        var next = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, 8), async (_, ct) =>
        {
            int n;
            while ((n = Interlocked.Increment(ref next)) <= JobCount)
            {
                var document = Encoding.ASCII.GetBytes($"JOB-{n}-" + new string('.', 2000));
                var result = await client.PrintJobAsync(queue, new MemoryStream(document), "crash-test", $"job {n}", ct: ct);
                Assert.Equal(IppStatusCode.SuccessfulOk, result.Status);
                accepted[n] = result.JobId;
            }
        });
        Assert.Equal(JobCount, accepted.Count);

        // Kill while the printer is still working through the backlog.
        await _printer.WaitForJobsAsync(20, TimeSpan.FromSeconds(120));
        await first.KillAsync();
        var printedBeforeKill = _printer.ReceivedJobs.Count;
        output.WriteLine($"SIGKILL after {printedBeforeKill} of {JobCount} jobs printed");
        Assert.True(printedBeforeKill < JobCount, "the node finished everything before it was killed; the test proves nothing");

        await using var second = await NodeProcess.StartAsync(dataDirectory, printers, ippPort: first.IppPort);
        await _printer.WaitForJobsAsync(JobCount, TimeSpan.FromMinutes(5)).ContinueWith(_ => { });

        var deadline = DateTime.UtcNow.AddMinutes(5);
        IReadOnlyList<IReadOnlyDictionary<string, object?>> jobs;
        while (true)
        {
            jobs = await client.GetJobsAsync(second.QueueUri("office"), "all", limit: int.MaxValue);
            if (jobs.Count >= JobCount && jobs.All(j => (int)j["job-state"]! == 9)) break;
            Assert.True(DateTime.UtcNow < deadline, $"not all jobs completed: {jobs.Count(j => (int)j["job-state"]! == 9)} of {jobs.Count}\n{second.ReadLog()}");
            await Task.Delay(500);
        }

        // Every acknowledged job id is completed, and every one reached the printer.
        Assert.Equal(accepted.Values.Order(), jobs.Select(j => (int)j["job-id"]!).Order());
        var printed = _printer.ReceivedJobs
            .Select(j => int.Parse(JobMarker().Match(Encoding.ASCII.GetString(j.Data!)).Groups[1].Value))
            .ToList();
        Assert.Equal(Enumerable.Range(1, JobCount), printed.Distinct().Order());

        // At-least-once: only a job on the wire at the kill may print twice. The printer reads one connection at a
        // time, but the node keeps jobs-in-flight-per-printer (default 4) connections open to it, and a job whose
        // bytes already sit in the printer's socket buffer is printed although the node never heard it finish.
        var duplicates = printed.Count - printed.Distinct().Count();
        output.WriteLine($"printed {printed.Count} documents for {JobCount} jobs: {duplicates} duplicate(s)");
        Assert.InRange(duplicates, 0, JobsInFlightPerPrinter);
    }
}
