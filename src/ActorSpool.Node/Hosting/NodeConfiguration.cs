using ActorSpool.Actors.Hosting;
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

    /// <summary>The journal/snapshot section of config/persistence.conf for this node's database.</summary>
    public static Config Persistence(NodeOptions options)
    {
        var path = Path.Combine(options.ConfigDirectory, "persistence.conf");
        try
        {
            return PersistenceHocon.FromTemplate(ReadFile(path), options.PersistenceProvider, options.ConnectionString);
        }
        catch (ConfigurationException e)
        {
            throw new StartupException($"{path}: invalid HOCON: {e.Message}");
        }
    }

    /// <summary>Parses HOST:PORT of a seed node into its Akka address.</summary>
    public static string ParseSeed(string seed)
    {
        var colon = seed.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(seed[(colon + 1)..], out var port) || port is < 1 or > 65535)
        {
            throw new StartupException($"--seed: '{seed}' is not HOST:PORT");
        }
        return $"akka.tcp://{SystemName}@{seed[..colon]}:{port}";
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
