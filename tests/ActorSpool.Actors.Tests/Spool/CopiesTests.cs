using System.Text;
using ActorSpool.Domain.Jobs;
using ActorSpool.Protocols.Lpd;
using ActorSpool.Simulators;
using ActorSpool.TestSupport;
using ActorSpool.TestSupport.Lpd;

namespace ActorSpool.Actors.Tests.Spool;

/// <summary>
/// A job's copies reach the device over each protocol: AppSocket gets the documents once per copy in the job's
/// collation, LPD a control file that names them once per copy, and an IPP device that cannot make copies itself one
/// job per document and copy.
/// </summary>
public sealed class CopiesTests : SpoolScenario
{
    private static readonly byte[] First = Encoding.ASCII.GetBytes("first document\n");
    private static readonly byte[] Second = Encoding.ASCII.GetBytes("second document, a little longer\n");

    private async Task<AppSocketPrinterSimulator> AppSocketAsync()
    {
        var simulator = new AppSocketPrinterSimulator(new SimulatorOptions { Name = "lj-1" });
        await simulator.StartAsync();
        Peers.Add(simulator);
        return simulator;
    }

    private async Task<JobRecord> PrintAsync(string uri, int copies, bool uncollated = false)
    {
        Spool = await SpoolHarness.StartAsync($$"""
            actorspool.printers { device { uri = "{{uri}}" } }
            actorspool.queues { office { printers = [device] } }
            """, Data.Path);
        var submitted = await Spool.SubmitCopiesAsync("office", [First, Second], copies, uncollated);
        Assert.Equal(new Copies(copies, uncollated), submitted.Copies);
        var job = (await Spool.WaitForJobsAsync("office", all => all.Single().State.IsTerminal(), TimeSpan.FromMinutes(2))).Single();
        Assert.True(job.State == JobState.Completed, $"{job.State}: {job.LastError}");
        return job;
    }

    [Fact]
    public async Task AppSocket_gets_a_two_document_job_of_three_copies_collated_three_times_over()
    {
        var device = await AppSocketAsync();

        var job = await PrintAsync($"socket://127.0.0.1:{device.Port}", copies: 3);

        // One connection, one job on the device: the whole job, then again, then again.
        var received = Assert.Single(await device.WaitForJobsAsync(1, SpoolHarness.Patience));
        Assert.Equal(Concat(First, Second, First, Second, First, Second), received.Data);
        Assert.Equal(3, job.Copies.Count);
    }

    [Fact]
    public async Task AppSocket_gets_uncollated_copies_each_document_together()
    {
        var device = await AppSocketAsync();

        await PrintAsync($"socket://127.0.0.1:{device.Port}", copies: 2, uncollated: true);

        var received = Assert.Single(await device.WaitForJobsAsync(1, SpoolHarness.Patience));
        Assert.Equal(Concat(First, First, Second, Second), received.Data);
    }

    [Fact]
    public async Task Lpd_gets_each_data_file_once_and_a_control_file_that_prints_them_once_per_copy()
    {
        var device = new LpdPrinterSimulator(new LpdSimulatorOptions { Queues = ["raw"] });
        await device.StartAsync();
        Peers.Add(device);

        await PrintAsync($"lpd://127.0.0.1:{device.Port}/raw", copies: 3);

        var received = Assert.Single(await device.WaitForJobsAsync(1, SpoolHarness.Patience));
        Assert.Equal([First, Second], received.DataFiles.Select(f => f.Data!));
        Assert.Equal(new LpdCopies(3, Uncollated: false), received.ControlFile.Copies);
        var files = received.DataFiles.Select(f => f.Name).ToArray();
        Assert.Equal([.. files, .. files, .. files], received.ControlFile.PrintCommands.Select(c => c.Operand));
    }

    [Fact]
    public async Task An_ipp_device_without_copies_gets_one_job_per_document_and_copy_in_collated_order()
    {
        // Only text/plain: ippeveprinter then says copies-supported 1..1 and takes one document per job.
        var device = await IppEvePrinter.StartAsync("/bin/true", formats: "text/plain");
        Peers.Add(device);

        await PrintAsync(device.PrinterUri.ToString(), copies: 2);

        // ippeveprinter keeps each job's document as <job-id>-<name>.<ext>; its job ids count up from 1.
        var kept = Directory.EnumerateFiles(device.SpoolDirectory)
            .Where(f => !f.EndsWith(".prn", StringComparison.Ordinal))
            .OrderBy(f => int.Parse(Path.GetFileName(f).Split('-')[0], System.Globalization.CultureInfo.InvariantCulture))
            .Select(File.ReadAllBytes)
            .ToList();
        Assert.Equal([First, Second, First, Second], kept);
    }

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
}
