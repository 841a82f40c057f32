using ActorSpool.Contracts.Spoolctl;

namespace ActorSpool.Cli.Spoolctl;

/// <summary>
/// spoolctl's known_nodes, as ssh's known_hosts: the certificate fingerprint of each node's command host seen on
/// the first TLS connection (trust on first use), one <c>HOST:PORT FINGERPRINT</c> line each. A later connection
/// presenting another certificate is refused: it may be someone between spoolctl and the node.
/// </summary>
public sealed class KnownNodes(string path)
{
    public const string PathVariable = "ACTORSPOOL_KNOWN_NODES";

    public string Path { get; } = path;

    /// <summary>$ACTORSPOOL_KNOWN_NODES, else $XDG_CONFIG_HOME/actorspool/known_nodes, else ~/.config/actorspool/known_nodes.</summary>
    public static KnownNodes Default()
    {
        if (Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } given) return new KnownNodes(given);
        var config = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME") is { Length: > 0 } xdg
            ? xdg
            : System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
        return new KnownNodes(System.IO.Path.Combine(config, "actorspool", "known_nodes"));
    }

    /// <summary>What the file says about <paramref name="node"/> presenting <paramref name="fingerprint"/>.</summary>
    public PinCheck Check(string node, string fingerprint)
    {
        if (!File.Exists(Path)) return new PinCheck(PinStatus.Unknown, null, 0);
        var number = 0;
        foreach (var line in File.ReadLines(Path))
        {
            number++;
            var fields = line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 2 || fields[0].StartsWith('#') || !string.Equals(fields[0], node, StringComparison.OrdinalIgnoreCase)) continue;
            return CertificateFingerprint.SameAs(fields[1], fingerprint)
                ? new PinCheck(PinStatus.Known, fields[1], number)
                : new PinCheck(PinStatus.Changed, fields[1], number);
        }
        return new PinCheck(PinStatus.Unknown, null, 0);
    }

    /// <summary>Appends the pin; the file and its directory are private to the user (they say which nodes they administer).</summary>
    public void Add(string node, string fingerprint)
    {
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!;
        if (!Directory.Exists(directory))
        {
            if (OperatingSystem.IsWindows()) Directory.CreateDirectory(directory);
            else Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using var stream = new FileStream(Path, options);
        using var writer = new StreamWriter(stream);
        writer.Write($"{node} {fingerprint}\n");
    }

    /// <summary>The refusal of a changed certificate: what changed and the line to remove if it changed on purpose.</summary>
    public string ChangedMessage(string node, string fingerprint, PinCheck check) =>
        $"the command host at {node} presented a certificate other than the one pinned for it (SHA-256 {fingerprint}, pinned {check.Pinned}): " +
        $"refusing to connect; someone may be between spoolctl and the node. If the node's certificate was replaced on purpose " +
        $"(its log says \"certificate SHA-256 ...\" at start-up), remove line {check.Line} of {Path} and connect again.";
}

public enum PinStatus
{
    Unknown,
    Known,
    Changed,
}

/// <summary>The result of <see cref="KnownNodes.Check"/>: the pinned fingerprint and its line (1-based) when there is one.</summary>
public sealed record PinCheck(PinStatus Status, string? Pinned, int Line);
