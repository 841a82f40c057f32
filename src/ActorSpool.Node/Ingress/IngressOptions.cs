using System.Net;
using ActorSpool.Node.Hosting;
using Akka.Configuration;

namespace ActorSpool.Node.Ingress;

/// <summary>The LPD listener (<c>actorspool.lpd</c>; <c>--lpd-port</c> / ACTORSPOOL_LPD_PORT set the port and turn it on).</summary>
public sealed record LpdIngressOptions
{
    public bool Enabled { get; init; }

    /// <summary>Address to bind.</summary>
    public string Host { get; init; } = "0.0.0.0";

    /// <summary>0 = any free port (logged).</summary>
    public int Port { get; init; } = 515;

    /// <summary>A client that sends nothing for this long is disconnected and its unfinished job discarded.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Connections served at once; more are reset at once.</summary>
    public int MaxConnections { get; init; } = 128;

    /// <summary>Connections from one client address served at once; more from it are reset at once.</summary>
    public int MaxConnectionsPerAddress { get; init; } = 32;

    /// <summary>The slowest a client may send (null: only the idle timeout applies).</summary>
    public MinDataRate? MinDataRate { get; init; } = IngressConfiguration.DefaultMinDataRate;

    /// <summary>Largest control file accepted (they are a few hundred bytes in practice).</summary>
    public int MaxControlFileBytes { get; init; } = 64 * 1024;
}

/// <summary>The raw (AppSocket, "port 9100") listeners, one per queue with a <c>raw-port</c> (<c>actorspool.raw</c>).</summary>
public sealed record RawIngressOptions
{
    /// <summary>Off: this node opens no raw ports (e.g. for several nodes on one host sharing a printers file).</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Address to bind.</summary>
    public string Host { get; init; } = "0.0.0.0";

    /// <summary>A client that sends nothing for this long is reset and its job discarded.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Connections served at once per port; more are reset at once.</summary>
    public int MaxConnections { get; init; } = 128;

    /// <summary>Connections from one client address served at once per port; more from it are reset at once.</summary>
    public int MaxConnectionsPerAddress { get; init; } = 32;

    /// <summary>The slowest a client may send (null: only the idle timeout applies).</summary>
    public MinDataRate? MinDataRate { get; init; } = IngressConfiguration.DefaultMinDataRate;
}

/// <summary>Reads the ingress sections of the node's HOCON; problems become <see cref="StartupException"/>s.</summary>
public static class IngressConfiguration
{
    public const string LpdPath = "actorspool.lpd";
    public const string RawPath = "actorspool.raw";

    /// <summary>Kestrel's MinRequestBodyDataRate is 240 bytes/s after 5 s; LPD and raw clients get a little longer to start.</summary>
    public static readonly MinDataRate DefaultMinDataRate = new(240, TimeSpan.FromSeconds(10));

    /// <summary>
    /// <c>actorspool.lpd { enabled, host, port, idle-timeout, max-connections, max-connections-per-address, min-data-rate,
    /// min-data-rate-grace }</c>; <see cref="NodeOptions.LpdPort"/>
    /// (the flag or environment variable) overrides the port and turns the listener on.
    /// </summary>
    public static LpdIngressOptions Lpd(Config hocon, NodeOptions node)
    {
        ArgumentNullException.ThrowIfNull(hocon);
        ArgumentNullException.ThrowIfNull(node);
        var defaults = new LpdIngressOptions();
        var options = new LpdIngressOptions
        {
            Enabled = Read(hocon, $"{LpdPath}.enabled", c => c.GetBoolean($"{LpdPath}.enabled", defaults.Enabled)),
            Host = BindAddress(Read(hocon, $"{LpdPath}.host", c => c.GetString($"{LpdPath}.host", defaults.Host)), $"{LpdPath}.host"),
            Port = Port(Read(hocon, $"{LpdPath}.port", c => c.GetInt($"{LpdPath}.port", defaults.Port)), $"{LpdPath}.port"),
            IdleTimeout = Positive(Read(hocon, $"{LpdPath}.idle-timeout", c => c.GetTimeSpan($"{LpdPath}.idle-timeout", defaults.IdleTimeout, allowInfinite: false)), $"{LpdPath}.idle-timeout"),
            MaxConnections = AtLeastOne(Read(hocon, $"{LpdPath}.max-connections", c => c.GetInt($"{LpdPath}.max-connections", defaults.MaxConnections)), $"{LpdPath}.max-connections"),
            MaxConnectionsPerAddress = AtLeastOne(Read(hocon, $"{LpdPath}.max-connections-per-address", c => c.GetInt($"{LpdPath}.max-connections-per-address", defaults.MaxConnectionsPerAddress)), $"{LpdPath}.max-connections-per-address"),
            MinDataRate = ReadMinDataRate(hocon, LpdPath),
        };
        return node.LpdPort is { } port
            ? options with { Enabled = true, Port = Port(port, "--lpd-port") }
            : options;
    }

