using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ActorSpool.Node.Tests.Management;

/// <summary>What a command answered: its reply lines (kind + text/data) and the end marker's exit code.</summary>
public sealed record CommandResult(int Code, IReadOnlyList<JsonObject> Replies)
{
    public IReadOnlyList<string> Out => Lines("out");
    public IReadOnlyList<string> Errors => Lines("err");
    public IReadOnlyList<JsonNode> Data => Replies.Where(r => (string?)r["kind"] == "data").Select(r => r["data"]!).ToList();
    public string Text => string.Join("\n", Out);

    private List<string> Lines(string kind) => Replies.Where(r => (string?)r["kind"] == kind).Select(r => (string?)r["text"] ?? "").ToList();

    public override string ToString() => $"code {Code}: " + string.Join(" | ", Replies.Select(r => r.ToJsonString()));
}

/// <summary>The command host protocol spoken by hand: JSON request lines out, JSON reply lines in.</summary>
public sealed class CommandConnection : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly StreamReader _reader;
    private readonly StreamWriter _writer;

    private CommandConnection(TcpClient tcp)
    {
        _tcp = tcp;
        var stream = tcp.GetStream();
        _reader = new StreamReader(stream, Encoding.UTF8);
        _writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" };
    }

    public static async Task<CommandConnection> OpenAsync(int port)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        return new CommandConnection(tcp);
    }

    public Task SendLineAsync(string line) => _writer.WriteLineAsync(line);

    public Task SendAsync(object request) => SendLineAsync(JsonSerializer.Serialize(request));

    /// <summary>The next reply line, or null when the node closed the connection.</summary>
    public async Task<JsonObject?> ReadReplyAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(90));
        var line = await _reader.ReadLineAsync(cts.Token);
        return line is null ? null : JsonNode.Parse(line)!.AsObject();
    }

    /// <summary>Replies up to and including the end marker.</summary>
    public async Task<CommandResult> ReadResultAsync(TimeSpan? timeout = null)
    {
        var replies = new List<JsonObject>();
        while (true)
        {
            var reply = await ReadReplyAsync(timeout) ?? throw new IOException("connection closed before the end marker: " + string.Join(" | ", replies));
            if ((string?)reply["kind"] == "end") return new CommandResult((int)reply["code"]!, replies);
            replies.Add(reply);
        }
    }

    public async Task<CommandResult> RunAsync(string palette, string verb, object? args = null, string? token = null, bool json = false)
    {
        await SendAsync(new { op = "run", palette, verb, args = args ?? new { }, token, json });
        return await ReadResultAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _writer.DisposeAsync();
        _reader.Dispose();
        _tcp.Dispose();
    }
}
