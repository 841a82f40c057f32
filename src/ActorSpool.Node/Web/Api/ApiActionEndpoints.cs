using System.Globalization;
using System.Text.Json;
using ActorSpool.Domain.Jobs;
using ActorSpool.Node.Management;
using ActorSpool.Node.Management.Catalogs;
using ActorSpool.Node.Spool;
using static ActorSpool.Domain.Messages.JobQueueProtocol;

namespace ActorSpool.Node.Web.Api;

/// <summary>The REST API's actions (all POST): pause/resume queues and printers, test pages, job changes and moves, submitting.</summary>
public static class ApiActionEndpoints
{
    public static void MapApiActions(this RouteGroupBuilder api)
    {
        api.MapPost("/queues/{name}/pause", (string name, HttpContext http, QueueCatalog queues, CancellationToken ct) => PauseQueueAsync(name, true, http, queues, ct))
            .RequireAdmin().WithSummary("Stop dispatching (admin): the queue accepts jobs and prints none until resumed").Produces<QueueView>();
        api.MapPost("/queues/{name}/resume", (string name, HttpContext http, QueueCatalog queues, CancellationToken ct) => PauseQueueAsync(name, false, http, queues, ct))
            .RequireAdmin().WithSummary("Dispatch again after a pause (admin)").Produces<QueueView>();

        api.MapPost("/printers/{name}/pause", (string name, PrinterCatalog printers, CancellationToken ct) => PausePrinterAsync(name, true, printers, ct))
            .RequireAdmin().WithSummary("Send the printer no more jobs (admin)").Produces<PrinterView>();
        api.MapPost("/printers/{name}/resume", (string name, PrinterCatalog printers, CancellationToken ct) => PausePrinterAsync(name, false, printers, ct))
            .RequireAdmin().WithSummary("Send the printer jobs again (admin)").Produces<PrinterView>();
        api.MapPost("/printers/{name}/test", TestPageAsync)
            .RequireAdmin().WithSummary("Print a test page on the printer directly and wait for the outcome (admin)").Produces<PrinterView>();

        foreach (var change in Enum.GetValues<JobChange>())
        {
            var verb = change.ToString().ToLowerInvariant();
            api.MapPost($"/jobs/{{id:long}}/{verb}", (long id, HttpContext http, JobCatalog jobs, CancellationToken ct) => ChangeJobAsync(id, change, http, jobs, ct))
                .WithSummary($"{change} the job (its owner or an admin)").Produces<JobView>();
        }
        api.MapPost("/jobs/{id:long}/move", MoveJobAsync)
            .WithSummary("Move a pending or held job to another queue (its owner or an admin): body { \"queue\": \"other\" }; answers the new job")
            .Produces<JobView>();

        api.MapPost("/queues/{name}/jobs", SubmitAsync)
            .WithSummary("Submit a job: the body is the document; name, format, copies, priority, requestingUserName in the query (or X-Job-* headers)")
            .Produces<JobView>(StatusCodes.Status201Created).ProducesProblem(StatusCodes.Status413PayloadTooLarge);
    }

    /// <summary>The body of <c>POST /api/v1/jobs/{id}/move</c>.</summary>
    public sealed record MoveRequest(string? Queue);

    private static async Task<IResult> PauseQueueAsync(string name, bool pause, HttpContext http, QueueCatalog queues, CancellationToken ct)
    {
        if (queues.Topology.FindQueue(name) is not { } queue) return ApiProblems.NotFound($"no queue named '{name}'");
        var change = await queues.PauseOrResumeAsync(queue, pause, http.GetWebIdentity().AsRequester(), ct);
        return change.View is { } view ? Results.Ok(view) : Refused(http, change.Refusal!);
    }

    private static async Task<IResult> PausePrinterAsync(string name, bool pause, PrinterCatalog printers, CancellationToken ct) =>
        printers.Topology.FindPrinter(name) is { } printer
            ? Results.Ok(await printers.PauseOrResumeAsync(printer, pause, ct))
            : ApiProblems.NotFound($"no printer named '{name}'");

