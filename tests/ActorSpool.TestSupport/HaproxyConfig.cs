using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ActorSpool.TestSupport;

/// <summary>
/// config/haproxy/haproxy.cfg, the file docker-compose.yml mounts into its haproxy service, read line by line: its
/// frontends' binds and its backends' servers. <see cref="ForLoopback"/> makes the copy a test runs, in which only
/// the bind addresses and the servers' addresses and ports differ; everything else (checks, timeouts, retries) is
/// the file's own.
/// </summary>
public sealed partial class HaproxyConfig
{
    public static string DefaultPath => Path.Combine(RepoPaths.Root, "config", "haproxy", "haproxy.cfg");

    /// <summary>One <c>server NAME HOST:PORT ...</c> line of a backend.</summary>
    public sealed record Server(string Backend, string Name, string Host, int Port, string Rest);

    /// <summary>One <c>bind ADDRESS:PORT</c> line of a frontend (an empty address: every interface).</summary>
    public sealed record Bind(string Frontend, string Address, int Port);

    private readonly string[] _lines;

    private HaproxyConfig(string[] lines) => _lines = lines;

    public static HaproxyConfig Load(string? path = null) => new(File.ReadAllLines(path ?? DefaultPath));

    public string Text => string.Join('\n', _lines) + "\n";

    public IReadOnlyList<Server> Servers => Parse().Servers;

    public IReadOnlyList<Bind> Binds => Parse().Binds;

    /// <summary>The lines of a section (<c>defaults</c>, <c>backend ipp-nodes</c>, ...), trimmed, comments and blank lines left out.</summary>
    public IReadOnlyList<string> Section(string header) =>
        _lines.SkipWhile(l => l.Trim() != header).Skip(1).TakeWhile(l => l.Length == 0 || char.IsWhiteSpace(l[0]) || l.StartsWith('#'))
            .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();

    /// <summary>
    /// The copy for a test on loopback: each frontend binds 127.0.0.1:<paramref name="bindPorts"/>[frontend], each
    /// server NAME of backend B goes to 127.0.0.1:<paramref name="serverPorts"/>[(B, NAME)].Port and is checked on
    /// its .CheckPort. Every bind and server must have its port given: a new one in the file must not be left
    /// pointing at a name that does not resolve here.
    /// </summary>
    public string ForLoopback(IReadOnlyDictionary<string, int> bindPorts, IReadOnlyDictionary<(string Backend, string Server), (int Port, int CheckPort)> serverPorts)
    {
        var text = new StringBuilder();
        var section = "";
        foreach (var line in _lines)
        {
            var trimmed = line.Trim();
            if (line.Length > 0 && !char.IsWhiteSpace(line[0]) && !line.StartsWith('#')) section = trimmed;
            if (BindLine().Match(line) is { Success: true } bind)
            {
                var frontend = SectionName(section, "frontend");
                if (!bindPorts.TryGetValue(frontend, out var port)) throw new ArgumentException($"no port given for frontend {frontend}'s bind: {trimmed}");
                text.Append(bind.Groups["indent"].Value).Append(CultureInfo.InvariantCulture, $"bind 127.0.0.1:{port}").AppendLine(bind.Groups["rest"].Value);
            }
            else if (ServerLine().Match(line) is { Success: true } server)
            {
                var key = (SectionName(section, "backend"), server.Groups["name"].Value);
                if (!serverPorts.TryGetValue(key, out var target)) throw new ArgumentException($"no address given for server {key.Item1}/{key.Item2}: {trimmed}");
                text.Append(server.Groups["indent"].Value)
                    .Append(CultureInfo.InvariantCulture, $"server {key.Item2} 127.0.0.1:{target.Port}{server.Groups["rest"].Value} port {target.CheckPort}")
                    .AppendLine();
            }
            else
            {
                text.AppendLine(line);
            }
        }
        return text.ToString();
    }

    private (List<Server> Servers, List<Bind> Binds) Parse()
    {
        var servers = new List<Server>();
        var binds = new List<Bind>();
        var section = "";
        foreach (var line in _lines)
        {
            if (line.Length > 0 && !char.IsWhiteSpace(line[0]) && !line.StartsWith('#')) section = line.Trim();
            if (BindLine().Match(line) is { Success: true } bind)
            {
                binds.Add(new Bind(SectionName(section, "frontend"), bind.Groups["address"].Value, int.Parse(bind.Groups["port"].Value, CultureInfo.InvariantCulture)));
            }
            else if (ServerLine().Match(line) is { Success: true } server)
            {
                servers.Add(new Server(SectionName(section, "backend"), server.Groups["name"].Value, server.Groups["host"].Value,
                    int.Parse(server.Groups["port"].Value, CultureInfo.InvariantCulture), server.Groups["rest"].Value.Trim()));
            }
        }
        return (servers, binds);
    }

    private static string SectionName(string section, string kind) =>
        section.StartsWith(kind + " ", StringComparison.Ordinal) ? section[(kind.Length + 1)..].Trim()
            : throw new FormatException($"a line that belongs in a {kind} section is in '{section}'");

    [GeneratedRegex(@"^(?<indent>\s+)bind\s+(?<address>[^\s:]*):(?<port>\d+)(?<rest>.*)$")]
    private static partial Regex BindLine();

    [GeneratedRegex(@"^(?<indent>\s+)server\s+(?<name>\S+)\s+(?<host>[^\s:]+):(?<port>\d+)(?<rest>.*)$")]
    private static partial Regex ServerLine();
}
