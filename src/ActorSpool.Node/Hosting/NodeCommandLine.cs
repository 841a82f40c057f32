using System.CommandLine;
using System.Globalization;
using ActorSpool.Node.Security;
using Akka.Configuration;

namespace ActorSpool.Node.Hosting;

/// <summary>
/// The node's command line. Each flag can also be set by an ACTORSPOOL_* environment variable and, failing
/// both, in HOCON (<c>actorspool.node</c>): flag, then environment, then config file, then built-in default.
/// </summary>
public static class NodeCommandLine
{
    private sealed record Setting(Option Option, string EnvironmentVariable, string ConfigPath);

    public static RootCommand Create(Func<NodeOptions, Config, CancellationToken, Task<int>> run)
    {
        var config = Flag<string>("--config", "ACTORSPOOL_CONFIG", "", "Extra HOCON file merged over config/actorspool.conf", "FILE");
        var data = Flag<string>("--data", "ACTORSPOOL_DATA", "actorspool.node.data", "Data directory (SQLite database, demo printer output)", "DIR");
        var db = Flag<string>("--db", "ACTORSPOOL_DB", "actorspool.node.db", "PostgreSQL connection string; absent = SQLite in --data", "CONNECTION");
        var printers = Flag<string>("--printers", "ACTORSPOOL_PRINTERS", "actorspool.node.printers", "Printers and queues file (HOCON); default config/printers.conf", "FILE");
        var nodePort = Flag<int>("--node-port", "ACTORSPOOL_NODE_PORT", "actorspool.node.node-port", "Akka remoting port (0 = any free port)", "N");
        var seed = Flag<string[]>("--seed", "ACTORSPOOL_SEED", "actorspool.node.seeds", "Seed node HOST:PORT, repeatable (env: comma separated); none = form a new cluster", "HOST:PORT");
        var ippPort = Flag<int>("--ipp-port", "ACTORSPOOL_IPP_PORT", "actorspool.node.ipp-port", "IPP listener port (0 = any free port)", "N");
        var httpPort = Flag<int>("--http-port", "ACTORSPOOL_HTTP_PORT", "actorspool.node.http-port", "HTTP port (http and https): REST API /api/v1, /login, /health, /health/ready, /metrics (0 = any free port)", "N");
        var cmdPort = Flag<int>("--cmd-port", "ACTORSPOOL_CMD_PORT", "actorspool.cmd.port", "spoolctl command host port (0 = any free port)", "N");
        var cmdHost = Flag<string>("--cmd-host", "ACTORSPOOL_CMD_HOST", "actorspool.cmd.host", "Address the command host binds (127.0.0.1 = local only)", "IP");
        var cmdToken = Flag<string>("--cmd-token", "ACTORSPOOL_CMD_TOKEN", "actorspool.cmd.token", "Token spoolctl must give for commands that change state (prefer the environment variable or --cmd-token-file)", "TOKEN");
        var cmdTokenFile = Flag<string>("--cmd-token-file", "ACTORSPOOL_CMD_TOKEN_FILE", "actorspool.cmd.token-file", "File holding the command token (wins over --cmd-token)", "FILE");
        var dbPasswordFile = Flag<string>("--db-password-file", "ACTORSPOOL_DB_PASSWORD_FILE", "actorspool.node.db-password-file", "File holding the PostgreSQL password, set into the --db connection string", "FILE");
        var remotingTls = Flag<string>("--remoting-tls", "ACTORSPOOL_REMOTING_TLS", "actorspool.remoting.tls", "Mutual TLS for Akka remoting: on, off, auto (on when --hostname is not loopback)", "on|off|auto");
        var remotingCertificate = Flag<string>("--remoting-certificate", "ACTORSPOOL_REMOTING_CERTIFICATE", "actorspool.remoting.certificate", "The cluster certificate, the same on every node: PKCS#12 (.pfx/.p12) or PEM", "FILE");
        var remotingKey = Flag<string>("--remoting-key", "ACTORSPOOL_REMOTING_KEY", "actorspool.remoting.key", "PEM private key of the cluster certificate when not in its file", "FILE");
        var remotingPasswordFile = Flag<string>("--remoting-certificate-password-file", "ACTORSPOOL_REMOTING_CERTIFICATE_PASSWORD_FILE", "actorspool.remoting.certificate-password-file",
            "File holding the cluster certificate's password (or ACTORSPOOL_REMOTING_CERTIFICATE_PASSWORD)", "FILE");
        var insecureRemoting = Flag<bool>("--insecure-remoting", "ACTORSPOOL_INSECURE_REMOTING", "actorspool.remoting.insecure", "Allow plain Akka remoting on a non-loopback --hostname (a private network only)", "");
        var lpdPort = Flag<int>("--lpd-port", "ACTORSPOOL_LPD_PORT", "", "LPD listener port; turns the LPD listener on (0 = any free port; else actorspool.lpd)", "N");
        var workers = Flag<int>("--workers", "ACTORSPOOL_WORKERS", "actorspool.spool.workers", "Spool workers on this node", "N");
        var site = Flag<string>("--site", "ACTORSPOOL_SITE", "actorspool.node.site", "Site (building, location) of this node: it delivers to the printers of its site, and of sites whose alternate it is while they have no node; none = no site", "NAME");
        var roles = Flag<string>("--roles", "ACTORSPOOL_ROLES", "actorspool.node.roles", "Cluster roles, comma separated (worker, ingress)", "a,b");
        var hostname = Flag<string>("--hostname", "ACTORSPOOL_HOSTNAME", "actorspool.node.hostname", "Name of this node: other nodes reach it there, and IPP clients in the URIs it hands out", "H");
        var users = Flag<string>("--users", "ACTORSPOOL_USERS", "actorspool.security.users-file", "Users file for HTTP Basic logins (htpasswd -B format)", "FILE");
        var admins = Flag<string>("--admins", "ACTORSPOOL_ADMINS", "actorspool.security.admins", "Users who administer queues and printers, comma separated", "a,b");
        var tlsCert = Flag<string>("--tls-cert", "ACTORSPOOL_TLS_CERT", "actorspool.tls.certificate", "PEM certificate (and intermediates) for ipps:// on the IPP port; none = self-signed in --data", "FILE");
        var tlsKey = Flag<string>("--tls-key", "ACTORSPOOL_TLS_KEY", "actorspool.tls.key", "PEM private key of --tls-cert", "FILE");
        var dnssd = Flag<string>("--dnssd", "ACTORSPOOL_DNSSD", "", "Advertise the queues by DNS-SD through avahi-daemon: on or off (else actorspool.dnssd.enabled)", "on|off");
        var settings = new[] { config, data, db, printers, nodePort, seed, ippPort, httpPort, cmdPort, cmdHost, cmdToken, lpdPort, workers, site, roles, hostname, users, admins,
            tlsCert, tlsKey, cmdTokenFile, dbPasswordFile, remotingTls, remotingCertificate, remotingKey, remotingPasswordFile, insecureRemoting, dnssd };

        var root = new RootCommand("ActorSpool node: a clustered, self-healing print spooler.");
        foreach (var setting in settings) root.Add(setting.Option);

        root.SetAction(async (parse, ct) =>
        {
            try
            {
                var configDirectory = Path.Combine(AppContext.BaseDirectory, "config");
                var extraConfig = Value(config, null);
                var hocon = NodeConfiguration.WithCommandHostAliases(NodeConfiguration.LoadBase(configDirectory, extraConfig.FirstOrDefault()));

                // Flag, then environment variable (lists comma separated), then HOCON.
                string[] Value(Setting s, Config? fromConfig)
                {
                    if (parse.GetResult(s.Option) is { Implicit: false } result) // not a default System.CommandLine filled in
                    {
                        var tokens = result.Tokens.Select(t => t.Value).ToArray();
                        return tokens.Length == 0 && s.Option is Option<bool> ? ["on"] : tokens; // a switch given alone
                    }
                    if (Environment.GetEnvironmentVariable(s.EnvironmentVariable) is { Length: > 0 } env)
                    {
                        return env.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    }
                    if (fromConfig is null || s.ConfigPath.Length == 0 || !fromConfig.HasPath(s.ConfigPath)) return [];
                    var value = fromConfig.GetValue(s.ConfigPath);
                    var values = value.IsArray() ? value.GetArray().Select(v => v.GetString()) : [value.GetString()];
                    return values.Where(v => !string.IsNullOrWhiteSpace(v)).ToArray();
                }
                string Text(Setting s, string fallback) => Value(s, hocon).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v)) ?? fallback;
                int Number(Setting s, int min, int max, int fallback)
                {
                    var text = Text(s, fallback.ToString(CultureInfo.InvariantCulture));
                    return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
                        ? n
                        : throw new StartupException($"{s.Option.Name}: '{text}' must be a whole number from {min} to {max}");
                }

                bool Switch(Setting s) => Text(s, "off").ToLowerInvariant() switch
                {
                    "on" or "true" or "yes" or "1" => true,
                    "off" or "false" or "no" or "0" => false,
                    var other => throw new StartupException($"{s.Option.Name}: '{other}' must be on or off"),
                };

                // Secrets belong in the environment or a file: a flag is visible to every local user (ps, /proc/PID/cmdline).
                var warnings = new List<string>();
                if (parse.GetResult(cmdToken.Option) is { Implicit: false })
                {
                    warnings.Add("--cmd-token on the command line is visible to every local user (ps); use ACTORSPOOL_CMD_TOKEN or --cmd-token-file FILE");
                }
                if (parse.GetResult(db.Option) is { Implicit: false } && SecretFile.HasPassword(Text(db, "")))
                {
                    warnings.Add("the password in --db is visible to every local user (ps); use ACTORSPOOL_DB or --db-password-file FILE");
                }
                foreach (var warning in warnings) await Console.Error.WriteLineAsync($"actorspool: warning: {warning}");

                var token = Text(cmdTokenFile, "") is { Length: > 0 } tokenFile ? SecretFile.Read(tokenFile, cmdTokenFile.Option.Name) : Text(cmdToken, "");
                var database = Text(db, "");
                if (Text(dbPasswordFile, "") is { Length: > 0 } passwordFile)
                {
                    if (database.Length == 0) throw new StartupException($"{dbPasswordFile.Option.Name} needs a PostgreSQL connection string (--db / ACTORSPOOL_DB) to put the password in");
                    database = SecretFile.WithPassword(database, SecretFile.Read(passwordFile, dbPasswordFile.Option.Name));
                }
                var remotingPassword = Text(remotingPasswordFile, "") is { Length: > 0 } remotingPasswordPath
                    ? SecretFile.Read(remotingPasswordPath, remotingPasswordFile.Option.Name)
                    : Environment.GetEnvironmentVariable("ACTORSPOOL_REMOTING_CERTIFICATE_PASSWORD") is { Length: > 0 } fromEnvironment ? fromEnvironment : null;
                var tlsMode = Text(remotingTls, "auto").ToLowerInvariant() switch
                {
                    "auto" => RemotingTlsMode.Auto,
                    "on" or "true" => RemotingTlsMode.On,
                    "off" or "false" => RemotingTlsMode.Off,
                    var other => throw new StartupException($"--remoting-tls: '{other}' must be on, off or auto"),
                };

                var printersFile = Text(printers, "");
                var options = new NodeOptions
                {
                    ConfigDirectory = configDirectory,
                    ExtraConfigFile = extraConfig.FirstOrDefault(),
                    DataDirectory = Text(data, "data"),
                    Database = database.Length > 0 ? database : null,
                    PrintersFile = printersFile.Length > 0 ? printersFile : Path.Combine(configDirectory, "printers.conf"),
                    NodePort = Number(nodePort, 0, 65535, 4053),
                    Seeds = Value(seed, hocon),
                    IppPort = Number(ippPort, 0, 65535, 8631),
                    HttpPort = Number(httpPort, 0, 65535, 8080),
                    CommandPort = Number(cmdPort, 0, 65535, 9110),
                    CommandHost = NodeConfiguration.ParseBindAddress(Text(cmdHost, "127.0.0.1"), "--cmd-host"),
                    CommandToken = token.Length > 0 ? token : null,
                    ListenAddress = hocon.GetString("actorspool.node.listen", "0.0.0.0"),
                    LpdPort = Value(lpdPort, null).Length > 0 ? Number(lpdPort, 0, 65535, 0) : null,
                    DnsSd = Value(dnssd, null).Length > 0 ? Switch(dnssd) : null,
                    Workers = Number(workers, 0, 1024, 4),
                    Site = SiteName(Text(site, ""), site.Option.Name),
                    Roles = Value(roles, hocon).SelectMany(r => r.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray(),
                    Hostname = Text(hostname, "127.0.0.1"),
                    UsersFile = Text(users, ""),
                    TlsCertificateFile = Text(tlsCert, ""),
                    TlsKeyFile = Text(tlsKey, ""),
                    Admins = Value(admins, hocon).SelectMany(a => a.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray(),
                    Remoting = new RemotingSecurityOptions
                    {
                        Tls = tlsMode,
                        Certificate = Text(remotingCertificate, ""),
                        Key = Text(remotingKey, ""),
                        CertificatePassword = remotingPassword,
                        Insecure = Switch(insecureRemoting),
                    },
                };
                foreach (var s in options.Seeds) NodeConfiguration.ParseSeed(s);
                return await run(options, hocon, ct);
            }
            catch (StartupException e)
            {
                await Console.Error.WriteLineAsync($"actorspool: {e.Message}");
                return e.ExitCode;
            }
        });
        return root;

        static string? SiteName(string text, string flag) =>
            text.Length == 0 ? null
            : ActorSpool.Domain.Topology.TopologyLoader.IsValidName(text) ? text
            : throw new StartupException($"{flag}: '{text}' is not a site name: use 1-63 lower-case letters, digits, '-' or '_', starting with a letter or digit");

        static Setting Flag<T>(string name, string env, string configPath, string description, string helpName) =>
            new(new Option<T>(name) { Description = $"{description} [env: {env}]", HelpName = helpName.Length > 0 ? helpName : null }, env, configPath);
    }
}

/// <summary>A start-up problem the operator must fix: printed as one line, no stack trace, exit code 2 (6 for damaged data).</summary>
public sealed class StartupException(string message, Exception? inner = null, int exitCode = StartupException.BadConfiguration) : Exception(message, inner)
{
    /// <summary>Exit code of a start refused for a problem in the command line, the configuration or the environment.</summary>
    public const int BadConfiguration = 2;

    /// <summary>Exit code of a start refused because a file of the data directory is damaged or a WAL is missing (docs/reliability.md).</summary>
    public const int DamagedData = 6;

    public int ExitCode { get; } = exitCode;
}
