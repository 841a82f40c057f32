using System.Text;
using ActorSpool.Domain.Jobs;
using ActorSpool.Simulators;
using ActorSpool.TestSupport;
using Akka.Actor;
using static ActorSpool.Domain.Messages.PrinterProtocol;

namespace ActorSpool.Actors.Tests.Spool;

/// <summary>
/// A printer with a chain of paths to its device (<c>fallback-uris</c>, any protocol): it delivers over the first
/// usable one, moves down the chain when a path refuses or its error ratio passes <c>fallback-error-ratio</c>, and
/// says which path it uses in its status (spoolctl printer show, the REST API) and in /metrics.
/// </summary>
public sealed class FallbackChainTests : SpoolScenario
{
    private async Task<PrinterStatus> StatusAsync(string printer) =>
        await Spool!.Printers.Ask<PrinterStatus>(new GetPrinterStatus(printer), SpoolHarness.Patience);

    private async Task WaitForPathAsync(string printer, string uri) =>
        await SpoolHarness.WaitUntilAsync(async () => (await StatusAsync(printer)).PathInUse == uri, $"printer {printer} to deliver over {uri}");

    private async Task<JobRecord> PrintAsync(byte[] document)
    {
        var submitted = await Spool!.SubmitAsync("office", document);
        var jobs = await Spool.WaitForJobsAsync("office", all => all.Single(j => j.JobId == submitted.JobId).State.IsTerminal(), TimeSpan.FromMinutes(2));
        var job = jobs.Single(j => j.JobId == submitted.JobId);
        Assert.True(job.State == JobState.Completed, $"{job.State}: {job.LastError}");
        return job;
    }

    [Fact]
    public async Task The_chain_goes_from_ipp_to_lpd_to_socket_as_each_device_path_stops_answering()
    {
        var eve = await IppEvePrinter.StartAsync("/bin/true");
        Peers.Add(eve);
        var lpd = await BsdLpdServer.StartAsync("raw");
        Peers.Add(lpd);
        var socket = new AppSocketPrinterSimulator(new SimulatorOptions { Name = "socket-path" });
        await socket.StartAsync();
        Peers.Add(socket);
        var ippUri = eve.PrinterUri.ToString();
        var lpdUri = $"lpd://127.0.0.1:{lpd.Port}/raw";
        var socketUri = $"socket://127.0.0.1:{socket.Port}/";
        Spool = await SpoolHarness.StartAsync($$"""
            actorspool.printers { chain { uri = "{{ippUri}}", fallback-uris = ["{{lpdUri}}", "{{socketUri}}"] } }
            actorspool.queues { office { printers = [chain], max-attempts = 10 } }
            """, Data.Path);

        // All three answer: the printer's own uri.
        await WaitForPathAsync("chain", ippUri);
        var overIpp = Encoding.ASCII.GetBytes("over ipp\n");
        await PrintAsync(overIpp);
        await Eventually.WaitUntilAsync(() => Directory.EnumerateFiles(eve.SpoolDirectory).Any(f => File.ReadAllBytes(f).SequenceEqual(overIpp)),
            "ippeveprinter to keep the job");
        Assert.Equal(1, SpoolMetrics.PrinterPathInUse.WithLabels("chain", ippUri).Value);

        // The IPP device goes away: the next path, LPD.
        await eve.DisposeAsync();
        await WaitForPathAsync("chain", lpdUri);
        var overLpd = Encoding.ASCII.GetBytes("over lpd\n");
        var lpdJob = await PrintAsync(overLpd);
        var (_, _, _, data) = await lpd.ReadJobFilesAsync("raw", (int)(lpdJob.JobId % 1000), 1);
        Assert.Equal(overLpd, data[0]);
        Assert.True((await StatusAsync("chain")).UsingFallback);

        // And the LPD daemon too: the last path, the socket.
        await lpd.DisposeAsync();
        await WaitForPathAsync("chain", socketUri);
        var overSocket = Encoding.ASCII.GetBytes("over the socket\n");
        await PrintAsync(overSocket);
        Assert.Contains(socket.ReceivedJobs, j => j.Data is { } bytes && bytes.SequenceEqual(overSocket));
        Assert.Equal(1, SpoolMetrics.PrinterPathInUse.WithLabels("chain", socketUri).Value);
        Assert.Equal(0, SpoolMetrics.PrinterPathInUse.WithLabels("chain", ippUri).Value);
    }

    [Fact]
    public async Task A_path_that_fails_now_and_then_is_left_once_its_error_ratio_passes_the_threshold_though_its_breaker_never_opens()
    {
        // A third of the primary's connections are reset mid-job: never three in a row for long, so only the ratio tells.
        var flaky = new AppSocketPrinterSimulator(new SimulatorOptions { Name = "flaky", Fault = SimulatedFault.ResetMidJob, FaultFraction = 0.34 });
        var steady = new AppSocketPrinterSimulator(new SimulatorOptions { Name = "steady" });
        await flaky.StartAsync();
        await steady.StartAsync();
        Peers.Add(flaky);
        Peers.Add(steady);
        var steadyUri = $"socket://127.0.0.1:{steady.Port}/";
        Spool = await SpoolHarness.StartAsync($$"""
            actorspool.printers { lj-1 { uri = "socket://127.0.0.1:{{flaky.Port}}", fallback-uris = ["{{steadyUri}}"] } }
            actorspool.queues { office { printers = [lj-1], max-attempts = 20 } }
            """, Data.Path, SpoolHarness.FastSettings with
        {
            BreakerFailures = 1000,
            FallbackErrorRatio = 0.05,
            FallbackErrorMinDeliveries = 10,
            FallbackErrorWindow = TimeSpan.FromMinutes(10),
        });

        for (var i = 0; i < 30; i++) await Spool.SubmitAsync("office", Encoding.ASCII.GetBytes($"job {i}\n"));
        await Spool.WaitForJobsAsync("office", all => all.Length == 30 && all.All(j => j.State == JobState.Completed), TimeSpan.FromMinutes(3));

        var status = await StatusAsync("lj-1");
        Assert.False(status.BreakerOpen);
        Assert.Equal(steadyUri, status.PathInUse); // set aside for the window, still
        Assert.Contains("other-warning", status.Reasons);
        Assert.NotEmpty(steady.ReceivedJobs);
        Assert.Equal(30, flaky.ReceivedJobs.Count + steady.ReceivedJobs.Count); // every job printed once, wherever
    }
}
