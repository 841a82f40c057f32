using ActorSpool.Actors.Hosting;
using ActorSpool.Actors.Storage;
using ActorSpool.Node.Security;

namespace ActorSpool.Node.Hosting;

/// <summary>Everything a node needs to start, after flags, environment and HOCON were merged.</summary>
public sealed record NodeOptions
{
    public required string ConfigDirectory { get; init; }
    public string? ExtraConfigFile { get; init; }
    public required string DataDirectory { get; init; }
    /// <summary>PostgreSQL connection string; null = SQLite in <see cref="DataDirectory"/>.</summary>
    public string? Database { get; init; }
    public required string PrintersFile { get; init; }
    public required string Hostname { get; init; }
    public required string ListenAddress { get; init; }
    public int NodePort { get; init; }
    public IReadOnlyList<string> Seeds { get; init; } = [];
    public int IppPort { get; init; }
    public int HttpPort { get; init; }
    public required string CommandHost { get; init; }
    public int CommandPort { get; init; }
    /// <summary>Token that state-changing spoolctl commands must carry; null = none required.</summary>
    public string? CommandToken { get; init; }
    /// <summary>LPD listener port from --lpd-port / ACTORSPOOL_LPD_PORT (turns the listener on); null = actorspool.lpd decides.</summary>
    public int? LpdPort { get; init; }
    public int Workers { get; init; }
    public IReadOnlyList<string> Roles { get; init; } = [];

    /// <summary>The node's site (--site, ACTORSPOOL_SITE, actorspool.node.site); null = none.</summary>
    public string? Site { get; init; }

    /// <summary>htpasswd file of the users who can log in (flag, environment or actorspool.security.users-file); empty = none.</summary>
    public string UsersFile { get; init; } = "";

    /// <summary>Admin user names (flag, environment or actorspool.security.admins).</summary>
    public IReadOnlyList<string> Admins { get; init; } = [];

    /// <summary>PEM certificate (and intermediates) the IPP port serves ipps:// with (--tls-cert, actorspool.tls.certificate); empty = self-signed in the data directory.</summary>
    public string TlsCertificateFile { get; init; } = "";

    /// <summary>PEM private key of <see cref="TlsCertificateFile"/> (--tls-key, actorspool.tls.key).</summary>
    public string TlsKeyFile { get; init; } = "";

    /// <summary>--dnssd / ACTORSPOOL_DNSSD: advertise the queues by DNS-SD; null = actorspool.dnssd.enabled decides.</summary>
    public bool? DnsSd { get; init; }

    /// <summary>TLS of Akka remoting (--remoting-*, --insecure-remoting, actorspool.remoting).</summary>
    public RemotingSecurityOptions Remoting { get; init; } = new();

    public bool UsesPostgres => !string.IsNullOrWhiteSpace(Database);

    public string PersistenceProvider => UsesPostgres ? SpoolPersistence.PostgresProvider : SpoolPersistence.SqliteProvider;

    /// <summary>The journal's database.</summary>
    public string ConnectionString => UsesPostgres ? PostgresConnectionString : SpoolPersistence.SqliteConnectionString(DataDirectory);

    /// <summary>The snapshot store's database: the journal's with PostgreSQL, a file of its own beside it with SQLite.</summary>
    public string SnapshotConnectionString => UsesPostgres ? PostgresConnectionString : SqliteSnapshotsFile.ConnectionString(DataDirectory);

    /// <summary>The document store's database: the journal's with PostgreSQL, a file of its own beside it with SQLite.</summary>
    public string DocumentsConnectionString => UsesPostgres ? PostgresConnectionString : SqliteDocumentsFile.ConnectionString(DataDirectory);

    /// <summary>
    /// --db, with defaults for what it does not set itself. At most 30 pooled connections: PostgreSQL allows 100 by
    /// default, and three nodes with Npgsql's default pool of 100 each ran it out under a burst ("53300: too many
    /// clients already"); the journal and the document store batch their writes, so 30 is plenty. 10 s to connect
    /// (Timeout) and for a command to answer (Command Timeout), instead of Npgsql's 15 s and 30 s: on a hung connection
    /// Npgsql ignores cancellation and gives up only after Command Timeout plus twice Timeout (its cancel request waits
    /// for a connection too), which left a client waiting a minute for its "service unavailable" (tests with a
    /// hanging TCP proxy). 10 s still leaves room for a slow network: with 500 ms each way a connection takes ~4 s.
    /// </summary>
    private string PostgresConnectionString => WithDefaults(Database!,
        (["Maximum Pool Size", "MaxPoolSize"], "Maximum Pool Size=30"),
        (["Timeout"], "Timeout=10"),
        (["Command Timeout"], "Command Timeout=10"));

    /// <summary>Appends each setting whose keyword (any of its spellings; case and spaces do not count) the string lacks.</summary>
    private static string WithDefaults(string connectionString, params (string[] Keywords, string Setting)[] defaults)
    {
        static string Normalized(string keyword) => keyword.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant();
        HashSet<string> given;
        try
        {
            given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>().Select(Normalized).ToHashSet();
        }
        catch (ArgumentException)
        {
            return connectionString; // malformed: Npgsql reports it at start-up, naming --db
        }
        var missing = defaults.Where(d => !d.Keywords.Any(k => given.Contains(Normalized(k)))).Select(d => d.Setting).ToList();
        return missing.Count == 0 ? connectionString : string.Join(';', [connectionString.TrimEnd(';'), .. missing]);
    }
}
