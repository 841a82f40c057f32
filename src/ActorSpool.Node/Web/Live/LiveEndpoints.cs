using ActorSpool.Actors.Topology;
using ActorSpool.Domain.Topology;
using ActorSpool.Node.Hosting;
using ActorSpool.Node.Management;
using ActorSpool.Node.Security;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.AspNetCore.Mvc;
using static ActorSpool.Node.Web.Live.LiveFeedProtocol;

namespace ActorSpool.Node.Web.Live;

/// <summary>
/// The live part of the REST API on the HTTP port: the event stream, throughput, nodes, printer history (anonymous reads
/// unless actorspool.security.require-authentication) and this node's log (admins only).
/// </summary>
public static class LiveEndpoints
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    /// <summary>One log line of GET /api/v1/logs and the <c>log</c> event of /api/v1/logs/stream.</summary>
    public sealed record LogLineView(DateTimeOffset Time, string Level, string Category, string Message, string? Exception)
    {
        public static LogLineView From(LogEntry e) => new(e.Time, LiveFeedActor.Kebab(e.Level.ToString()), e.Category, e.Message, e.Exception);
    }

    public static IEndpointRouteBuilder MapLiveFeed(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").ServedOnly(NodeListener.Web);
        var reads = api.MapGroup("").AddEndpointFilter(ReadAccessAsync);
        reads.MapGet("/events", StreamEventsAsync);
        reads.MapGet("/stats", StatsAsync);
        reads.MapGet("/nodes", NodesAsync);
        reads.MapGet("/printers/{name}/history", PrinterHistoryAsync);
        api.MapGet("/logs", Logs).RequireAdmin();
        api.MapGet("/logs/stream", StreamLogsAsync).RequireAdmin();
        return app;
    }

    /// <summary>Reads are open to anonymous visitors unless every operation must authenticate.</summary>
    private static async ValueTask<object?> ReadAccessAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var settings = http.RequestServices.GetService<Authenticator>()?.Settings;
        if (settings is { RequireAuthentication: true } && !http.GetWebIdentity().Authenticated)
        {
            // A browser's own fetches (X-Requested-With) and a logged-in session's cookie get no Basic dialog.
            if (!http.Request.Headers.ContainsKey("X-Requested-With") && http.Request.Cookies.Count == 0)
                http.Response.Headers.WWWAuthenticate = "Basic realm=\"ActorSpool\"";
            return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Login required",
                detail: "This node requires every client to authenticate (actorspool.security.require-authentication).");
        }
        return await next(context);
    }

    private static async Task StreamEventsAsync(HttpContext http, [FromServices] IRequiredActor<LiveFeed> feed, [FromServices] IHostApplicationLifetime lifetime)
    {
        var actor = await feed.GetAsync(http.RequestAborted);
        var channel = ServerSentEvents.SubscriberChannel<LiveEvent>();
        actor.Tell(new SubscribeEvents(channel.Writer));
        try
        {
            await ServerSentEvents.WriteAsync(http, channel.Reader, e => (e.Type, e.Json), lifetime.ApplicationStopping);
        }
        finally
        {
            actor.Tell(new UnsubscribeEvents(channel.Writer));
        }
    }

    private static async Task<IResult> StatsAsync(string? minutes, [FromServices] IRequiredActor<LiveFeed> feed, CancellationToken ct)
    {
        var window = (int)LiveFeedActor.StatsWindow.TotalMinutes;
        var asked = window;
        if (minutes is not null && (!int.TryParse(minutes, out asked) || asked < 1 || asked > window))
            return BadParameter("minutes", $"a whole number of minutes from 1 to {window}");
        return await AskAsync<StatsView>(feed, new GetStats(asked), ct);
    }

    private static Task<IResult> NodesAsync([FromServices] IRequiredActor<LiveFeed> feed, CancellationToken ct) =>
        AskAsync<NodeView[]>(feed, GetNodes.Instance, ct);

    private static async Task<IResult> PrinterHistoryAsync(string name, [FromServices] IRequiredActor<LiveFeed> feed, [FromServices] ILiveTopology topology,
        CancellationToken ct)
    {
        if (topology.Current.FindPrinter(name) is not { } printer)
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such printer", detail: $"There is no printer named '{name}'.");
        return await AskAsync<PrinterHistoryReply>(feed, new GetPrinterHistory(printer.Name), ct, reply => reply.Changes);
    }

    private static IResult Logs(string? lines, [FromServices] LogRingBuffer log)
    {
        var count = 200;
        if (lines is not null && (!int.TryParse(lines, out count) || count < 1 || count > log.Capacity))
            return BadParameter("lines", $"a whole number from 1 to {log.Capacity}");
        return Results.Ok(log.Last(count).Select(LogLineView.From).ToArray());
    }

    /// <summary>
    /// The last <c>lines</c> log lines (default none), a <c>ready</c> event, then new lines as they come (<c>log</c> events):
    /// backlog and tail from one subscription, so a page that starts with them misses no line. A reader that falls
    /// behind loses the oldest unread.
    /// </summary>
    private static async Task StreamLogsAsync(HttpContext http, string? lines, [FromServices] LogRingBuffer log,
        [FromServices] IHostApplicationLifetime lifetime)
    {
        var backlog = 0;
        if (lines is not null && (!int.TryParse(lines, out backlog) || backlog < 0 || backlog > MaxStreamBacklog))
        {
            await BadParameter("lines", $"a whole number from 0 to {MaxStreamBacklog}").ExecuteAsync(http);
            return;
        }
        using var done = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);
        var channel = ServerSentEvents.SubscriberChannel<LogEntry?>(); // null: the backlog is out, "ready"
        var pump = Task.Run(async () =>
        {
            try
            {
                await foreach (var entry in log.FollowAsync(backlog, _ => true, done.Token, () => channel.Writer.TryWrite(null)))
                    channel.Writer.TryWrite(entry);
            }
            catch (OperationCanceledException)
            {
                // the stream ended
            }
            channel.Writer.TryComplete();
        });
        await ServerSentEvents.WriteAsync(http, channel.Reader, e => e is null
                ? ("ready", "{}")
                : ("log", System.Text.Json.JsonSerializer.Serialize(LogLineView.From(e), System.Text.Json.JsonSerializerOptions.Web)),
            lifetime.ApplicationStopping);
        await done.CancelAsync();
        await pump;
    }

    /// <summary>Below the stream's buffer (<see cref="ServerSentEvents.SubscriberCapacity"/>), so the backlog and its <c>ready</c> are never dropped.</summary>
    private const int MaxStreamBacklog = 1000;

    private static IResult BadParameter(string name, string expected) =>
        Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: $"Bad parameter '{name}'", detail: $"'{name}' must be {expected}.");

    private static Task<IResult> AskAsync<T>(IRequiredActor<LiveFeed> feed, object question, CancellationToken ct) =>
        AskAsync<T>(feed, question, ct, answer => answer);

    private static async Task<IResult> AskAsync<T>(IRequiredActor<LiveFeed> feed, object question, CancellationToken ct, Func<T, object?> body)
    {
        try
        {
            var actor = await feed.GetAsync(ct);
            return Results.Ok(body(await actor.Ask<T>(question, AskTimeout, ct)));
        }
        catch (AskTimeoutException)
        {
            return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Not answering",
                detail: $"This node's live feed did not answer within {AskTimeout.TotalSeconds:0} s.");
        }
    }
}
