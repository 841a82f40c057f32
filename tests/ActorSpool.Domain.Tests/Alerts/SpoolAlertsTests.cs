using ActorSpool.Domain.Alerts;
using ActorSpool.Domain.Messages;
using ActorSpool.Domain.Printers;

namespace ActorSpool.Domain.Tests.Alerts;

public sealed class SpoolAlertsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly AlertThresholds Thresholds = new()
    {
        PrinterDownAfter = TimeSpan.FromMinutes(2),
        BacklogAbove = 3,
        OldestPendingOlderThan = TimeSpan.FromMinutes(10),
        StorageDownAfter = TimeSpan.FromSeconds(30),
        MinInterval = TimeSpan.Zero,
    };

    private static PrinterProtocol.PrinterStatus Printer(bool reachable = true, bool breakerOpen = false, bool fallback = false, bool paused = false) =>
        new("lj-1", PrinterState.Idle, reachable, paused, breakerOpen, fallback, 0, 0, [], 0, 0, T0) { LastError = reachable ? null : "connection refused" };

    private static LiveProtocol.JobChanges Changes(string queue, int pending, params LiveProtocol.JobChange[] changes) =>
        new(queue, "node", changes, new LiveProtocol.QueueCounts(false, pending, 0, 0, 0, 0, 0));

    [Fact]
    public void An_unreachable_printer_fires_printer_down_after_the_delay_and_resolves_when_back()
    {
        var alerts = new SpoolAlerts(Thresholds);
        Assert.Empty(alerts.OnPrinterStatus(Printer(reachable: false), T0));
        var down = Assert.Single(alerts.Tick(T0.AddMinutes(2)));
        Assert.Equal((AlertKinds.PrinterDown, "lj-1", AlertStatus.Firing), (down.Kind, down.Subject, down.Status));
        Assert.Contains("unreachable", down.Message);
        Assert.Contains("connection refused", down.Message);

        var back = Assert.Single(alerts.OnPrinterStatus(Printer(), T0.AddMinutes(3)));
        Assert.Equal((AlertKinds.PrinterDown, AlertStatus.Resolved), (back.Kind, back.Status));
    }

    [Fact]
    public void A_printer_not_yet_probed_is_not_down()
    {
        var alerts = new SpoolAlerts(Thresholds);
        Assert.Empty(alerts.OnPrinterStatus(PrinterProtocol.PrinterStatus.Unknown("lj-1"), T0));
        Assert.Empty(alerts.Tick(T0.AddHours(1)));
    }

    [Fact]
    public void A_paused_printer_is_no_alert()
    {
        var alerts = new SpoolAlerts(Thresholds);
        alerts.OnPrinterStatus(Printer(paused: true), T0);
        Assert.Empty(alerts.Tick(T0.AddHours(1)));
    }

    [Fact]
    public void Breaker_and_fallback_fire_at_once()
    {
        var alerts = new SpoolAlerts(Thresholds);
        var due = alerts.OnPrinterStatus(Printer(breakerOpen: true, fallback: true), T0);
        Assert.Equal(new[] { AlertKinds.BreakerOpen, AlertKinds.FallbackInUse }, due.Select(n => n.Kind).Order(StringComparer.Ordinal).ToArray());
        Assert.All(due, n => Assert.Equal(AlertStatus.Firing, n.Status));
        // An open breaker is "not accepting work" too: down after the delay.
        Assert.Equal(AlertKinds.PrinterDown, Assert.Single(alerts.Tick(T0.AddMinutes(2))).Kind);
        Assert.Equal(3, alerts.OnPrinterStatus(Printer(), T0.AddMinutes(3)).Count(n => n.Status == AlertStatus.Resolved));
    }

    [Fact]
    public void An_aborted_job_fires_once_and_resolves_when_restarted()
    {
        var alerts = new SpoolAlerts(Thresholds);
        var fired = Assert.Single(alerts.OnJobChanges(Changes("lab", 0, new LiveProtocol.JobChange(7, "aborted", "lj-1", T0)), T0));
        Assert.Equal((AlertKinds.JobAborted, "lab/7", AlertStatus.Firing), (fired.Kind, fired.Subject, fired.Status));
        Assert.Empty(alerts.OnJobChanges(Changes("lab", 0, new LiveProtocol.JobChange(7, "aborted", "lj-1", T0)), T0.AddSeconds(1)));
        var resolved = Assert.Single(alerts.OnJobChanges(Changes("lab", 1, new LiveProtocol.JobChange(7, "pending", null, T0)), T0.AddMinutes(1)));
        Assert.Equal((AlertKinds.JobAborted, AlertStatus.Resolved), (resolved.Kind, resolved.Status));
    }

    [Fact]
    public void A_backlog_above_the_threshold_fires_and_resolves()
    {
        var alerts = new SpoolAlerts(Thresholds);
        Assert.Empty(alerts.OnJobChanges(Changes("lab", 3), T0));
        Assert.Equal((AlertKinds.QueueBacklog, "lab", AlertStatus.Firing), One(alerts.OnJobChanges(Changes("lab", 4), T0)));
        Assert.Equal((AlertKinds.QueueBacklog, "lab", AlertStatus.Resolved), One(alerts.OnJobChanges(Changes("lab", 2), T0)));
    }

    [Fact]
    public void A_job_pending_longer_than_the_threshold_marks_its_queue_stuck_until_it_moves()
    {
        var alerts = new SpoolAlerts(Thresholds);
        alerts.OnJobChanges(Changes("lab", 1, new LiveProtocol.JobChange(1, "pending", null, T0) { Submitted = true }), T0);
        alerts.OnJobChanges(Changes("lab", 2, new LiveProtocol.JobChange(2, "pending", null, T0.AddMinutes(5)) { Submitted = true }), T0.AddMinutes(5));
        Assert.Empty(alerts.Tick(T0.AddMinutes(10)));
        Assert.Equal((AlertKinds.QueueStuck, "lab", AlertStatus.Firing), One(alerts.Tick(T0.AddMinutes(10).AddSeconds(1))));
        // Job 1 prints; job 2 has waited 6 min only.
        Assert.Equal((AlertKinds.QueueStuck, "lab", AlertStatus.Resolved),
            One(alerts.OnJobChanges(Changes("lab", 1, new LiveProtocol.JobChange(1, "processing", "lj-1", T0.AddMinutes(11))), T0.AddMinutes(11))));
        Assert.Equal((AlertKinds.QueueStuck, "lab", AlertStatus.Firing), One(alerts.Tick(T0.AddMinutes(15).AddSeconds(1))));
        // A held job is not waiting for a printer.
        Assert.Equal((AlertKinds.QueueStuck, "lab", AlertStatus.Resolved),
            One(alerts.OnJobChanges(Changes("lab", 0, new LiveProtocol.JobChange(2, "pending-held", null, T0.AddMinutes(16))), T0.AddMinutes(16))));
    }

    [Fact]
    public void Storage_fires_after_its_delay()
    {
        var alerts = new SpoolAlerts(Thresholds);
        Assert.Empty(alerts.OnStorage("n1", false, "disk I/O error", T0));
        var fired = Assert.Single(alerts.Tick(T0.AddSeconds(30)));
        Assert.Equal((AlertKinds.StorageUnavailable, "n1", AlertStatus.Firing), (fired.Kind, fired.Subject, fired.Status));
        Assert.Contains("disk I/O error", fired.Message);
        Assert.Equal(AlertStatus.Resolved, Assert.Single(alerts.OnStorage("n1", true, null, T0.AddMinutes(1))).Status);
    }

    [Fact]
    public void Nodes_unreachable_then_downed_then_back()
    {
        var alerts = new SpoolAlerts(Thresholds);
        const string node = "akka.tcp://actorspool@10.0.0.2:4053";
        Assert.Equal((AlertKinds.NodeUnreachable, node, AlertStatus.Firing), One(alerts.OnMemberUnreachable(node, T0)));
        var removed = alerts.OnMemberRemoved(node, left: false, T0.AddMinutes(1));
        Assert.Equal(new[] { (AlertKinds.NodeRemoved, AlertStatus.Firing), (AlertKinds.NodeUnreachable, AlertStatus.Resolved) },
            removed.Select(n => (n.Kind, n.Status)).OrderBy(p => p.Kind, StringComparer.Ordinal).ToArray());
        Assert.Equal((AlertKinds.NodeRemoved, node, AlertStatus.Resolved), One(alerts.OnMemberUp(node, T0.AddMinutes(2))));
        // A node that left on its own is no alert.
        Assert.Empty(alerts.OnMemberRemoved("akka.tcp://actorspool@10.0.0.3:4053", left: true, T0));
    }

    private static (string, string, AlertStatus) One(IReadOnlyList<AlertNotification> due)
    {
        var n = Assert.Single(due);
        return (n.Kind, n.Subject, n.Status);
    }
}
