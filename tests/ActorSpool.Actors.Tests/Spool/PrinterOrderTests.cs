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
/// each other: the printer still prints them in the queue's order, and does not wait for one its queue no longer sends
/// (its worker's node died) nor, when the queue does not answer, longer than predecessor-wait.
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
        // Longer than the tests' patience: a job that prints did not wait it out.
        _spool = await SpoolHarness.StartAsync(Topology, _data.Path, SpoolHarness.FastSettings with { PredecessorWait = TimeSpan.FromMinutes(10) });
    }

    private string Topology => $$"""
        actorspool.printers { lj-1 { uri = "socket://127.0.0.1:{{_device.Port}}" } }
        actorspool.queues { office { printers = [lj-1] } }
        """;

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
    public async Task Jobs_that_name_each_other_as_their_predecessor_print_in_their_queues_order()
    {
        var first = await HeldJobAsync("first");
        var second = await HeldJobAsync("second");
        var probe = new TestProbe(_spool.System, new XunitAssertions());
        // The first job's worker died; its queue sent it again, naming the job it had sent meanwhile, which names the
        // first. Their queue ("elsewhere") does not exist, so no queue's answer can help: the printer must see it.
        probe.Send(_spool.Printers, new DeliverJob("lj-1", "elsewhere", second.JobId, 1, second.Documents) { Sequence = second.Sequence, After = first.JobId });
        probe.ExpectMsg<DeliveryQueued>(SpoolHarness.Patience);
        probe.Send(_spool.Printers, new DeliverJob("lj-1", "elsewhere", first.JobId, 2, first.Documents) { Sequence = first.Sequence, After = second.JobId });

        await _device.WaitForJobsAsync(2, SpoolHarness.Patience);
        Assert.Equal(["first", "second"], _device.ReceivedJobs.Select(j => Encoding.ASCII.GetString(j.Data!)));
    }

    [Fact]
    public async Task A_job_whose_predecessor_its_queue_no_longer_sends_prints_without_waiting_for_it()
    {
        var job = await HeldJobAsync("alone");
        var probe = new TestProbe(_spool.System, new XunitAssertions());
        // Its predecessor's worker died on the way and the queue put it back in line (here: held, never dispatched):
        // the printer asks the queue and starts the job, long before predecessor-wait.
        var predecessor = await HeldJobAsync("put back in line");
        probe.Send(_spool.Printers, new DeliverJob("lj-1", "office", job.JobId, 1, job.Documents) { After = predecessor.JobId });
        probe.ExpectMsg<DeliveryQueued>(SpoolHarness.Patience);
        var finished = probe.ExpectMsg<DeliveryFinished>(SpoolHarness.Patience);
        Assert.Equal(DeliveryOutcome.Delivered, finished.Outcome);
        Assert.Equal(["alone"], _device.ReceivedJobs.Select(j => Encoding.ASCII.GetString(j.Data!)));
    }

    [Fact]
    public async Task A_job_whose_queue_does_not_answer_waits_for_its_predecessor_at_most_predecessor_wait()
    {
        // A second spooler on the same printer whose predecessor-wait is short; the job names a queue nobody has, so
        // no queue answers the printer's question.
        using var data = new TempDirectory();
        await using var spool = await SpoolHarness.StartAsync(Topology, data.Path, SpoolHarness.FastSettings with { PredecessorWait = TimeSpan.FromSeconds(1) });
        var job = await spool.SubmitAsync("office", Encoding.ASCII.GetBytes("unanswered"), hold: true);
        var probe = new TestProbe(spool.System, new XunitAssertions());
        probe.Send(spool.Printers, new DeliverJob("lj-1", "nowhere", job.JobId, 1, job.Documents) { After = job.JobId + 1000 });
        probe.ExpectMsg<DeliveryQueued>(SpoolHarness.Patience);
        var finished = probe.ExpectMsg<DeliveryFinished>(SpoolHarness.Patience);
        Assert.Equal(DeliveryOutcome.Delivered, finished.Outcome);
        Assert.Contains("unanswered", _device.ReceivedJobs.Select(j => Encoding.ASCII.GetString(j.Data!)));
    }
}
