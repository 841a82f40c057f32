using Akka.Configuration;

namespace ActorSpool.Node.Hosting;

/// <summary>Builds a node's HOCON from config/*.conf, the operator's extra file and the resolved options.</summary>
public static class NodeConfiguration
{
    public const string SystemName = "actorspool";

    /// <summary>config/actorspool.conf with the operator's file (if any) merged over it.</summary>
    public static Config LoadBase(string configDirectory, string? extraFile)
    {
        var basePath = Path.Combine(configDirectory, "actorspool.conf");
        var config = ParseFile(basePath);
        if (!string.IsNullOrWhiteSpace(extraFile))
        {
            config = ParseFile(extraFile).WithFallback(config);
        }
        return config;
    }

    /// <summary>
    /// The command host is configured in <c>actorspool.cmd { host, port, token }</c>; the older keys
    /// <c>actorspool.node.cmd-host</c> / <c>cmd-port</c> still work and, where an operator's file sets them, win.
    /// </summary>
    public static Config WithCommandHostAliases(Config config)
    {
        foreach (var (legacy, current) in new[] { ("actorspool.node.cmd-host", "actorspool.cmd.host"), ("actorspool.node.cmd-port", "actorspool.cmd.port") })
        {
            if (!config.HasPath(legacy)) continue;
            var value = config.GetString(legacy);
            if (string.IsNullOrWhiteSpace(value)) continue;
            config = ConfigurationFactory.ParseString($"{current} = \"{value.Replace("\\", "\\\\").Replace("\"", "\\\"")}\"").WithFallback(config);
        }
        return config;
    }

    /// <summary>An IP address to bind (<c>localhost</c> = 127.0.0.1, <c>*</c> = 0.0.0.0).</summary>
    public static string ParseBindAddress(string text, string flag)
    {
        var trimmed = text.Trim();
        if (trimmed is "localhost") return "127.0.0.1";
        if (trimmed is "*") return "0.0.0.0";
        return System.Net.IPAddress.TryParse(trimmed, out var address)
            ? address.ToString()
            : throw new StartupException($"{flag}: '{text}' is not an IP address to listen on (e.g. 127.0.0.1 or 0.0.0.0)");
    }

    /// <summary>Parses HOST:PORT of a seed node into its Akka address (<c>akka.ssl.tcp</c> when remoting uses TLS).</summary>
    public static string ParseSeed(string seed, bool tls = false)
    {
        var colon = seed.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(seed[(colon + 1)..], out var port) || port is < 1 or > 65535)
        {
            throw new StartupException($"--seed: '{seed}' is not HOST:PORT");
        }
        return $"{(tls ? "akka.ssl.tcp" : "akka.tcp")}://{SystemName}@{seed[..colon]}:{port}";
    }

    private static Config ParseFile(string path) => ParseText(ReadFile(path), path);

    private static string ReadFile(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"cannot read config file {path}: {e.Message}");
        }
    }

    private static Config ParseText(string text, string source)
    {
        try
        {
            return ConfigurationFactory.ParseString(text);
        }
        catch (Exception e)
        {
            throw new StartupException($"{source}: invalid HOCON: {e.Message}");
        }
    }
}
