using System.Text;
using ActorSpool.Domain.Jobs;
using ActorSpool.Simulators;
using ActorSpool.TestSupport;
using Akka.Actor;
using static ActorSpool.Domain.Messages.PrinterProtocol;

namespace ActorSpool.Actors.Tests.Spool;

/// <summary>The spooler delivering to real protocol peers: CUPS's ippeveprinter over IPP and BSD lpd over LPD.</summary>
public sealed class DeviceProtocolTests : SpoolScenario
{
    private T Track<T>(T peer) where T : IAsyncDisposable
    {
        Peers.Add(peer);
        return peer;
    }

    private string Script(string name, string body)
    {
        var path = Path.Combine(Data.Path, name);
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    [Fact]
    public async Task A_job_printed_over_ipp_reaches_ippeveprinter_byte_for_byte()
    {
        var device = Track(await IppEvePrinter.StartAsync("/bin/true"));
        Spool = await SpoolHarness.StartAsync($$"""
            actorspool.printers { eve { uri = "{{device.PrinterUri}}" } }
            actorspool.queues { office { printers = [eve] } }
            """, Data.Path);

        var document = Encoding.ASCII.GetBytes("IPP delivery test page\n" + new string('#', 50_000));
        await Spool.SubmitAsync("office", document);

        var job = (await Spool.WaitForJobsAsync("office", all => all.Single().State.IsTerminal(), TimeSpan.FromMinutes(2))).Single();
        Assert.True(job.State == JobState.Completed, $"{job.State}: {job.LastError}");
        var kept = Directory.EnumerateFiles(device.SpoolDirectory).Where(f => !f.EndsWith(".prn", StringComparison.Ordinal)).ToList();
        Assert.Contains(kept, f => File.ReadAllBytes(f).SequenceEqual(document));
    }

    [Fact]
    public async Task A_device_out_of_paper_is_reported_and_its_jobs_fail_over()
    {
        var outOfPaper = Script("out-of-paper.sh", """
            echo "STATE: +media-empty-error" >&2
            echo "ERROR: Out of paper in tray 1" >&2
            exit 1
            """);
        var device = Track(await IppEvePrinter.StartAsync(outOfPaper));
        var alternate = Track(new AppSocketPrinterSimulator(new SimulatorOptions { Name = "alternate" }));
        await ((AppSocketPrinterSimulator)Peers[1]).StartAsync();
        Spool = await SpoolHarness.StartAsync($$"""
            actorspool.printers {
              eve { uri = "{{device.PrinterUri}}" }
              alternate { uri = "socket://127.0.0.1:{{alternate.Port}}" }
            }
            actorspool.queues { office { printers = [eve, alternate], mode = failover } }
            """, Data.Path, SpoolHarness.FastSettings with { BreakerFailures = 1 });
        await SpoolHarness.WaitUntilAsync(async () => (await Spool.QueueStatusAsync("office")).AcceptingPrinters.Contains("eve"), "the IPP printer up");

        await Spool.SubmitAsync("office", Encoding.ASCII.GetBytes("needs paper\f"));

        var job = (await Spool.WaitForJobsAsync("office", all => all.Single().State.IsTerminal(), TimeSpan.FromMinutes(2))).Single();
        Assert.Equal(JobState.Completed, job.State);
        Assert.Equal("alternate", job.Printer);
        Assert.Equal(2, job.Attempts);
        // The device's own words travel to the operator: the failed attempt's error names media-empty.
        var status = await Spool.Printers.Ask<PrinterStatus>(new GetPrinterStatus("eve"), SpoolHarness.Patience);
        Assert.True((status.LastError ?? "").Contains("media-empty") || status.Reasons.Any(r => r.StartsWith("media-empty")), $"{status.LastError} / {string.Join(",", status.Reasons)}");
        Assert.Single(alternate.ReceivedJobs);
    }

    [Fact]
    public async Task A_job_printed_over_lpd_reaches_bsd_lpd_with_its_control_file()
    {
        var lpd = Track(await BsdLpdServer.StartAsync("raw"));
        Spool = await SpoolHarness.StartAsync($$"""
            actorspool.printers { line { uri = "lpd://127.0.0.1:{{lpd.Port}}/raw" } }
            actorspool.queues { office { printers = [line] } }
            """, Data.Path);

        var document = Encoding.ASCII.GetBytes("LPD delivery test page\n" + new string('=', 30_000));
        var submitted = await Spool.SubmitAsync("office", document);

        var job = (await Spool.WaitForJobsAsync("office", all => all.Single().State.IsTerminal(), TimeSpan.FromMinutes(2))).Single();
        Assert.Equal(JobState.Completed, job.State);
        var (control, dataFiles) = await lpd.WaitForJobFilesAsync("raw", (int)(submitted.JobId % 1000), 1);
        Assert.Equal(document, File.ReadAllBytes(Assert.Single(dataFiles)));
        Assert.Contains("Pactorspool", File.ReadAllText(control));
    }
}
