using System.Globalization;
using System.Text.RegularExpressions;
using ActorSpool.Contracts.Spoolctl;

namespace ActorSpool.Cli.Spoolctl;

/// <summary>HOST:PORT of a node's command host (or IPP listener).</summary>
public sealed partial record NodeEndpoint(string Host, int Port)
{
    public const string HostVariable = "SPOOLCTL_HOST";

    public static NodeEndpoint DefaultCommandHost =>
        Environment.GetEnvironmentVariable(HostVariable) is { Length: > 0 } text && TryParse(text, out var fromEnvironment)
            ? fromEnvironment
            : new NodeEndpoint("127.0.0.1", CommandWire.DefaultPort);

    public static NodeEndpoint DefaultIpp => new("127.0.0.1", 8631);

    /// <summary><c>host:port</c>, <c>[v6]:port</c>; a palette name never looks like this.</summary>
    public static bool TryParse(string text, out NodeEndpoint endpoint)
    {
        endpoint = null!;
        var match = EndpointPattern().Match(text);
        if (!match.Success || !int.TryParse(match.Groups[2].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            return false;
        }
        endpoint = new NodeEndpoint(match.Groups[1].Value.Trim('[', ']'), port);
        return true;
    }

    public override string ToString() => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";

    [GeneratedRegex(@"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$")]
    private static partial Regex EndpointPattern();
}