    /// <summary>200 with the printer's view and <c>testPage</c> when printed; 409 when the printer failed it; 503 without a report in time.</summary>
    private static async Task<IResult> TestPageAsync(string name, HttpContext http, PrinterCatalog printers, CancellationToken ct)
    {
        if (printers.Topology.FindPrinter(name) is not { } printer) return ApiProblems.NotFound($"no printer named '{name}'");
        var result = await printers.TestPageAsync(printer, http.GetWebIdentity().User ?? "web", null, ct);
        if (result.Finished is not { } finished) return ApiProblems.Unavailable($"printer {name} did not report the test page within {result.Waited.TotalSeconds:0} s");
        if (finished.Outcome != DeliveryOutcome.Delivered) return ApiProblems.Conflict($"test page on {name} not printed: {finished.Error ?? finished.Outcome.ToString()}");
        var page = new { delivery = result.Delivery, outcome = finished.Outcome.ToString().ToLowerInvariant(), bytes = finished.Bytes };
        return Results.Ok(ApiJson.With(await printers.ShowAsync(printer, ct), "testPage", page));
    }

    private static async Task<IResult> ChangeJobAsync(long id, JobChange change, HttpContext http, JobCatalog jobs, CancellationToken ct)
    {
        if (LoginFirst(http) is { } login) return login;
        var found = await jobs.FindAsync(id, ct);
        if (found is not { Queue: { } queue, Job: { } before }) return ApiProblems.NotFound(found.Missing ?? $"no job {id}");
        var result = await jobs.ChangeAsync(queue, id, change, http.GetWebIdentity().AsRequester(), ct);
        return result.Outcome == CommandOutcome.Ok ? Results.Ok(JobView.From(result.Job ?? before)) : Refused(http, result);
    }

