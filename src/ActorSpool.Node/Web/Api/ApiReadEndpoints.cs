using ActorSpool.Node.Management;
using ActorSpool.Node.Management.Catalogs;

namespace ActorSpool.Node.Web.Api;

/// <summary>The REST API's read endpoints (contract: /tmp/web-contract.md, docs/api.md): cluster, queues, printers, jobs, balancer.</summary>
public static class ApiReadEndpoints
{
    /// <summary>
    /// JobView with <c>attempts</c> as the list of every attempt the job keeps (the contract's shape); JobView's own
    /// count of attempts that reached an outcome moves to <c>attemptCount</c>.
    /// </summary>
    public static System.Text.Json.Nodes.JsonObject Detail(Domain.Jobs.JobRecord job)
    {
        var json = ApiJson.With(JobView.From(job), "attemptCount", job.Attempts);
        json["attempts"] = System.Text.Json.JsonSerializer.SerializeToNode(JobAttemptView.ListOf(job), ApiJson.Options);
        return json;
    }

    public static void MapApiReads(this RouteGroupBuilder api)
    {
        api.MapGet("/cluster", async (ClusterCatalog cluster, CancellationToken ct) => Results.Ok(await cluster.ViewAsync(ct)))
            .WithSummary("Members, leader, and where the balancer and each queue run").Produces<ClusterView>();

        api.MapGet("/queues", async (QueueCatalog queues, CancellationToken ct) =>
            {
                var answers = await queues.ListAsync(ct);
                // All or nothing: a list missing a queue would read as a queue that does not exist.
                if (answers.FirstOrDefault(a => a.View is null) is { } silent) return ApiProblems.Unavailable($"queue {silent.Definition.Name}: {silent.Error}");
                return Results.Ok(answers.Select(a => a.View!).ToList());
            })
            .WithSummary("Every configured queue with its state and job counts").Produces<List<QueueView>>();

        api.MapGet("/queues/{name}", async (string name, QueueCatalog queues, ClusterCatalog cluster, CancellationToken ct) =>
            {
                if (queues.Topology.FindQueue(name) is not { } definition) return ApiProblems.NotFound($"no queue named '{name}'");
                var view = await queues.ShowAsync(definition, ct);
                return Results.Ok(ApiJson.With(view, "hostNode", await cluster.HostOfQueueAsync(definition.Name, ct)));
            })
            .WithSummary("One queue, with the member hosting it (hostNode; null when not placed yet)").Produces<QueueView>();

        api.MapGet("/printers", async (PrinterCatalog printers, CancellationToken ct) =>
            {
                var answers = await printers.ListAsync(ct);
                if (answers.FirstOrDefault(a => a.View is null) is { } silent) return ApiProblems.Unavailable($"printer {silent.Definition.Name}: {silent.Error}");
                return Results.Ok(answers.Select(a => a.View!).ToList());
            })
            .WithSummary("Every configured printer with its state, health and counters").Produces<List<PrinterView>>();

        api.MapGet("/printers/{name}", async (string name, PrinterCatalog printers, CancellationToken ct) =>
                printers.Topology.FindPrinter(name) is { } definition
                    ? Results.Ok(await printers.ShowAsync(definition, ct))
                    : ApiProblems.NotFound($"no printer named '{name}'"))
            .WithSummary("One printer").Produces<PrinterView>();

        api.MapGet("/jobs", async (HttpRequest request, JobCatalog jobs, TimeProvider clock, CancellationToken ct) =>
            {
                var q = request.Query;
                var query = JobListQuery.Parse(q["queue"], q["state"], q["user"], q["olderThan"], q["limit"], q["cursor"], jobs.Topology.QueueNames, out var bad);
                if (bad is null) query = query.WithSearch(q["search"], out bad);
                if (bad is not null) return ApiProblems.BadParameter(bad);
                var gathered = await jobs.GatherAsync(query.Queue is { } one ? [one] : jobs.Topology.QueueNames, query.Which, null, ct);
                var (page, next) = query.Apply(gathered, clock.GetUtcNow());
                return Results.Ok(new JobListView(page.Select(JobView.From).ToList(), next));
            })
            .WithSummary("Jobs of every queue, newest first: filters queue, state, user, search (part of the name or owner), olderThan; limit and cursor for paging")
            .Produces<JobListView>().ProducesProblem(StatusCodes.Status400BadRequest);

        api.MapGet("/jobs/{id:long}", async (long id, JobCatalog jobs, CancellationToken ct) =>
            {
                var found = await jobs.FindAsync(id, ct);
                return found.Job is { } job
                    ? Results.Ok(Detail(job))
                    : ApiProblems.NotFound(found.Missing ?? $"no job {id}");
            })
            .WithSummary("One job with its delivery attempts").Produces<JobView>().ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/balancer", async (BalancerCatalog balancer, CancellationToken ct) => Results.Ok(await balancer.ShowAsync(ct)))
            .WithSummary("The balancer singleton's node and the load it sees per node").Produces<BalancerView>();
    }
}

/// <summary>A page of <c>GET /api/v1/jobs</c>: the jobs and the cursor of the next page (null: no more).</summary>
public sealed record JobListView(IReadOnlyList<JobView> Jobs, string? NextCursor);
