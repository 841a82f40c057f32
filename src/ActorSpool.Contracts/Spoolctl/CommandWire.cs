using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace ActorSpool.Contracts.Spoolctl;

/// <summary>
/// The command host's wire protocol (docs/spoolctl.md): a TCP connection carries newline-delimited JSON. The
/// client sends one <see cref="CommandRequest"/> per line; the node answers each with
/// <see cref="CommandReply"/> lines and always ends with an <c>end</c> reply carrying the exit code. Requests
/// on one connection run one after the other; while a command runs, the client may send
/// <c>{"op":"cancel"}</c> (or close the connection) to stop it.
/// </summary>
public static class CommandWire
{
    public const int DefaultPort = 9110;

    /// <summary>Longest accepted request line in bytes (UTF-8, before its LF); longer lines end the connection.</summary>
    public const int MaxRequestLength = 64 * 1024;

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Json);

    public static T? Deserialize<T>(string line) => JsonSerializer.Deserialize<T>(line, Json);
}

/// <summary>The operations a request can ask for.</summary>
public static class CommandOps
{
    /// <summary>Run <c>palette verb</c> with <c>args</c> (the default when <c>op</c> is missing).</summary>
    public const string Run = "run";

    /// <summary>Send the palette definitions (one <c>palettes</c> reply, then <c>end</c>).</summary>
    public const string Palettes = "palettes";

    /// <summary>Stop the running command (its <c>end</c> reply follows); ignored when nothing runs.</summary>
    public const string Cancel = "cancel";

    /// <summary>
    /// Answered by <c>end</c> 0 alone: a client connecting in plain text to a loopback address sends it first to
    /// learn whether the node speaks TLS there (then the answer is <c>tls-required</c> and the connection closes).
    /// </summary>
    public const string Hello = "hello";
}

/// <summary>One request line: <c>{"op":"run","palette":"job","verb":"show","args":{"job":["42"]},"token":"…","json":false}</c>.</summary>
public sealed record CommandRequest
{
    public string? Op { get; init; }
    public string? Palette { get; init; }
    public string? Verb { get; init; }

    /// <summary>Values by argument name (not by switch); flags are <c>["true"]</c>.</summary>
    public Dictionary<string, string[]>? Args { get; init; }

    public string? Token { get; init; }

    /// <summary>Answer with <c>data</c> replies (JSON) instead of <c>out</c> lines.</summary>
    public bool Json { get; init; }
}

/// <summary>The kinds of reply line.</summary>
public static class ReplyKinds
{
    /// <summary>A line of human-readable output (<c>text</c>).</summary>
    public const string Out = "out";

    /// <summary>A line describing an error (<c>text</c>); the client prints it on stderr.</summary>
    public const string Error = "err";

    /// <summary>Machine-readable output (<c>data</c>), sent instead of <c>out</c> lines when the request asked for JSON.</summary>
    public const string Data = "data";

    /// <summary>The palette definitions (<c>palettes</c>), the answer to a <c>palettes</c> request.</summary>
    public const string Palettes = "palettes";

    /// <summary>The last reply of every request: <c>code</c> is the exit code (0 = ok).</summary>
    public const string End = "end";

    /// <summary>
    /// The node's command host speaks TLS only (it is bound to an address other machines reach): the answer to the
    /// first line of a plain-text connection, which the node then closes. The client connects again with TLS.
    /// </summary>
    public const string TlsRequired = "tls-required";
}

/// <summary>One reply line, e.g. <c>{"kind":"out","text":"…"}</c> … <c>{"kind":"end","code":0}</c>.</summary>
public sealed record CommandReply
{
    public required string Kind { get; init; }
    public string? Text { get; init; }
    public JsonNode? Data { get; init; }
    public PaletteDefinition[]? Palettes { get; init; }
    public int? Code { get; init; }

    public static CommandReply Out(string text) => new() { Kind = ReplyKinds.Out, Text = text };
    public static CommandReply Error(string text) => new() { Kind = ReplyKinds.Error, Text = text };
    public static CommandReply End(int code) => new() { Kind = ReplyKinds.End, Code = code };
}

/// <summary>Exit codes of commands (the node's <c>end</c> code) and of spoolctl itself.</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The command ran and failed (not found, not possible, timeout, node error).</summary>
    public const int Failed = 1;

    /// <summary>The command line was wrong: unknown palette, verb or switch, missing or bad argument.</summary>
    public const int Usage = 2;

    /// <summary>The command changes state and the node's token was missing or wrong.</summary>
    public const int Unauthorized = 3;

    /// <summary>spoolctl could not reach the command host (or lost the connection).</summary>
    public const int Unreachable = 4;

    /// <summary>Interrupted by Ctrl-C.</summary>
    public const int Interrupted = 130;
}
