using System.Text.Json.Nodes;
using ActorSpool.Node.Hosting;
using ActorSpool.Node.Tests.Ingress.Ipp;
using ActorSpool.Simulators;
using ActorSpool.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace ActorSpool.Node.Tests.Alerts;

/// <summary>
/// A real node whose printer goes offline (the simulator stops listening, so every probe and job is refused) and comes
/// back: the spooler's own alert reaches a real webhook receiver, a real SMTP conversation and a real Alertmanager,
/// firing and then resolved. printer-down-after is 2 s here (2 min by default).
/// </summary>
public sealed class SpoolerAlertTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly HttpClient _http = new();

    public void Dispose()
    {
        _http.Dispose();
        _dir.Dispose();
    }

    private async Task<(InProcessNode Node, AppSocketPrinterSimulator Printer)> StartAsync(string printer, string alerts, string queueSettings = "")
    {
        var simulator = await Printers.SimulatorAsync(printer);
        var printers = Printers.WriteFile(_dir.Path, [simulator], $"  office {{ printers = [{printer}]{queueSettings} }}");
        var node = await InProcessNode.StartAsync(InProcessNode.Options(Path.Combine(_dir.Path, "data"), printers),
            $"actorspool.alerts {{ printer-down-after = 2s, min-interval = 0s, retry-delay = 200ms, {alerts} }}");
        // Healthy first: the alert below is the offline printer's, not the start's.
        await Eventually.WaitUntilAsync(async () =>
            (await _http.GetStringAsync($"http://127.0.0.1:{node.HttpPort}/metrics")).Contains($"actorspool_printer_accepting{{printer=\"{printer}\"}} 1", StringComparison.Ordinal),
            $"{printer} accepting");
        return (node, simulator);
    }

    [Fact]
    public async Task An_offline_printer_fires_a_webhook_and_an_email_and_resolves_both_when_it_is_back()
    {
        using var hook = new WebhookReceiver { FailFirst = 2 }; // the receiver fails twice: the spooler retries
        using var smtp = new SmtpReceiver();
        var (node, printer) = await StartAsync("alert-hook",
            $"webhooks = [\"{hook.Url}\"], email {{ host = \"127.0.0.1\", port = {smtp.Port}, security = none, from = \"spool@example.test\", to = [\"ops@example.test\"] }}");
        await using var _ = node;
        await using var __ = printer;

        printer.Fault = SimulatedFault.RefuseConnections;
        var firing = await Eventually.ValueAsync(() => Task.FromResult(Hook(hook, "alert-hook", "printer-down", "firing")), f => f is not null, what: "printer-down firing at the webhook");
        Assert.Equal("critical", (string?)firing!["severity"]);
        Assert.Contains("alert-hook", (string)firing["message"]!);
        Assert.Contains("unreachable", (string)firing["message"]!);
        var at = DateTimeOffset.Parse((string)firing["at"]!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(at > DateTimeOffset.UtcNow.AddMinutes(-5) && at <= DateTimeOffset.UtcNow, $"at = {at}");
        var mail = await Eventually.ValueAsync(() => Task.FromResult(Mail(smtp, "FIRING printer-down alert-hook")), m => m is not null, what: "the firing e-mail");
        Assert.Equal(new[] { "<ops@example.test>" }, mail!.Value.To);
        Assert.Contains("<spool@example.test>", mail.Value.From);
        Assert.Contains("does not accept work", mail.Value.Data);

        printer.Fault = SimulatedFault.None;
        var resolved = await Eventually.ValueAsync(() => Task.FromResult(Hook(hook, "alert-hook", "printer-down", "resolved")), r => r is not null, what: "printer-down resolved at the webhook");
        Assert.Contains("accepts work again", (string)resolved!["message"]!);
        await Eventually.ValueAsync(() => Task.FromResult(Mail(smtp, "RESOLVED printer-down alert-hook")), m => m is not null, what: "the resolved e-mail");

        // One POST per change: the firing alert was sent once (after its retries), not once per status or probe.
        Assert.Single(hook.Received, j => (string?)j["kind"] == "printer-down" && (string?)j["status"] == "firing");
        var metrics = await _http.GetStringAsync($"http://127.0.0.1:{node.HttpPort}/metrics");
        Assert.Contains("actorspool_alert_notifications_total{sink=\"webhook\",outcome=\"sent\"}", metrics);
    }

    [AlertmanagerFact]
    public async Task An_offline_printer_shows_in_a_real_alertmanager_until_it_is_back()
    {
        await using var alertmanager = await AlertmanagerProcess.StartAsync();
        var (node, printer) = await StartAsync("alert-am", $"alertmanagers = [\"{alertmanager.Url}\"], alertmanager-resend-interval = 2s");
        await using var _ = node;
        await using var __ = printer;

        printer.Fault = SimulatedFault.RefuseConnections;
        var alert = await Eventually.ValueAsync(async () => Active(await alertmanager.AlertsAsync(), "alert-am"), a => a is not null, what: "ActorSpoolPrinterDown in Alertmanager");
        var labels = alert!["labels"]!;
        Assert.Equal(("ActorSpoolPrinterDown", "printer-down", "critical"), ((string?)labels["alertname"], (string?)labels["kind"], (string?)labels["severity"]));
        Assert.Contains("alert-am", (string)alert["annotations"]!["summary"]!);
        Assert.Equal("active", (string?)alert["status"]!["state"]);

        // Re-posted while firing (every 2 s here): Alertmanager's endsAt moves on, so it does not lapse while the printer is down.
        var firstEndsAt = EndsAt(alert);
        await Eventually.ValueAsync(async () => Active(await alertmanager.AlertsAsync(), "alert-am"), a => a is not null && EndsAt(a) > firstEndsAt,
            what: "the firing alert posted again with a later endsAt");

        printer.Fault = SimulatedFault.None;
        await Eventually.WaitUntilAsync(async () => Active(await alertmanager.AlertsAsync(), "alert-am") is null, "the alert resolved in Alertmanager");
    }

    [Fact]
    public async Task A_job_aborted_after_its_attempts_fires_a_webhook_naming_the_job()
    {
        using var hook = new WebhookReceiver();
        var (node, printer) = await StartAsync("alert-job", $"webhooks = [\"{hook.Url}\"]", ", max-attempts = 1");
        await using var _ = node;
        await using var __ = printer;

        // The device resets every job mid-document (its probes still connect): with one attempt the job is aborted.
        printer.Fault = SimulatedFault.ResetMidJob;
        var response = await node.Services.GetRequiredService<ActorSpool.Node.Ingress.Ipp.IppPrintService>()
            .SendAsync(IppTestSupport.PrintJob(), System.Text.Encoding.UTF8.GetBytes(new string('x', 300_000)));
        response.AssertStatus(ActorSpool.Protocols.Ipp.IppStatusCode.SuccessfulOk);
        var id = response.Job("job-id").Value.AsInt();

        var aborted = await Eventually.ValueAsync(() => Task.FromResult(Hook(hook, $"office/{id}", "job-aborted", "firing")), a => a is not null, what: $"job-aborted office/{id} at the webhook");
        Assert.Contains($"job {id} of queue office aborted", (string)aborted!["message"]!);
        Assert.Equal("warning", (string?)aborted["severity"]);
    }

    [Fact]
    public async Task A_webhook_that_is_no_http_address_stops_the_start_with_a_clear_error()
    {
        await using var printer = await Printers.SimulatorAsync("alert-bad");
        var printers = Printers.WriteFile(_dir.Path, [printer], "  office { printers = [alert-bad] }");
        var e = await Assert.ThrowsAsync<StartupException>(() => InProcessNode.StartAsync(InProcessNode.Options(Path.Combine(_dir.Path, "data"), printers),
            "actorspool.alerts.webhooks = [\"ftp://127.0.0.1/hook\"]"));
        Assert.Contains("actorspool.alerts.webhooks", e.Message);
        Assert.Contains("ftp://127.0.0.1/hook", e.Message);
    }

    private static JsonObject? Hook(WebhookReceiver hook, string subject, string kind, string status) =>
        hook.Received.FirstOrDefault(j => (string?)j["subject"] == subject && (string?)j["kind"] == kind && (string?)j["status"] == status);

    private static (string From, string[] To, string Data)? Mail(SmtpReceiver smtp, string subject) =>
        smtp.Messages.Where(m => m.Data.Contains($"Subject: [ActorSpool] {subject}", StringComparison.Ordinal)).Select(m => ((string, string[], string)?)m).FirstOrDefault();

    private static DateTimeOffset EndsAt(JsonNode alert) => DateTimeOffset.Parse((string)alert["endsAt"]!, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The printer-down alert about <paramref name="printer"/> Alertmanager holds as active (endsAt still ahead), or null.</summary>
    private static JsonNode? Active(JsonArray alerts, string printer) =>
        alerts.FirstOrDefault(a => (string?)a!["labels"]!["subject"] == printer && (string?)a["labels"]!["kind"] == "printer-down"
                                   && EndsAt(a) > DateTimeOffset.UtcNow);
}
