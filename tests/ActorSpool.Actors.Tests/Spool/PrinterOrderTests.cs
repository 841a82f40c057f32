using System.Text;
using ActorSpool.Domain.Jobs;
using ActorSpool.Simulators;
using ActorSpool.TestSupport;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using static ActorSpool.Domain.Messages.PrinterProtocol;

namespace ActorSpool.Actors.Tests.Spool;

/// <summary>
/// A queue keeps more than one job in flight per printer, carried by different workers whose messages may overtake
/// each other: the printer still prints them in the queue's order, and never waits forever for a lost one.
/// </summary>
public sealed class PrinterOrderTests : IAsyncLifetime
{
    private readonly TempDirectory _data = new();
    private AppSocketPrinterSimulator _device = null!;
    private SpoolHarness _spool = null!;

    public async Task InitializeAsync()
    {
        _device = new AppSocketPrinterSimulator(new SimulatorOptions { Name = "lj-1" });
        await _device.StartAsync();
        _spool = await SpoolHarness.StartAsync($$"""
            actorspool.printers { lj-1 { uri = "socket://127.0.0.1:{{_device.Port}}" } }
            actorspool.queues { office { printers = [lj-1] } }
            """, _data.Path);
    }

    public async Task DisposeAsync()
    {
        await _spool.DisposeAsync();
        await _device.DisposeAsync();
        _data.Dispose();
    }

    private async Task<JobRecord> HeldJobAsync(string text) => await _spool.SubmitAsync("office", Encoding.ASCII.GetBytes(text), hold: true);

    [Fact]
    public async Task A_job_that_arrives_before_the_one_it_comes_after_waits_for_it()
    {
        var first = await HeldJobAsync("first");
        var second = await HeldJobAsync("second");
        var probe = new TestProbe(_spool.System, new XunitAssertions());
        // The second job's worker was quicker: its request reaches the idle printer first.
        probe.Send(_spool.Printers, new DeliverJob("lj-1", "office", second.JobId, 1, second.Documents) { Sequence = second.Sequence, After = first.JobId });
        // Queued means the printer already decided: had it started the job, it would be on the wire now.
        probe.ExpectMsg<DeliveryQueued>(SpoolHarness.Patience);
        probe.Send(_spool.Printers, new DeliverJob("lj-1", "office", first.JobId, 1, first.Documents) { Sequence = first.Sequence });

        await _device.WaitForJobsAsync(2, SpoolHarness.Patience);
        Assert.Equal(["first", "second"], _device.ReceivedJobs.Select(j => Encoding.ASCII.GetString(j.Data!)));
    }

    [Fact]
    public async Task A_job_whose_predecessor_never_comes_prints_anyway()
    {
        var job = await HeldJobAsync("alone");
        var probe = new TestProbe(_spool.System, new XunitAssertions());
        // Its predecessor's worker died on the way: the printer does not wait for it for ever.
        probe.Send(_spool.Printers, new DeliverJob("lj-1", "office", job.JobId, 1, job.Documents) { After = job.JobId + 1000 });
        probe.ExpectMsg<DeliveryQueued>(SpoolHarness.Patience);
        var finished = probe.ExpectMsg<DeliveryFinished>(SpoolHarness.Patience);
        Assert.Equal(DeliveryOutcome.Delivered, finished.Outcome);
        Assert.Single(_device.ReceivedJobs);
    }
}
