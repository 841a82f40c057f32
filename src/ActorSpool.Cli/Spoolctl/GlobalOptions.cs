using System.Globalization;

namespace ActorSpool.Cli.Spoolctl;

/// <summary>
/// spoolctl's own options, accepted anywhere on the line: <c>--json</c>, <c>--token TOKEN</c> (or
/// <c>SPOOLCTL_TOKEN</c>), <c>--token-file FILE</c> (or <c>SPOOLCTL_TOKEN_FILE</c>), <c>--timeout SECONDS</c>;
/// plus the leading <c>HOST:PORT</c>.
/// </summary>
public sealed record GlobalOptions
{
    public const string TokenVariable = "SPOOLCTL_TOKEN";
    public const string TokenFileVariable = "SPOOLCTL_TOKEN_FILE";

    /// <summary>Said when <c>--token</c> is on spoolctl's own command line, where every local user sees it.</summary>
    public const string TokenFlagWarning = "spoolctl: warning: --token on the command line is visible to every local user (ps); use SPOOLCTL_TOKEN or --token-file FILE";

    public NodeEndpoint Endpoint { get; init; } = NodeEndpoint.DefaultCommandHost;
    public bool EndpointGiven { get; init; }
    public bool Json { get; init; }
    public string? Token { get; init; } = Environment.GetEnvironmentVariable(TokenVariable) is { Length: > 0 } t ? t
        : Environment.GetEnvironmentVariable(TokenFileVariable) is { Length: > 0 } file && TryReadTokenFile(file, out var fromFile, out _) ? fromFile : null;

    /// <summary><c>--token</c> was given (not <c>--token-file</c> or the environment).</summary>
    public bool TokenGivenAsFlag { get; init; }

    /// <summary>The token in <paramref name="path"/>, without the trailing line break.</summary>
    public static bool TryReadTokenFile(string path, out string token, out string? error)
    {
        token = "";
        error = null;
        try
        {
            token = File.ReadAllText(path).TrimEnd('\r', '\n');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"--token-file: cannot read {path}: {e.Message}";
            return false;
        }
        if (token.Length > 0) return true;
        error = $"--token-file: {path} is empty";
        return false;
    }
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Takes the global options out of <paramref name="args"/>; the rest is the command.</summary>
    public static bool TryParse(IReadOnlyList<string> args, GlobalOptions defaults, out GlobalOptions options, out List<string> rest, out string? error)
    {
        options = defaults;
        rest = [];
        error = null;
        var start = 0;
        if (args.Count > 0 && NodeEndpoint.TryParse(args[0], out var endpoint))
        {
            options = options with { Endpoint = endpoint, EndpointGiven = true };
            start = 1;
        }
        for (var i = start; i < args.Count; i++)
        {
            var word = args[i];
            var (name, inline) = word.StartsWith("--", StringComparison.Ordinal) && word.IndexOf('=', StringComparison.Ordinal) is var eq and > 2
                ? (word[..eq], word[(eq + 1)..])
                : (word, (string?)null);
            switch (name)
            {
                case "--json":
                    options = options with { Json = true };
                    break;
                case "--token":
                    var token = inline ?? (i + 1 < args.Count ? args[++i] : null);
                    if (token is null)
                    {
                        error = "--token needs a value";
                        return false;
                    }
                    options = options with { Token = token, TokenGivenAsFlag = true };
                    break;
                case "--token-file":
                    var path = inline ?? (i + 1 < args.Count ? args[++i] : null);
                    if (path is null)
                    {
                        error = "--token-file needs a value";
                        return false;
                    }
                    if (!TryReadTokenFile(path, out var fromFile, out error)) return false;
                    options = options with { Token = fromFile, TokenGivenAsFlag = false };
                    break;
                case "--timeout":
                    var text = inline ?? (i + 1 < args.Count ? args[++i] : null);
                    if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds <= 0)
                    {
                        error = $"--timeout needs a number of seconds, not '{text}'";
                        return false;
                    }
                    options = options with { Timeout = TimeSpan.FromSeconds(seconds) };
                    break;
                default:
                    rest.Add(word);
                    break;
            }
        }
        return true;
    }
}
