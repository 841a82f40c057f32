using ActorSpool.Domain.Printers;
using ActorSpool.Domain.Topology;
using static ActorSpool.Domain.Messages.PrinterProtocol;

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

    [Fact]
    public void With_depth_2_failover_gives_the_first_printer_a_second_job()
    {
        var queue = Queue(QueueMode.Failover, "lj-1", "lj-2");
        var health = Health(("lj-1", true), ("lj-2", true));
        var oneInFlight = new Dictionary<string, int> { ["lj-1"] = 1 };

        Assert.Equal("lj-1", PrinterSelector.Choose(queue, health, oneInFlight, null, depth: 2));
    }

    [Fact]
    public void With_depth_2_balance_prefers_an_idle_printer_over_a_second_job_for_a_busy_one()
    {
        var queue = Queue(QueueMode.Balance, "lj-1", "lj-2", "lj-3");
        var health = Health(("lj-1", true), ("lj-2", true), ("lj-3", true));
        var busy = new Dictionary<string, int> { ["lj-1"] = 1, ["lj-3"] = 1 };

        var chosen = Enumerable.Range(0, 6).Select(r => PrinterSelector.Choose(queue, health, busy, null, r, depth: 2)).ToHashSet();

        Assert.Equal(["lj-2"], chosen);
    }

    [Fact]
    public void With_depth_2_balance_prefers_an_idle_printer_even_when_other_queues_keep_it_busier()
    {
        var queue = Queue(QueueMode.Balance, "lj-1", "lj-2");
        var health = Health(("lj-1", true), ("lj-2", true));
        // lj-2 has five deliveries of other queues waiting; lj-1 has nothing but one of ours.
        Func<string, PrinterStatus?> status = name => health(name) is { } s ? s with { WaitingDeliveries = name == "lj-2" ? 5 : 0 } : null;
        var busy = new Dictionary<string, int> { ["lj-1"] = 1 };

        Assert.Equal("lj-2", PrinterSelector.Choose(queue, status, busy, null, 0, depth: 2));
    }

    [Fact]
    public void With_depth_2_balance_gives_second_jobs_once_every_printer_has_one()
    {
        var queue = Queue(QueueMode.Balance, "lj-1", "lj-2");
        var health = Health(("lj-1", true), ("lj-2", true));
        var oneEach = new Dictionary<string, int> { ["lj-1"] = 1, ["lj-2"] = 1 };

        var chosen = Enumerable.Range(0, 4).Select(r => PrinterSelector.Choose(queue, health, oneEach, null, r, depth: 2)).ToHashSet();

        Assert.Equal(["lj-1", "lj-2"], chosen.Order());
    }

    [Theory]
    [InlineData(QueueMode.Failover)]
    [InlineData(QueueMode.Balance)]
    public void No_printer_gets_more_jobs_than_the_depth(QueueMode mode)
    {
        var queue = Queue(mode, "lj-1", "lj-2");
        var health = Health(("lj-1", true), ("lj-2", true));
        var full = new Dictionary<string, int> { ["lj-1"] = 2, ["lj-2"] = 2 };
        var firstFull = new Dictionary<string, int> { ["lj-1"] = 2 };

        Assert.Null(PrinterSelector.Choose(queue, health, full, null, depth: 2));
        Assert.Equal(mode == QueueMode.Failover ? null : "lj-2", PrinterSelector.Choose(queue, health, firstFull, null, depth: 2));
    }
}
