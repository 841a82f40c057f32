using System.Text;
using ActorSpool.Domain.Jobs;
using ActorSpool.Simulators;
using ActorSpool.TestSupport;
using Akka.Actor;
using static ActorSpool.Domain.Messages.PrinterProtocol;

namespace ActorSpool.Actors.Tests.Spool;

/// <summary>A printer with a second way to reach the device (fallback-uri) uses it while the first fails.</summary>
public sealed class FallbackTests : IAsyncLifetime
{
    private readonly TempDirectory _data = new();
    private AppSocketPrinterSimulator _primary = null!;
    private AppSocketPrinterSimulator _fallback = null!;
    private SpoolHarness _spool = null!;

    public async Task InitializeAsync()
    {
        _primary = new AppSocketPrinterSimulator(new SimulatorOptions { Name = "primary-path", Fault = SimulatedFault.RefuseConnections });
        _fallback = new AppSocketPrinterSimulator(new SimulatorOptions { Name = "fallback-path" });
        await _primary.StartAsync();
        await _fallback.StartAsync();
        _spool = await SpoolHarness.StartAsync($$"""
            actorspool.printers {
              lj-1 { uri = "socket://127.0.0.1:{{_primary.Port}}", fallback-uri = "socket://127.0.0.1:{{_fallback.Port}}" }
            }
            actorspool.queues { office { printers = [lj-1] } }
            """, _data.Path, SpoolHarness.FastSettings with { BreakerFailures = 2, BreakerOpenFor = TimeSpan.FromSeconds(1) });
    }

    public async Task DisposeAsync()
    {
        await _spool.DisposeAsync();
        await _primary.DisposeAsync();
        await _fallback.DisposeAsync();
        _data.Dispose();
    }

    private async Task<PrinterStatus> StatusAsync() => await _spool.Printers.Ask<PrinterStatus>(new GetPrinterStatus("lj-1"), SpoolHarness.Patience);

    [Fact]
    public async Task Prints_over_the_fallback_while_the_primary_refuses_and_returns_to_the_primary_when_it_recovers()
    {
        for (var i = 0; i < 3; i++) await _spool.SubmitAsync("office", Encoding.ASCII.GetBytes($"while-down-{i}"));
        await _spool.WaitForJobsAsync("office", all => all.All(j => j.State == JobState.Completed));
        Assert.Equal(3, _fallback.ReceivedJobs.Count);
        Assert.Empty(_primary.ReceivedJobs);
        Assert.True((await StatusAsync()).UsingFallback);

        _primary.Fault = SimulatedFault.None;
        await SpoolHarness.WaitUntilAsync(async () => !(await StatusAsync()).UsingFallback, "the printer to switch back to its primary path");

        for (var i = 0; i < 3; i++) await _spool.SubmitAsync("office", Encoding.ASCII.GetBytes($"after-recovery-{i}"));
        await _spool.WaitForJobsAsync("office", all => all.Length == 6 && all.All(j => j.State == JobState.Completed));
        Assert.Equal(3, _primary.ReceivedJobs.Count);
        Assert.Equal(3, _fallback.ReceivedJobs.Count);
    }
}
