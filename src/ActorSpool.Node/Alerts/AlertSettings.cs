using ActorSpool.Domain.Alerts;
using Akka.Configuration;
using MailKit.Security;

namespace ActorSpool.Node.Alerts;

/// <summary>SMTP e-mail of alerts (<c>actorspool.alerts.email</c>); off while <see cref="Host"/> is empty.</summary>
public sealed record EmailSettings
{
    public string Host { get; init; } = "";
    public int Port { get; init; } = 25;

    /// <summary>auto (STARTTLS when offered), starttls, tls (implicit, port 465), none.</summary>
    public SecureSocketOptions Security { get; init; } = SecureSocketOptions.Auto;

    public string From { get; init; } = "";
    public IReadOnlyList<string> To { get; init; } = [];
    public string User { get; init; } = "";
    public string Password { get; init; } = "";

    public bool Enabled => Host.Length > 0;
}

/// <summary><c>actorspool.alerts</c> (docs/alerts.md): thresholds, delivery and the sinks, all off by default.</summary>
public sealed record AlertSettings
{
    public const string Path = "actorspool.alerts";

    public AlertThresholds Thresholds { get; init; } = new();
    public IReadOnlyList<Uri> Webhooks { get; init; } = [];

    /// <summary>Alertmanager base addresses (http://host:9093); alerts go to their /api/v2/alerts.</summary>
    public IReadOnlyList<Uri> Alertmanagers { get; init; } = [];

    /// <summary>How often firing alerts are posted to Alertmanager again (it resolves one not re-posted in time).</summary>
    public TimeSpan AlertmanagerResendInterval { get; init; } = TimeSpan.FromMinutes(1);

    public EmailSettings Email { get; init; } = new();

    /// <summary>Tries per notification and sink; the delay before a retry starts at <see cref="RetryDelay"/> and doubles.</summary>
    public int DeliveryAttempts { get; init; } = 4;

    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public bool AnySink => Webhooks.Count > 0 || Alertmanagers.Count > 0 || Email.Enabled;

    /// <summary>Reads <c>actorspool.alerts</c>; a bad value is a <see cref="ConfigurationException"/> naming the key.</summary>
    public static AlertSettings FromConfig(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var d = new AlertSettings();
        var section = config.GetConfig(Path);
        if (section is null) return d;
        var t = d.Thresholds;
        var thresholds = new AlertThresholds
        {
            PrinterDownAfter = NotNegative(Duration(section, "printer-down-after", t.PrinterDownAfter), "printer-down-after"),
            BacklogAbove = Positive(section.GetInt("backlog-above", t.BacklogAbove), "backlog-above"),
            OldestPendingOlderThan = Positive(Duration(section, "oldest-pending-older-than", t.OldestPendingOlderThan), "oldest-pending-older-than"),
            StorageDownAfter = NotNegative(Duration(section, "storage-down-after", t.StorageDownAfter), "storage-down-after"),
            JobAbortedResolveAfter = Positive(Duration(section, "job-aborted-resolve-after", t.JobAbortedResolveAfter), "job-aborted-resolve-after"),
            MinInterval = NotNegative(Duration(section, "min-interval", t.MinInterval), "min-interval"),
        };
        var e = d.Email;
        var email = new EmailSettings
        {
            Host = section.GetString("email.host", e.Host).Trim(),
            Port = Port(section.GetInt("email.port", e.Port)),
            Security = ParseSecurity(section.GetString("email.security", "auto")),
            From = section.GetString("email.from", e.From).Trim(),
            To = section.GetStringList("email.to", []).Select(s => s.Trim()).Where(s => s.Length > 0).ToArray(),
            User = section.GetString("email.user", e.User),
            Password = section.GetString("email.password", e.Password),
        };
        if (email.Enabled && (email.From.Length == 0 || email.To.Count == 0))
        {
            throw new ConfigurationException($"{Path}.email: host is set, so from and to (a list of addresses) must be too");
        }
        return new AlertSettings
        {
            Thresholds = thresholds,
            Webhooks = Urls(section, "webhooks"),
            Alertmanagers = Urls(section, "alertmanagers"),
            AlertmanagerResendInterval = Positive(Duration(section, "alertmanager-resend-interval", d.AlertmanagerResendInterval), "alertmanager-resend-interval"),
            Email = email,
            DeliveryAttempts = Positive(section.GetInt("delivery-attempts", d.DeliveryAttempts), "delivery-attempts"),
            RetryDelay = NotNegative(Duration(section, "retry-delay", d.RetryDelay), "retry-delay"),
            RequestTimeout = Positive(Duration(section, "request-timeout", d.RequestTimeout), "request-timeout"),
        };
    }

    /// <summary>A duration; one HOCON cannot read ("-1s", "soon") names its key instead of a bare FormatException.</summary>
    private static TimeSpan Duration(Config section, string key, TimeSpan fallback)
    {
        try
        {
            return section.GetTimeSpan(key, fallback);
        }
        catch (FormatException)
        {
            throw new ConfigurationException($"{Path}.{key}: \"{section.GetString(key)}\" is not a duration (e.g. 30s, 2m, 1h)");
        }
    }

    private static Uri[] Urls(Config section, string key) =>
        section.GetStringList(key, []).Select(text =>
            Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
                ? uri
                : throw new ConfigurationException($"{Path}.{key}: \"{text}\" is not an http:// or https:// address")).ToArray();

    private static SecureSocketOptions ParseSecurity(string text) => text.Trim().ToLowerInvariant() switch
    {
        "auto" => SecureSocketOptions.Auto,
        "starttls" => SecureSocketOptions.StartTls,
        "tls" => SecureSocketOptions.SslOnConnect,
        "none" => SecureSocketOptions.None,
        _ => throw new ConfigurationException($"{Path}.email.security: \"{text}\" is none of auto, starttls, tls, none"),
    };

    private static int Port(int port) =>
        port is > 0 and < 65536 ? port : throw new ConfigurationException($"{Path}.email.port: {port} is not a TCP port");

    private static int Positive(int value, string key) =>
        value > 0 ? value : throw new ConfigurationException($"{Path}.{key}: must be at least 1, not {value}");

    private static TimeSpan Positive(TimeSpan value, string key) =>
        value > TimeSpan.Zero ? value : throw new ConfigurationException($"{Path}.{key}: must be longer than 0");

    private static TimeSpan NotNegative(TimeSpan value, string key) =>
        value >= TimeSpan.Zero ? value : throw new ConfigurationException($"{Path}.{key}: must not be negative");
}
