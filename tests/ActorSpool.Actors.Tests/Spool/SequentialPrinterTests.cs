using System.Text;
using ActorSpool.Domain.Jobs;
using ActorSpool.Simulators;
using ActorSpool.TestSupport;

namespace ActorSpool.Actors.Tests.Spool;

/// <summary>
/// <c>sequential = on</c> on a printer (SAP's device flag): the jobs of every queue that uses it print in the order
/// they were submitted, although each queue dispatches on its own and several workers deliver at once.
/// </summary>
public sealed class SequentialPrinterTests : IAsyncLifetime
{
    private const int Jobs = 16;
    private readonly TempDirectory _data = new();
    private AppSocketPrinterSimulator _device = null!;
    private SpoolHarness? _spool;

    public async Task InitializeAsync()
    {
        _device = new AppSocketPrinterSimulator(new SimulatorOptions { Name = "ordered", DelayPerJob = TimeSpan.FromMilliseconds(50) });
        await _device.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_spool is not null) await _spool.DisposeAsync();
        await _device.DisposeAsync();
        _data.Dispose();
    }

    [Fact]
    public async Task Jobs_of_two_queues_print_in_submission_order_on_a_sequential_printer()
    {
        _spool = await SpoolHarness.StartAsync($$"""
            actorspool.printers { ordered { uri = "socket://127.0.0.1:{{_device.Port}}", sequential = on } }
            actorspool.queues {
              north { printers = [ordered] }
              south { printers = [ordered] }
            }
            """, _data.Path);

        // The two queues take turns; each submission is acknowledged before the next, so submission times are in order.
        // Higher priorities on south's jobs would put them first on a printer without the flag (and, within one queue, still do).
        var sent = new List<string>();
        for (var i = 0; i < Jobs; i++)
        {
            var queue = i % 2 == 0 ? "north" : "south";
            var text = $"{queue} {i:D2}\n";
            await _spool.SubmitAsync(queue, Encoding.ASCII.GetBytes(text), priority: queue == "south" ? 90 : 10);
            sent.Add(text);
        }
        await _spool.WaitForJobsAsync("north", all => all.Length == Jobs / 2 && all.All(j => j.State == JobState.Completed), TimeSpan.FromMinutes(2));
        await _spool.WaitForJobsAsync("south", all => all.Length == Jobs / 2 && all.All(j => j.State == JobState.Completed), TimeSpan.FromMinutes(2));

        var printed = _device.ReceivedJobs.OrderBy(j => j.Sequence).Select(j => Encoding.ASCII.GetString(j.Data!)).ToList();
        Assert.Equal(sent, printed);
    }
}
