using ActorSpool.Protocols.Ipp;
using Akka.Configuration;

namespace ActorSpool.Node.Hosting;

/// <summary>
/// <c>actorspool.limits</c>: what one request or one client may take of the node (docs/security.md). The LPD and raw
/// listeners keep theirs in <c>actorspool.lpd</c> / <c>actorspool.raw</c>, next to their other settings.
/// </summary>
public sealed record LimitsSettings
{
    public const string Path = "actorspool.limits";

    /// <summary>Attributes (with a name) in one IPP request; more is client-error-request-entity-too-large.</summary>
    public int IppMaxAttributes { get; init; } = 1000;

    /// <summary>Values in one IPP request, additional values and collection members included.</summary>
    public int IppMaxValues { get; init; } = 10_000;

    /// <summary>Bytes of one IPP request's header and attributes (the document data after them is not counted).</summary>
    public int IppMaxAttributeBytes { get; init; } = IppParser.DefaultMaxAttributeBytes;

    /// <summary>Jobs a Get-Jobs without <c>limit</c> returns at most.</summary>
    public int GetJobsDefault { get; init; } = 1000;

    /// <summary>Jobs any Get-Jobs returns at most, whatever <c>limit</c> it asks for (RFC 8011 lets a printer return fewer).</summary>
    public int GetJobsMax { get; init; } = 5000;

    /// <summary>Connections the IPP and HTTP ports serve at once, together (Kestrel's MaxConcurrentConnections).</summary>
    public int HttpMaxConnections { get; init; } = 8192;

    /// <summary>Connections from one client address the IPP and HTTP ports serve at once, together.</summary>
    public int HttpMaxConnectionsPerAddress { get; init; } = 4096;

    /// <summary>Connections the command host serves at once.</summary>
    public int CommandMaxConnections { get; init; } = 64;

    /// <summary>Connections from one address the command host serves at once.</summary>
    public int CommandMaxConnectionsPerAddress { get; init; } = 32;

    /// <summary>A command-host request line must arrive whole within this time of its first byte.</summary>
    public TimeSpan CommandRequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>New jobs and documents are refused while the data directory's file system has less free space (0 = off).</summary>
    public long MinFreeDiskBytes { get; init; } = 100L * 1024 * 1024;

    /// <summary>The parser's bounds for requests from clients.</summary>
    public IppParseLimits IppParse => new(IppMaxAttributeBytes, IppMaxAttributes, IppMaxValues);

    /// <summary>Reads <c>actorspool.limits</c>; a bad value is a <see cref="ConfigurationException"/> naming the key.</summary>
    public static LimitsSettings FromConfig(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var d = new LimitsSettings();
        var section = config.GetConfig(Path);
        if (section is null) return d;
        var settings = new LimitsSettings
        {
            IppMaxAttributes = AtLeast(section.GetInt("ipp-max-attributes", d.IppMaxAttributes), 10, "ipp-max-attributes"),
            IppMaxValues = AtLeast(section.GetInt("ipp-max-values", d.IppMaxValues), 10, "ipp-max-values"),
            IppMaxAttributeBytes = (int)Math.Min(int.MaxValue, AtLeast(section.GetByteSize("ipp-max-attribute-bytes") ?? d.IppMaxAttributeBytes, 1024, "ipp-max-attribute-bytes")),
            GetJobsDefault = AtLeast(section.GetInt("get-jobs-default", d.GetJobsDefault), 1, "get-jobs-default"),
            GetJobsMax = AtLeast(section.GetInt("get-jobs-max", d.GetJobsMax), 1, "get-jobs-max"),
            HttpMaxConnections = AtLeast(section.GetInt("http-max-connections", d.HttpMaxConnections), 1, "http-max-connections"),
            HttpMaxConnectionsPerAddress = AtLeast(section.GetInt("http-max-connections-per-address", d.HttpMaxConnectionsPerAddress), 1, "http-max-connections-per-address"),
            CommandMaxConnections = AtLeast(section.GetInt("cmd-max-connections", d.CommandMaxConnections), 1, "cmd-max-connections"),
            CommandMaxConnectionsPerAddress = AtLeast(section.GetInt("cmd-max-connections-per-address", d.CommandMaxConnectionsPerAddress), 1, "cmd-max-connections-per-address"),
            CommandRequestTimeout = section.GetTimeSpan("cmd-request-timeout", d.CommandRequestTimeout, allowInfinite: false),
            MinFreeDiskBytes = AtLeast(section.GetByteSize("min-free-disk") ?? d.MinFreeDiskBytes, 0, "min-free-disk"),
        };
        if (settings.CommandRequestTimeout <= TimeSpan.Zero) throw new ConfigurationException($"{Path}.cmd-request-timeout must be positive");
        if (settings.GetJobsDefault > settings.GetJobsMax)
            throw new ConfigurationException($"{Path}.get-jobs-default ({settings.GetJobsDefault}) is more than get-jobs-max ({settings.GetJobsMax})");
        return settings;
    }

    private static T AtLeast<T>(T value, T least, string key) where T : System.Numerics.INumber<T> =>
        value >= least ? value : throw new ConfigurationException($"{Path}.{key}: {value} must be at least {least}");
}
