using ActorSpool.Domain.Printers;
using ActorSpool.Domain.Topology;

namespace ActorSpool.Domain.Tests.Printers;

public sealed class PrinterSelectorTests
{
    private static readonly Dictionary<string, int> Idle = new();

    private static QueueDefinition Queue(QueueMode mode, params string[] printers) =>
        new("office", printers, mode, false, 50, 3, 1 << 20, null);

    private static Func<string, PrinterStatus?> Health(params (string Name, bool Up)[] printers) =>
        name => printers.Where(p => p.Name == name)
            .Select(p => PrinterStatus.Unknown(name) with { Reachable = p.Up, State = p.Up ? PrinterState.Idle : PrinterState.Stopped })
            .FirstOrDefault();

    [Fact]
    public void Failover_uses_the_first_healthy_printer()
    {
        var queue = Queue(QueueMode.Failover, "lj-1", "lj-2", "lj-3");
        Assert.Equal("lj-1", PrinterSelector.Choose(queue, Health(("lj-1", true), ("lj-2", true)), Idle, null));
        Assert.Equal("lj-2", PrinterSelector.Choose(queue, Health(("lj-1", false), ("lj-2", true), ("lj-3", true)), Idle, null));
    }

    [Fact]
    public void Failover_waits_for_a_busy_primary_instead_of_using_an_alternate()
    {
        var queue = Queue(QueueMode.Failover, "lj-1", "lj-2");
        var busy = new Dictionary<string, int> { ["lj-1"] = 1 };
        Assert.Null(PrinterSelector.Choose(queue, Health(("lj-1", true), ("lj-2", true)), busy, null));
    }

    [Fact]
    public void A_retry_moves_to_the_next_healthy_printer_after_the_one_that_failed()
    {
        var queue = Queue(QueueMode.Failover, "lj-1", "lj-2", "lj-3");
        var all = Health(("lj-1", true), ("lj-2", true), ("lj-3", true));
        Assert.Equal("lj-2", PrinterSelector.Choose(queue, all, Idle, avoid: "lj-1"));
        Assert.Equal("lj-1", PrinterSelector.Choose(queue, all, Idle, avoid: "lj-3"));
        // Alone in the pool, the failed printer is tried again.
        Assert.Equal("lj-1", PrinterSelector.Choose(Queue(QueueMode.Failover, "lj-1"), all, Idle, avoid: "lj-1"));
    }

    [Fact]
    public void No_healthy_printer_means_no_choice()
    {
        var queue = Queue(QueueMode.Balance, "lj-1", "lj-2");
        Assert.Null(PrinterSelector.Choose(queue, Health(("lj-1", false)), Idle, null));
    }

    [Fact]
    public void Balance_spreads_over_free_healthy_printers()
    {
        var queue = Queue(QueueMode.Balance, "lj-1", "lj-2", "lj-3");
        var health = Health(("lj-1", true), ("lj-2", true), ("lj-3", true));
        var chosen = Enumerable.Range(0, 3).Select(r => PrinterSelector.Choose(queue, health, Idle, null, r)).ToHashSet();
        Assert.Equal(["lj-1", "lj-2", "lj-3"], chosen.Order());

        var busy = new Dictionary<string, int> { ["lj-1"] = 1, ["lj-3"] = 1 };
        Assert.Equal("lj-2", PrinterSelector.Choose(queue, health, busy, null, 0));
    }
}
