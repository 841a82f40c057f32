using System.Threading.Channels;
using ActorSpool.Domain.Alerts;
using Prometheus;

namespace ActorSpool.Node.Alerts;

/// <summary>
/// Sends notifications to every sink without ever making the caller (the alert manager actor) wait: each sink has its
/// own bounded line and loop, retries a failed send with a doubling delay, counts every outcome in
/// <c>actorspool_alert_notifications_total{sink,outcome}</c> (sent, failed, dropped) and logs failures.
/// </summary>
public sealed class AlertDelivery : IAsyncDisposable
{
    /// <summary>Notifications waiting per sink; beyond it the oldest is dropped (a receiver down for hours must not fill memory).</summary>
    public const int MaxWaiting = 1000;

    private static readonly Counter Notifications = Metrics.CreateCounter("actorspool_alert_notifications_total",
        "Alert notifications per sink (webhook, alertmanager, email) and outcome (sent; failed after every retry; dropped, the sink's line full).",
        new CounterConfiguration { LabelNames = ["sink", "outcome"] });

    private readonly AlertSettings _settings;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(IAlertSink Sink, Channel<AlertNotification> Line)> _lines = [];
    private readonly List<Task> _deliveries = [];
    private readonly List<Task> _resends = [];

    public AlertDelivery(AlertSettings settings, IEnumerable<IAlertSink> sinks, ILogger log)
    {
        _settings = settings;
        _log = log;
        foreach (var sink in sinks)
        {
            var line = Channel.CreateBounded<AlertNotification>(new BoundedChannelOptions(MaxWaiting)
            {
                FullMode = BoundedChannelFullMode.DropOldest,
                SingleReader = true,
            }, dropped => Notifications.WithLabels(sink.Name, "dropped").Inc());
            _lines.Add((sink, line));
            _deliveries.Add(Task.Run(() => DeliverAsync(sink, line.Reader, _stop.Token)));
            if (sink is AlertmanagerSink alertmanager) _resends.Add(Task.Run(() => ResendAsync(alertmanager, _stop.Token)));
        }
    }

    /// <summary>The sinks <paramref name="settings"/> asks for, sharing one HTTP client.</summary>
    public static IReadOnlyList<IAlertSink> SinksFor(AlertSettings settings, HttpClient http) =>
    [
        .. settings.Webhooks.Select(url => new WebhookSink(http, url)),
        .. settings.Alertmanagers.Select(url => new AlertmanagerSink(http, url, settings.AlertmanagerResendInterval)),
        .. settings.Email.Enabled ? new IAlertSink[] { new EmailSink(settings.Email, settings.RequestTimeout) } : [],
    ];

    /// <summary>Queues <paramref name="notification"/> for every sink; returns at once.</summary>
    public void Post(AlertNotification notification)
    {
        foreach (var (_, line) in _lines) line.Writer.TryWrite(notification);
    }

    private async Task DeliverAsync(IAlertSink sink, ChannelReader<AlertNotification> line, CancellationToken stop)
    {
        try
        {
            await foreach (var notification in line.ReadAllAsync(stop))
            {
                await SendWithRetriesAsync(sink, notification, stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private async Task SendWithRetriesAsync(IAlertSink sink, AlertNotification notification, CancellationToken stop)
    {
        var delay = _settings.RetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
                timeout.CancelAfter(_settings.RequestTimeout);
                await sink.SendAsync(notification, timeout.Token);
                Notifications.WithLabels(sink.Name, "sent").Inc();
                return;
            }
            catch (Exception e) when (!stop.IsCancellationRequested)
            {
                if (attempt >= _settings.DeliveryAttempts)
                {
                    Notifications.WithLabels(sink.Name, "failed").Inc();
                    _log.LogError("Alert {Status} {Key} not delivered to {Sink} {Target} after {Attempts} attempts: {Error}",
                        WebhookSink.Status(notification.Status), notification.Key, sink.Name, sink.Target, attempt, e.Message);
                    return;
                }
                _log.LogWarning("Alert {Status} {Key} to {Sink} {Target} failed (attempt {Attempt} of {Attempts}), retrying in {Delay}: {Error}",
                    WebhookSink.Status(notification.Status), notification.Key, sink.Name, sink.Target, attempt, _settings.DeliveryAttempts, delay, e.Message);
                await Task.Delay(delay, stop);
                delay *= 2;
            }
        }
    }

    /// <summary>Alertmanager forgets a firing alert whose endsAt passes: post each again every resend interval.</summary>
    private async Task ResendAsync(AlertmanagerSink sink, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(_settings.AlertmanagerResendInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                foreach (var firing in sink.FiringAgain())
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
                    timeout.CancelAfter(_settings.RequestTimeout);
                    try
                    {
                        await sink.ResendAsync(firing, timeout.Token);
                    }
                    catch (Exception e) when (!stop.IsCancellationRequested)
                    {
                        // The next interval tries again; its endsAt leaves three more before Alertmanager lets it lapse.
                        Notifications.WithLabels(sink.Name, "failed").Inc();
                        _log.LogWarning("Re-posting firing alert {Key} to {Target} failed: {Error}", firing.Key, sink.Target, e.Message);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>Gives what waits a moment to go out (a resolve sent as the node stops), then stops every loop.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var (_, line) in _lines) line.Writer.TryComplete();
        await Task.WhenAny(Task.WhenAll(_deliveries), Task.Delay(TimeSpan.FromSeconds(2)));
        await _stop.CancelAsync();
        await Task.WhenAny(Task.WhenAll([.. _deliveries, .. _resends]), Task.Delay(TimeSpan.FromSeconds(5)));
        _stop.Dispose();
    }
}