    private static async Task<IResult> MoveJobAsync(long id, HttpContext http, JobCatalog jobs, CancellationToken ct)
    {
        if (LoginFirst(http) is { } login) return login;
        MoveRequest? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<MoveRequest>(http.Request.Body, ApiJson.Options, ct);
        }
        catch (JsonException e)
        {
            return ApiProblems.BadRequest($"the body is not JSON {{ \"queue\": \"name\" }}: {e.Message}");
        }
        if (string.IsNullOrWhiteSpace(body?.Queue)) return ApiProblems.BadRequest("the body names no target queue: { \"queue\": \"name\" }", "queue");
        if (jobs.Topology.FindQueue(body.Queue) is not { } target) return ApiProblems.NotFound($"no queue named '{body.Queue}'");
        var found = await jobs.FindAsync(id, ct);
        if (found is not { Queue: { } source, Job: { } job }) return ApiProblems.NotFound(found.Missing ?? $"no job {id}");
        var move = await jobs.MoveAsync(source, job, target, http.GetWebIdentity().AsRequester(), ct);
        if (move.Outcome != CommandOutcome.Ok) return Refused(http, new Replies.CommandResult(move.Outcome, move.Message, null));
        var moved = move.Moved ?? (await jobs.FindAsync(move.NewJobId, ct)).Job;
        if (moved is null) return ApiProblems.Unavailable($"job {id} was copied to {target.Name} as job {move.NewJobId}, which does not answer yet");
        var view = ApiJson.With(JobView.From(moved), "movedFrom", new { queue = source, job = id, canceled = move.OriginalNotCanceled is null });
        return Results.Ok(view);
    }

    /// <summary>
    /// A new job through the one intake every ingress uses (intake limit, disk guard, the queue's size limit and
    /// quotas). The owner is the logged-in user, else <c>requestingUserName</c> (as IPP's requesting-user-name).
    /// </summary>
    private static async Task<IResult> SubmitAsync(string name, HttpContext http, JobIntake intake, QueueCatalog queues, CancellationToken ct)
    {
        if (queues.Topology.FindQueue(name) is not { } queue) return ApiProblems.NotFound($"no queue named '{name}'");
        var identity = http.GetWebIdentity();
        if (!identity.Authenticated && http.RequestServices.GetService<Security.Authenticator>()?.Settings.RequireAuthentication == true)
        {
            return ApiProblems.Unauthorized(http, "This spooler requires a login for everything (actorspool.security.require-authentication).");
        }
        var request = http.Request;
        string? Value(string key) => request.Query[key] is { Count: > 0 } q ? q.ToString() : request.Headers[$"X-Job-{key}"] is { Count: > 0 } h ? h.ToString() : null;

        var owner = identity.Authenticated ? identity.User! : Value("requestingUserName") is { Length: > 0 } claimed ? claimed : "anonymous";
        var job = new NewJob(queue, owner, Value("name") is { Length: > 0 } jobName ? jobName : "untitled");
        if (Value("copies") is { } copiesText)
        {
            if (!int.TryParse(copiesText, NumberStyles.None, CultureInfo.InvariantCulture, out var copies) || new Copies(copies, false).Problem() is not null)
                return ApiProblems.BadRequest($"copies '{copiesText}' must be a whole number from 1 to {Copies.Max}", "copies");
            job = job with { Copies = new Copies(copies, false) };
        }
        if (Value("priority") is { } priorityText)
        {
            if (!int.TryParse(priorityText, NumberStyles.None, CultureInfo.InvariantCulture, out var priority) || priority is < 1 or > 100)
                return ApiProblems.BadRequest($"priority '{priorityText}' must be a whole number from 1 to 100", "priority");
            job = job with { Priority = priority };
        }
        var contentType = request.ContentType?.Split(';')[0].Trim();
        var format = Value("format") ?? (string.IsNullOrEmpty(contentType) ? "application/octet-stream" : contentType);

        var result = await intake.SubmitNewJobAsync(job, request.Body, format, job.Name, ct);
        switch (result)
        {
            case IntakeResult.Accepted accepted:
                return Results.Created($"{SpoolApi.Prefix}/jobs/{accepted.Job.JobId}", JobView.From(accepted.Job));
            case IntakeResult.TooLarge tooLarge:
                return Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Document too large",
                    detail: $"queue {queue.Name} takes documents up to {tooLarge.Limit} bytes");
            case IntakeResult.EmptyDocument:
                return ApiProblems.BadRequest("the document is empty: send it as the request body");
            case IntakeResult.Busy busy:
                http.Response.Headers.RetryAfter = "1";
                return ApiProblems.Unavailable($"the node is taking {busy.MaxConcurrent} submissions already; try again shortly");
            case IntakeResult.DiskLow low:
                return ApiProblems.Unavailable(low.Reason);
            case IntakeResult.Rejected { Kind: Rejection.TooManyJobs } limit:
                return Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many jobs", detail: limit.Reason);
            case IntakeResult.Rejected rejected:
                return ApiProblems.Conflict(rejected.Reason);
            default:
                throw new InvalidOperationException($"unexpected intake result {result.GetType().Name}");
        }
    }

    /// <summary>Changes need a login: an anonymous request gets 401 before anything is looked up.</summary>
    private static IResult? LoginFirst(HttpContext http) =>
        http.GetWebIdentity().Authenticated ? null : ApiProblems.Unauthorized(http, "Log in to change jobs (Basic, a token from POST /api/v1/tokens, or the login form).");

    /// <summary>The queue's refusal as a problem: not authenticated 401, not allowed 403, unknown 404, otherwise 409.</summary>
    private static IResult Refused(HttpContext http, Replies.CommandResult result) => result.Outcome switch
    {
        CommandOutcome.NotAuthenticated => ApiProblems.Unauthorized(http, result.Message ?? "log in first"),
        CommandOutcome.NotAuthorized => ApiProblems.Forbidden(result.Message ?? "not allowed"),
        CommandOutcome.NotFound => ApiProblems.NotFound(result.Message ?? "not found"),
        _ => ApiProblems.Conflict(result.Message ?? result.Outcome.ToString()),
    };
}
