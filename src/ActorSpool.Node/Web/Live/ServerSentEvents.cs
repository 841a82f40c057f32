using System.Threading.Channels;
using Microsoft.AspNetCore.Http.Features;

namespace ActorSpool.Node.Web.Live;

/// <summary>
/// Writes a channel to the response as Server-Sent Events (text/event-stream): <c>retry: 2000</c> first, then each
/// item as <c>event:</c> and one <c>data:</c> line, and a <c>: keep-alive</c> comment after 15 s without one (proxies
/// and browsers close idle streams). Ends when the client goes away, the channel completes or the node stops.
/// </summary>
public static class ServerSentEvents
{
    public static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(15);

    /// <summary>The events a browser may have unread before its oldest are dropped (a slow or paused tab).</summary>
    public const int SubscriberCapacity = 1024;

    public static Channel<T> SubscriberChannel<T>() => Channel.CreateBounded<T>(new BoundedChannelOptions(SubscriberCapacity)
    {
        FullMode = BoundedChannelFullMode.DropOldest,
        SingleReader = true,
        SingleWriter = true,
    });

    /// <param name="format">The event's type and its data (one line: compact JSON).</param>
    /// <param name="stopping">The node's shutdown: open streams end instead of holding the shutdown up.</param>
    public static async Task WriteAsync<T>(HttpContext http, ChannelReader<T> events, Func<T, (string Type, string Data)> format, CancellationToken stopping)
    {
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no"; // a reverse proxy in front must not hold the events back either
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, stopping);
        var ct = ended.Token;
        try
        {
            await WriteAndFlushAsync(http, "retry: 2000\n\n", ct);
            while (!ct.IsCancellationRequested)
            {
                bool more;
                using (var quiet = CancellationTokenSource.CreateLinkedTokenSource(ct))
                {
                    quiet.CancelAfter(KeepAliveInterval);
                    try
                    {
                        more = await events.WaitToReadAsync(quiet.Token);
                    }
                    catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                    {
                        await WriteAndFlushAsync(http, ": keep-alive\n\n", ct);
                        continue;
                    }
                }
                if (!more) break;
                while (events.TryRead(out var item))
                {
                    var (type, data) = format(item);
                    await http.Response.WriteAsync($"event: {type}\ndata: {data}\n\n", ct);
                }
                await http.Response.Body.FlushAsync(ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away or the node stops: the stream simply ends.
        }
        catch (IOException)
        {
            // The connection broke while writing.
        }
    }

    private static async Task WriteAndFlushAsync(HttpContext http, string text, CancellationToken ct)
    {
        await http.Response.WriteAsync(text, ct);
        await http.Response.Body.FlushAsync(ct);
    }
}
