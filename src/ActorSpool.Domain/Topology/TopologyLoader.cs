using System.Globalization;
using System.Text.RegularExpressions;
using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace ActorSpool.Domain.Topology;

/// <summary>
/// Reads and validates the printers and queues (HOCON, normally <c>config/printers.conf</c>):
/// <code>
/// actorspool.printers {
///   lj-1 { uri = "socket://127.0.0.1:9101" }
///   lj-2 { uri = "socket://127.0.0.1:9102", fallback-uri = "lpd://127.0.0.1/raw" }
/// }
/// actorspool.queues {
///   office { printers = [lj-1, lj-2], mode = failover, sequential = off, default-priority = 50, max-attempts = 3 }
/// }
/// actorspool.default-queue = office   # optional; else the first queue by name
/// actorspool.demo-printers = on
/// </code>
/// Every problem is collected and reported together in a <see cref="TopologyException"/>, each as
/// <c>&lt;source&gt;: &lt;key path&gt;: &lt;problem&gt;</c>.
/// </summary>
public static partial class TopologyLoader
{
    public const string SocketScheme = "socket";
    public const string IppScheme = "ipp";
    public const string IppsScheme = "ipps";
    public const string LpdScheme = "lpd";

    /// <summary>Printer and queue names (queue names become IPP URI path segments).</summary>
    public const string NamePattern = "^[a-z0-9][a-z0-9_-]{0,62}$";

    private const string Root = "actorspool";
    private const string PrintersPath = Root + ".printers";
    private const string QueuesPath = Root + ".queues";
    private const string DefaultQueuePath = Root + ".default-queue";
    private const string DemoPrintersPath = Root + ".demo-printers";

    private static readonly string[] PrinterKeys = ["uri", "fallback-uri", "fallback-uris", "sequential", "site", "alternate-site"];

    private static readonly string[] QueueKeys =
        ["printers", "mode", "sequential", "default-priority", "max-attempts", "max-document-size", "raw-port", "max-jobs", "max-jobs-per-user", "max-documents-per-job", "site", "alternate-site"];

    [GeneratedRegex(NamePattern, RegexOptions.CultureInvariant)]
    private static partial Regex NameRegex();

    [GeneratedRegex(@"at position (\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex PositionRegex();

    [GeneratedRegex(@"^[A-Za-z0-9_-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex PlainKeyRegex();

    /// <summary>True when <paramref name="name"/> is a valid printer or queue name.</summary>
    public static bool IsValidName(string name) => name is not null && NameRegex().IsMatch(name);

    /// <summary>Reads and validates the file; syntax and validation problems all become a <see cref="TopologyException"/> naming the file.</summary>
    public static SpoolTopology LoadFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (FileNotFoundException e)
        {
            throw new TopologyException([$"{path}: file not found"], e);
        }
        catch (DirectoryNotFoundException e)
        {
            throw new TopologyException([$"{path}: file not found"], e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TopologyException([$"{path}: cannot read the file: {e.Message}"], e);
        }

        return LoadText(text, path);
    }

    /// <summary>Parses HOCON text, then validates it like <see cref="Load"/>; <paramref name="sourceName"/> prefixes every message.</summary>
    public static SpoolTopology LoadText(string hocon, string sourceName) => Load(Parse(hocon, sourceName), sourceName);

    /// <summary>
    /// Parses HOCON text with a structural check first (unbalanced brackets, unterminated strings), reporting
    /// syntax errors as a <see cref="TopologyException"/> with <c>&lt;source&gt;: line L, column C: ...</c>.
    /// </summary>
    public static Config Parse(string hocon, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(hocon);
        ArgumentNullException.ThrowIfNull(sourceName);
        var errors = new List<HoconText.SyntaxError>();
        var normalized = HoconText.Normalize(hocon, errors);
        if (errors.Count > 0)
        {
            throw new TopologyException(errors
                .OrderBy(e => e.Line).ThenBy(e => e.Column)
                .Select(e => $"{sourceName}: line {e.Line}, column {e.Column}: HOCON syntax error: {e.Message}")
                .ToArray());
        }

        try
        {
            return ParseWithin(normalized, sourceName);
        }
        catch (Exception e) when (e is not (OutOfMemoryException or TopologyException))
        {
            var message = FirstLine(e.Message);
            var where = "";
            var position = PositionRegex().Match(e.Message);
            if (position.Success && int.TryParse(position.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
            {
                var (line, column) = HoconText.Position(hocon, offset);
                where = $"line {line}, column {column}: ";
                message = PositionRegex().Replace(message, "").TrimEnd(' ', ':');
            }

            throw new TopologyException([$"{sourceName}: {where}HOCON syntax error: {message}"], e);
        }
    }

    /// <summary>How long Akka's HOCON parser may take on a printers.conf; real ones take milliseconds.</summary>
    public static readonly TimeSpan ParseTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Akka's HOCON parser loops forever on some malformed input (found by fuzzing, see docs/security.md): parsed on a
    /// background thread, so such a file stops the start with a clear error instead of a node that never comes up. The
    /// looping thread cannot be stopped; the process exits on the error anyway.
    /// </summary>
    private static Config ParseWithin(string normalized, string sourceName)
    {
        Config? parsed = null;
        Exception? failure = null;
        var parser = new Thread(() =>
        {
            try
            {
                parsed = ConfigurationFactory.ParseString(normalized);
            }
            catch (Exception e)
            {
                failure = e;
            }
        }, maxStackSize: 16 * 1024 * 1024)
        { IsBackground = true, Name = "printers.conf parser" };
        parser.Start();
        if (!parser.Join(ParseTimeout))
        {
            throw new TopologyException([$"{sourceName}: HOCON syntax error: the parser did not finish within {ParseTimeout.TotalSeconds:0} s; " +
                "check the quoting (\"\"\" strings) and lists for unquoted special characters"]);
        }
        if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        return parsed!;
    }

    /// <summary>Validates the <c>actorspool.*</c> keys of an already parsed configuration.</summary>
    /// <param name="sourceName">Where the configuration came from (a file path), prefixed to every message.</param>
    public static SpoolTopology Load(Config config, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(sourceName);
        var reader = new Reader(sourceName);
        var topology = reader.Read(config);
        if (reader.Problems.Count > 0 || topology is null)
        {
            throw new TopologyException(reader.Problems.Count > 0 ? reader.Problems : [$"{sourceName}: {Root}: invalid topology"]);
        }

        return topology;
    }

    private static string FirstLine(string text)
    {
        var trimmed = text.Trim();
        var newline = trimmed.IndexOf('\n');
        return (newline < 0 ? trimmed : trimmed[..newline]).Trim();
    }

    private static string Key(string parent, string key) =>
        $"{parent}.{(PlainKeyRegex().IsMatch(key) ? key : "\"" + key.Replace("\"", "\\\"") + "\"")}";
}
