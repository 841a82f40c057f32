using System.Text;
using ActorSpool.Domain.Jobs;
using ActorSpool.Simulators;
using ActorSpool.TestSupport;
using Xunit.Abstractions;

namespace ActorSpool.Actors.Tests.Spool;

/// <summary>
/// One misbehaving device at a time: its jobs end on the healthy alternate of its queue (or aborted after the
/// configured attempts), another queue's printer prints everything meanwhile, and no job is lost.
/// </summary>
public sealed class FaultIsolationTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int JobsPerQueue = 15;
    private readonly TempDirectory _data = new();
    private readonly List<AppSocketPrinterSimulator> _devices = new();
    private SpoolHarness? _spool;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_spool is not null) await _spool.DisposeAsync();
        foreach (var device in _devices) await device.DisposeAsync();
        _data.Dispose();
    }

    private async Task<AppSocketPrinterSimulator> DeviceAsync(string name, SimulatedFault fault = SimulatedFault.None, double fraction = 1.0)
    {
        var device = new AppSocketPrinterSimulator(new SimulatorOptions { Name = name, Fault = fault, FaultFraction = fraction });
        await device.StartAsync();
        _devices.Add(device);
        return device;
    }

    private async Task<(AppSocketPrinterSimulator Faulty, AppSocketPrinterSimulator Alternate, AppSocketPrinterSimulator Other)> StartAsync(
        SimulatedFault fault, double fraction = 1.0)
    {
        var faulty = await DeviceAsync("faulty");
        var alternate = await DeviceAsync("alternate");
        var other = await DeviceAsync("other");
        var settings = SpoolHarness.FastSettings with { BreakerFailures = 3, BreakerOpenFor = TimeSpan.FromSeconds(2), IdleTimeout = TimeSpan.FromSeconds(2), DeliveryTimeout = TimeSpan.FromSeconds(8) };
        _spool = await SpoolHarness.StartAsync($$"""
            actorspool.printers {
              faulty { uri = "socket://127.0.0.1:{{faulty.Port}}" }
              alternate { uri = "socket://127.0.0.1:{{alternate.Port}}" }
              other { uri = "socket://127.0.0.1:{{other.Port}}" }
            }
            actorspool.queues {
              office { printers = [faulty, alternate], mode = failover, max-attempts = 5 }
              accounts { printers = [other] }
            }
            """, _data.Path, settings);
        await SpoolHarness.WaitUntilAsync(async () => (await _spool.QueueStatusAsync("office")).AcceptingPrinters.Length == 2, "printers up");
        // The fault starts once the device was seen healthy, as in real life.
        faulty.Fault = fault;
        return (faulty, alternate, other);
    }

    private async Task SubmitBothQueuesAsync()
    {
        for (var i = 0; i < JobsPerQueue; i++)
        {
            await _spool!.SubmitAsync("office", Encoding.ASCII.GetBytes($"office-{i:D2}-" + new string('o', 100_000)));
            await _spool.SubmitAsync("accounts", Encoding.ASCII.GetBytes($"accounts-{i:D2}"));
        }
    }

    private async Task AssertIsolatedAsync(AppSocketPrinterSimulator faulty, AppSocketPrinterSimulator alternate, AppSocketPrinterSimulator other)
    {
        // The unaffected queue prints everything while the faulty device misbehaves.
        await _spool!.WaitForJobsAsync("accounts", all => all.Length == JobsPerQueue && all.All(j => j.State == JobState.Completed));
        Assert.Equal(JobsPerQueue, other.ReceivedJobs.Count);

        // Every office job ends: printed (on the alternate, or on the faulty device when it let it through) or aborted.
        var office = await _spool.WaitForJobsAsync("office", all => all.Length == JobsPerQueue && all.All(j => j.State.IsTerminal()), TimeSpan.FromMinutes(2));
        var completed = office.Where(j => j.State == JobState.Completed).ToList();
        output.WriteLine($"office: {completed.Count} completed ({completed.Count(j => j.Printer == "alternate")} on the alternate), " +
                         $"{office.Count(j => j.State == JobState.Aborted)} aborted; faulty device recorded {faulty.ReceivedJobs.Count}");
        Assert.All(office, job => Assert.True(job.State is JobState.Completed or JobState.Aborted, $"job {job.JobId} is {job.State}"));
        Assert.All(office.Where(j => j.State == JobState.Aborted), job => Assert.Equal(5, job.Attempts));
        var printed = faulty.ReceivedJobs.Concat(alternate.ReceivedJobs).Select(j => Encoding.ASCII.GetString(j.Data!, 0, 9)).ToHashSet();
        Assert.All(completed, job => Assert.Contains($"office-{job.Sequence - 1:D2}", printed));
    }

    [Theory]
    [InlineData(SimulatedFault.RefuseConnections)]
    [InlineData(SimulatedFault.HangAfterAccept)]
    [InlineData(SimulatedFault.ResetMidJob)]
    [InlineData(SimulatedFault.SlowTrickle)]
    public async Task A_faulty_device_is_isolated_and_its_jobs_move_to_the_alternate(SimulatedFault fault)
    {
        var (faulty, alternate, other) = await StartAsync(fault);
        await SubmitBothQueuesAsync();
        await AssertIsolatedAsync(faulty, alternate, other);
        if (fault != SimulatedFault.SlowTrickle) Assert.Empty(faulty.ReceivedJobs);
    }

    [Fact]
    public async Task A_device_that_drops_a_fraction_of_connections_loses_no_job()
    {
        var (faulty, alternate, other) = await StartAsync(SimulatedFault.ResetMidJob, fraction: 0.3);
        await SubmitBothQueuesAsync();
        await AssertIsolatedAsync(faulty, alternate, other);
        var office = await _spool!.JobsAsync("office");
        Assert.All(office, job => Assert.Equal(JobState.Completed, job.State));
    }

    [Fact]
    public async Task A_flapping_device_is_used_again_whenever_it_is_back()
    {
        var (faulty, alternate, other) = await StartAsync(SimulatedFault.None);
        using var flapping = new CancellationTokenSource();
        var flapper = Task.Run(async () =>
        {
            while (!flapping.IsCancellationRequested)
            {
                faulty.Fault = faulty.Fault == SimulatedFault.None ? SimulatedFault.RefuseConnections : SimulatedFault.None;
                await Task.Delay(700);
            }
        });
        await SubmitBothQueuesAsync();
        await AssertIsolatedAsync(faulty, alternate, other);
        await flapping.CancelAsync();
        await flapper;
        faulty.Fault = SimulatedFault.None;

        // Back for good: the primary of a failover queue takes the work again, without an operator.
        await SpoolHarness.WaitUntilAsync(async () => (await _spool!.QueueStatusAsync("office")).AcceptingPrinters.Contains("faulty"), "faulty back up");
        var before = faulty.ReceivedJobs.Count;
        await _spool!.SubmitAsync("office", "office-99-after"u8.ToArray());
        await _spool.WaitForJobsAsync("office", all => all.All(j => j.State.IsTerminal()) && all.Length == JobsPerQueue + 1);
        Assert.Equal(before + 1, faulty.ReceivedJobs.Count);
    }
}
