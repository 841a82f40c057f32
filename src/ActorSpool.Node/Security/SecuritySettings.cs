using Akka.Configuration;

namespace ActorSpool.Node.Security;

/// <summary><c>actorspool.security</c>: who may do what (docs/security.md).</summary>
public sealed record SecuritySettings
{
    /// <summary>htpasswd file with bcrypt entries; empty = no authentication possible (every client is anonymous).</summary>
    public string UsersFile { get; init; } = "";

    /// <summary>Users who may administer queues and printers and act on any job, once authenticated.</summary>
    public IReadOnlySet<string> Admins { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Every operation must authenticate (else only administration does).</summary>
    public bool RequireAuthentication { get; init; }

    /// <summary>Accept Basic credentials over plain ipp:// (they travel in clear text).</summary>
    public bool AllowBasicWithoutTls { get; init; }

    /// <summary>Failed logins from one address or for one user within <see cref="LoginWindow"/> before further ones are refused unchecked.</summary>
    public int LoginFailures { get; init; } = 5;

    public TimeSpan LoginWindow { get; init; } = TimeSpan.FromMinutes(1);

    public static SecuritySettings FromConfig(Config config)
    {
        var section = config.GetConfig("actorspool.security");
        if (section is null) return new SecuritySettings();
        var settings = new SecuritySettings
        {
            UsersFile = section.GetString("users-file", ""),
            Admins = new HashSet<string>(section.GetStringList("admins", []).Where(a => a.Length > 0), StringComparer.Ordinal),
            RequireAuthentication = section.GetBoolean("require-authentication", false),
            AllowBasicWithoutTls = section.GetBoolean("allow-basic-without-tls", false),
            LoginFailures = section.GetInt("login-failures", 5),
            LoginWindow = section.GetTimeSpan("login-window", TimeSpan.FromMinutes(1), allowInfinite: false),
        };
        if (settings.LoginFailures < 1) throw new ConfigurationException("actorspool.security.login-failures must be at least 1");
        if (settings.LoginWindow <= TimeSpan.Zero) throw new ConfigurationException("actorspool.security.login-window must be positive");
        return settings;
    }
}