    /// <summary><c>actorspool.raw { enabled, host, idle-timeout, max-connections, max-connections-per-address, min-data-rate,
    /// min-data-rate-grace }</c>; an empty host means the node's listen address.</summary>
    public static RawIngressOptions Raw(Config hocon, NodeOptions node)
    {
        ArgumentNullException.ThrowIfNull(hocon);
        ArgumentNullException.ThrowIfNull(node);
        var defaults = new RawIngressOptions();
        var host = Read(hocon, $"{RawPath}.host", c => c.GetString($"{RawPath}.host", ""));
        return new RawIngressOptions
        {
            Enabled = Read(hocon, $"{RawPath}.enabled", c => c.GetBoolean($"{RawPath}.enabled", defaults.Enabled)),
            Host = BindAddress(string.IsNullOrWhiteSpace(host) ? node.ListenAddress : host, $"{RawPath}.host"),
            IdleTimeout = Positive(Read(hocon, $"{RawPath}.idle-timeout", c => c.GetTimeSpan($"{RawPath}.idle-timeout", defaults.IdleTimeout, allowInfinite: false)), $"{RawPath}.idle-timeout"),
            MaxConnections = AtLeastOne(Read(hocon, $"{RawPath}.max-connections", c => c.GetInt($"{RawPath}.max-connections", defaults.MaxConnections)), $"{RawPath}.max-connections"),
            MaxConnectionsPerAddress = AtLeastOne(Read(hocon, $"{RawPath}.max-connections-per-address", c => c.GetInt($"{RawPath}.max-connections-per-address", defaults.MaxConnectionsPerAddress)), $"{RawPath}.max-connections-per-address"),
            MinDataRate = ReadMinDataRate(hocon, RawPath),
        };
    }

    /// <summary><c>PATH.min-data-rate</c> (bytes/s; 0 = off) and <c>PATH.min-data-rate-grace</c>.</summary>
    public static MinDataRate? ReadMinDataRate(Config hocon, string path)
    {
        ArgumentNullException.ThrowIfNull(hocon);
        var rate = Read(hocon, $"{path}.min-data-rate", c => c.GetInt($"{path}.min-data-rate", (int)DefaultMinDataRate.BytesPerSecond));
        if (rate < 0)
        {
            throw new StartupException($"{path}.min-data-rate: {rate} must be 0 (off) or a number of bytes per second");
        }

        var grace = Positive(Read(hocon, $"{path}.min-data-rate-grace", c => c.GetTimeSpan($"{path}.min-data-rate-grace", DefaultMinDataRate.Grace, allowInfinite: false)), $"{path}.min-data-rate-grace");
        return rate == 0 ? null : new MinDataRate(rate, grace);
    }

    private static T Read<T>(Config hocon, string path, Func<Config, T> read)
    {
        try
        {
            return read(hocon);
        }
        catch (Exception e) when (e is ConfigurationException or FormatException or InvalidCastException or OverflowException or ArgumentException)
        {
            throw new StartupException($"{path}: {e.Message}", e);
        }
    }

    private static string BindAddress(string text, string path) => NodeConfiguration.ParseBindAddress(text ?? "", path);

    private static int Port(int port, string path) =>
        port is >= 0 and <= 65535 ? port : throw new StartupException($"{path}: {port} must be a port from 0 to 65535 (0 = any free port)");

    private static TimeSpan Positive(TimeSpan value, string path) =>
        value > TimeSpan.Zero ? value : throw new StartupException($"{path}: {value} must be a positive duration");

    private static int AtLeastOne(int value, string path) =>
        value >= 1 ? value : throw new StartupException($"{path}: {value} must be at least 1");

    /// <summary>The address to bind, parsed (<see cref="NodeConfiguration.ParseBindAddress"/> already checked it).</summary>
    internal static IPAddress Address(string host) => IPAddress.Parse(host);
}
