using System.Net.Http.Json;
using System.Text.Json;
using ActorSpool.Domain.Alerts;
using MailKit.Net.Smtp;
using MimeKit;

namespace ActorSpool.Node.Alerts;

/// <summary>Where alert notifications go. <see cref="SendAsync"/> throws when the receiver did not take it (it is retried).</summary>
public interface IAlertSink
{
    /// <summary>The sink's label in <c>actorspool_alert_notifications_total{sink}</c>: webhook, alertmanager, email.</summary>
    string Name { get; }

    /// <summary>Where it sends, for the log.</summary>
    string Target { get; }

    Task SendAsync(AlertNotification notification, CancellationToken ct);
}

/// <summary>The generic webhook: one JSON POST per change of an alert.</summary>
public sealed class WebhookSink(HttpClient http, Uri url) : IAlertSink
{
    public string Name => "webhook";
    public string Target => url.ToString();

    /// <summary>The JSON object posted (docs/alerts.md).</summary>
    public sealed record Payload(string Kind, string Status, string Subject, string Severity, string Message, DateTimeOffset At, DateTimeOffset StartsAt, string Source);

    public static Payload PayloadOf(AlertNotification n) =>
        new(n.Kind, Status(n.Status), n.Subject, n.Severity, n.Message, n.At, n.StartsAt, "actorspool");

    public static string Status(AlertStatus status) => status == AlertStatus.Firing ? "firing" : "resolved";

    public async Task SendAsync(AlertNotification notification, CancellationToken ct)
    {
        using var response = await http.PostAsJsonAsync(url, PayloadOf(notification), JsonSerializerOptions.Web, ct);
        response.EnsureSuccessStatusCode();
    }
}

/// <summary>
/// Prometheus Alertmanager's API v2: a firing alert is posted with an endsAt four resend intervals ahead and posted again
/// every interval while it fires (<see cref="FiringAgain"/>), as Prometheus does, so Alertmanager lets it lapse if
/// this spooler stops talking; a resolved one is posted with endsAt = when it resolved.
/// </summary>
public sealed class AlertmanagerSink(HttpClient http, Uri baseAddress, TimeSpan resendInterval) : IAlertSink
{
    private readonly Uri _alerts = new(baseAddress.AbsoluteUri.TrimEnd('/') + "/api/v2/alerts");
    private readonly Dictionary<AlertKey, AlertNotification> _firing = [];

    // One post at a time: a re-post of a firing alert must never overtake the post that resolves it.
    private readonly SemaphoreSlim _posting = new(1, 1);

    public string Name => "alertmanager";
    public string Target => _alerts.ToString();

    /// <summary>The alerts to post again now: those firing (their last notification).</summary>
    public IReadOnlyList<AlertNotification> FiringAgain()
    {
        lock (_firing) return _firing.Values.ToArray();
    }

    public async Task SendAsync(AlertNotification notification, CancellationToken ct)
    {
        await _posting.WaitAsync(ct);
        try
        {
            lock (_firing)
            {
                if (notification.Status == AlertStatus.Firing) _firing[notification.Key] = notification;
                else _firing.Remove(notification.Key);
            }
            await PostAsync(notification, ct);
        }
        finally
        {
            _posting.Release();
        }
    }

    /// <summary>Posts <paramref name="firing"/> again unless it resolved (or changed) since <see cref="FiringAgain"/>.</summary>
    public async Task ResendAsync(AlertNotification firing, CancellationToken ct)
    {
        await _posting.WaitAsync(ct);
        try
        {
            bool current;
            lock (_firing) current = _firing.TryGetValue(firing.Key, out var now) && ReferenceEquals(now, firing);
            if (current) await PostAsync(firing, ct);
        }
        finally
        {
            _posting.Release();
        }
    }

    private async Task PostAsync(AlertNotification notification, CancellationToken ct)
    {
        var endsAt = notification.Status == AlertStatus.Firing ? DateTimeOffset.UtcNow + 4 * resendInterval : notification.At;
        object[] body =
        [
            new
            {
                labels = new Dictionary<string, string>
                {
                    ["alertname"] = AlertName(notification.Kind),
                    ["kind"] = notification.Kind,
                    ["subject"] = notification.Subject,
                    ["severity"] = notification.Severity,
                    ["source"] = "actorspool",
                },
                annotations = new Dictionary<string, string> { ["summary"] = notification.Message, ["description"] = notification.Message },
                startsAt = notification.StartsAt,
                endsAt,
            },
        ];
        using var response = await http.PostAsJsonAsync(_alerts, body, JsonSerializerOptions.Web, ct);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>"printer-down" → "ActorSpoolPrinterDown".</summary>
    public static string AlertName(string kind) =>
        "ActorSpool" + string.Concat(kind.Split('-').Select(w => w.Length == 0 ? w : char.ToUpperInvariant(w[0]) + w[1..]));
}

/// <summary>E-mail through an SMTP server (MailKit): one message per change of an alert.</summary>
public sealed class EmailSink(EmailSettings settings, TimeSpan timeout) : IAlertSink
{
    public string Name => "email";
    public string Target => $"smtp://{settings.Host}:{settings.Port} to {string.Join(", ", settings.To)}";

    public static MimeMessage Compose(EmailSettings settings, AlertNotification n)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(settings.From));
        foreach (var to in settings.To) message.To.Add(MailboxAddress.Parse(to));
        message.Subject = $"[ActorSpool] {WebhookSink.Status(n.Status).ToUpperInvariant()} {n.Kind} {n.Subject}";
        message.Body = new TextPart("plain")
        {
            Text = $"{n.Message}\n\nkind: {n.Kind}\nsubject: {n.Subject}\nstatus: {WebhookSink.Status(n.Status)}\nseverity: {n.Severity}\n" +
                   $"firing since: {n.StartsAt:yyyy-MM-dd'T'HH:mm:ss'Z'}\nat: {n.At:yyyy-MM-dd'T'HH:mm:ss'Z'}\n",
        };
        return message;
    }

    public async Task SendAsync(AlertNotification notification, CancellationToken ct)
    {
        using var smtp = new SmtpClient { Timeout = (int)timeout.TotalMilliseconds };
        await smtp.ConnectAsync(settings.Host, settings.Port, settings.Security, ct);
        if (settings.User.Length > 0) await smtp.AuthenticateAsync(settings.User, settings.Password, ct);
        await smtp.SendAsync(Compose(settings, notification), ct);
        await smtp.DisconnectAsync(quit: true, ct);
    }
}
