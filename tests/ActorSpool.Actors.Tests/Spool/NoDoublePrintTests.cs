using System.Text;
using ActorSpool.Actors.Printers;
using ActorSpool.Domain.Jobs;
using ActorSpool.Simulators;
using ActorSpool.TestSupport;
using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using static ActorSpool.Domain.Messages.PrinterProtocol;

namespace ActorSpool.Actors.Tests.Spool;

/// <summary>
/// The printer entity keeps a job from printing twice when the cluster moves things around: a worker's late
/// re-send of an attempt already printed, and sharding moving the printer entity while a job is on the wire.
/// </summary>
public sealed class NoDoublePrintTests : IAsyncLifetime
{
    private readonly TempDirectory _data = new();
    private AppSocketPrinterSimulator _device = null!;
    private SpoolHarness _spool = null!;

    public async Task InitializeAsync()
    {
        _device = new AppSocketPrinterSimulator(new SimulatorOptions { Name = "lj-1", DelayPerJob = TimeSpan.FromSeconds(1) });
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

    [Fact]
    public async Task A_resent_request_for_an_attempt_already_delivered_answers_its_outcome_without_printing_again()
    {
        var submitted = await _spool.SubmitAsync("office", Encoding.ASCII.GetBytes("printed once"));
        var done = (await _spool.WaitForJobsAsync("office", all => all.All(j => j.State == JobState.Completed))).Single();
        Assert.Single(_device.ReceivedJobs);

        var resend = new DeliverJob("lj-1", "office", done.JobId, done.Dispatches, done.Documents);
        var answer = await _spool.Printers.Ask<DeliveryFinished>(resend, SpoolHarness.Patience);

        Assert.Equal(DeliveryOutcome.Delivered, answer.Outcome);
        Assert.Equal(submitted.JobId, answer.JobId);
        Assert.Single(_device.ReceivedJobs);

        // A new attempt of the same job is a real re-print (e.g. an operator's restart), not a duplicate.
        var retry = await _spool.Printers.Ask<object>(resend with { Attempt = done.Dispatches + 1 }, SpoolHarness.Patience);
        Assert.IsType<DeliveryQueued>(retry);
        await SpoolHarness.WaitUntilAsync(() => Task.FromResult(_device.ReceivedJobs.Count == 2), "the new attempt to print");
    }

    [Fact]
    public async Task A_printer_entity_told_to_hand_off_mid_delivery_finishes_and_reports_the_job_before_it_stops()
    {
        var submitted = await _spool.SubmitAsync("office", Encoding.ASCII.GetBytes("warm-up"), hold: true);
        // Mid-delivery means on the wire: a printer entity still waiting for its first probe would only hold the job in line.
        await SpoolHarness.WaitUntilAsync(async () => (await _spool.Printers.Ask<PrinterStatus>(new GetPrinterStatus("lj-1"), SpoolHarness.Patience)).IsAcceptingWork,
            "lj-1 to answer its first probe");
        var probe = new TestProbe(_spool.System, new XunitAssertions());
        var deliver = new DeliverJob("lj-1", "office", submitted.JobId, 1, submitted.Documents);

        probe.Send(_spool.Printers, deliver);
        probe.ExpectMsg<DeliveryQueued>(SpoolHarness.Patience);
        var entity = probe.LastSender;
        probe.Watch(entity);

        // What sharding sends on a rebalance or a graceful leave, while the 1 s device is still printing.
        probe.Send(entity, PrinterActor.HandOff.Instance);
        var finished = probe.ExpectMsg<DeliveryFinished>(SpoolHarness.Patience);
        Assert.Equal(DeliveryOutcome.Delivered, finished.Outcome);
        probe.ExpectTerminated(entity, SpoolHarness.Patience);
        Assert.Single(_device.ReceivedJobs);
    }
}
