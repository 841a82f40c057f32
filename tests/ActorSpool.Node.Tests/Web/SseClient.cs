using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace ActorSpool.Node.Tests.Web;

/// <summary>One Server-Sent Event as a browser's EventSource would see it.</summary>
public sealed record SseEvent(string Type, string Data)
{
    public JsonNode Json => JsonNode.Parse(Data)!;
}

/// <summary>
/// Reads a text/event-stream response with HttpClient, as EventSource does: the events in order, the retry and the
/// comments seen. Waiting is on conditions with a generous limit.
/// </summary>
public sealed class SseClient : IAsyncDisposable
{
    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<SseEvent> _events = Channel.CreateUnbounded<SseEvent>();
    private readonly List<SseEvent> _seen = [];
    private Task _reader = Task.CompletedTask;

    public HttpResponseMessage Response { get; private set; } = null!;
    public string? Retry { get; private set; }
    public int Comments { get; private set; }

    /// <summary>Connects and waits for the stream's first line (retry), so the node has the subscription before the test acts.</summary>
    public static async Task<SseClient> ConnectAsync(string url, Action<HttpRequestMessage>? tweak = null)
    {
        var client = new SseClient();
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.ParseAdd("text/event-stream");
        tweak?.Invoke(request);
        client.Response = await client._http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (!client.Response.IsSuccessStatusCode) return client;
        var reader = new StreamReader(await client.Response.Content.ReadAsStreamAsync());
        var first = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        client.Retry = first?.StartsWith("retry: ", StringComparison.Ordinal) == true ? first["retry: ".Length..] : null;
        client._reader = Task.Run(() => client.ReadAsync(reader));
        return client;
    }

    private async Task ReadAsync(StreamReader reader)
    {
        string? type = null;
        var data = new List<string>();
        try
        {
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                if (line.Length == 0)
                {
                    if (data.Count > 0) _events.Writer.TryWrite(new SseEvent(type ?? "message", string.Join("\n", data)));
                    type = null;
                    data.Clear();
                }
                else if (line.StartsWith(':')) Comments++;
                else if (line.StartsWith("event: ", StringComparison.Ordinal)) type = line["event: ".Length..];
                else if (line.StartsWith("data: ", StringComparison.Ordinal)) data.Add(line["data: ".Length..]);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException)
        {
        }
        _events.Writer.TryComplete();
    }

    /// <summary>Every event received so far, in order.</summary>
    public IReadOnlyList<SseEvent> Seen
    {
        get
        {
            while (_events.Reader.TryRead(out var e)) _seen.Add(e);
            return _seen;
        }
    }

    /// <summary>Waits until an event satisfying <paramref name="match"/> arrived (or was already seen) and returns it.</summary>
    public async Task<SseEvent> WaitForAsync(string type, Func<JsonNode, bool> match, string what, TimeSpan? timeout = null)
    {
        using var limit = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(90));
        while (true)
        {
            if (Seen.FirstOrDefault(e => e.Type == type && match(e.Json)) is { } found) return found;
            try
            {
                if (!await _events.Reader.WaitToReadAsync(limit.Token))
                    throw new Xunit.Sdk.XunitException($"the stream ended before {what}; seen: {Describe()}");
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"no {what} within the limit; seen: {Describe()}");
            }
        }
    }

    public string Describe() => string.Join("\n", Seen.TakeLast(30).Select(e => $"{e.Type}: {e.Data}"));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        Response?.Dispose();
        await _reader;
        _http.Dispose();
        _stop.Dispose();
    }
}
