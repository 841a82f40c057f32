using System.Globalization;
using ActorSpool.Actors.Storage;
using ActorSpool.Contracts.Spoolctl;
using ActorSpool.Domain.Jobs;
using ActorSpool.Domain.Topology;
using ActorSpool.Node.Management.Catalogs;
using ActorSpool.Node.Spool;
using ActorSpool.Node.Web.Api;
using static ActorSpool.Domain.Messages.JobQueueProtocol;
using static ActorSpool.Node.Management.Define;

namespace ActorSpool.Node.Management.Palettes;

/// <summary><c>job</c>: list and inspect jobs of every queue; cancel, hold, release and move them.</summary>
public sealed class JobPalette(JobCatalog jobs) : ICommandPalette
{
    // The REST API's state filters, the groups first as spoolctl has always listed them.
    private static readonly string[] StateFilters = ["active", "finished", "all", .. JobListQuery.StateFilters.Except(["active", "finished", "all"])];

    private static readonly ArgumentDefinition Job = Option("job", 'j', "ID", "job id", mandatory: true);

    public PaletteDefinition Definition { get; } = new("job", "Jobs of every queue: list, show, cancel, hold, release, move",
    [
        Verb("list", "Jobs of all queues (or one): unfinished ones in dispatch order, then finished ones, newest first",
            Option("queue", 'q', "QUEUE", "only this queue"),
            Option("state", 's', "STATE", "active (pending, held, processing), finished, all, held, or one state", defaultValue: "active",
                allowed: StateFilters),
            Option("user", 'u', "USER", "only jobs of this owner"),
            Option("older-than", 'o', "AGE", "only jobs submitted at least this long ago: 30s, 10m, 2h, 1d (or PT10M, or seconds)"),
            Option("limit", 'n', "N", "at most N jobs", defaultValue: "100")),
        Verb("show", "Everything known about one job, with every delivery attempt it keeps", Job),
        Change("cancel", "Cancel a job that has not finished (a job being delivered is canceled when the delivery ends)", Job),
        Change("hold", "Hold a pending job: it is not printed until released", Job),
        Change("release", "Release a held job", Job),
        Change("purge", "Remove the finished jobs (completed, canceled, aborted) that finished before a date from their queues, and delete their documents",
            Option("finished-before", 'b', "DATE", "a date (2026-12-01: midnight UTC) or a time (2026-12-01T08:00:00+01:00)", mandatory: true),
            Option("queue", 'q', "QUEUE", "only this queue")),
        Change("move", "Move a pending or held job to another queue: a new job (new id) with the same documents there, the old one canceled",
            Job, Option("queue", 'q', "QUEUE", "target queue", mandatory: true)),
    ]);

    public Task ExecuteAsync(CommandContext context, CancellationToken ct) => context.Verb.Name switch
    {
        "list" => ListAsync(context, ct),
        "show" => ShowAsync(context, ct),
        "cancel" => ChangeAsync(context, JobChange.Cancel, "canceled", ct),
        "hold" => ChangeAsync(context, JobChange.Hold, "held", ct),
        "release" => ChangeAsync(context, JobChange.Release, "released", ct),
        "move" => MoveAsync(context, ct),
        "purge" => PurgeAsync(context, ct),
        _ => throw CommandException.Usage($"job: no verb {context.Verb.Name}"),
    };

    private async Task ListAsync(CommandContext c, CancellationToken ct)
    {
        var queues = c.Value("queue") is { } name ? [Lookup.Queue(jobs.Topology, name).Name] : jobs.Topology.QueueNames;
        var filter = c.Value("state") ?? "active";
        var limit = c.Int("limit", 1, 100_000);
        // The REST API's filters (GET /api/v1/jobs), so both select the same jobs; the queue is resolved above.
        var query = JobListQuery.Parse(null, filter, c.Value("user"), c.Value("older-than"), null, null, jobs.Topology.QueueNames, out var bad);
        if (bad is not null) throw CommandException.Usage($"job list: {(bad.Parameter == "olderThan" ? "--older-than" : "--" + bad.Parameter)}: {bad.Detail}");
        var gathered = await jobs.GatherAsync(queues, query.Which, query.User, ct);
        var now = DateTimeOffset.UtcNow;
        var selected = gathered.Where(j => query.Matches(j, now)).ToList();
        if (query.OlderThan is not null) filter += $", submitted {c.Value("older-than")} ago or earlier";
        var ordered = selected.Where(j => !j.State.IsTerminal()).OrderByDescending(j => j.Priority).ThenBy(j => j.SubmittedAt)
            .Concat(selected.Where(j => j.State.IsTerminal()).OrderByDescending(j => j.CompletedAt ?? j.SubmittedAt).ThenByDescending(j => j.JobId))
            .ToList();
        var shown = ordered.Take(limit).Select(JobView.From).ToList();
        var table = new TextTable("ID", "QUEUE", "STATE", "PRI", "OWNER", "NAME", "PRINTER", "TRIES", "SIZE", "SUBMITTED");
        foreach (var j in shown)
        {
            table.Add(j.Id, j.Queue, j.State, j.Priority, j.Owner, Truncate(j.Name, 32), j.Printer, j.Attempts, Show.Size(j.Bytes), Show.Time(j.SubmittedAt));
        }
        var summary = $"{shown.Count} job(s)" + (ordered.Count > shown.Count ? $" of {ordered.Count} (raise -n to see more)" : "") + $" ({filter})";
        await c.ReportAsync(shown, shown.Count == 0 ? [$"No jobs ({filter})"] : table.Lines().Append(summary), ct);
    }

    private async Task ShowAsync(CommandContext c, CancellationToken ct)
    {
        var (_, job) = await FindAsync(c.Long("job"), ct);
        var j = JobView.From(job);
        await c.ReportAsync(j,
        [
            $"Job:         {j.Id}",
            $"Queue:       {j.Queue}",
            $"State:       {j.State} ({string.Join(", ", j.Reasons)})",
            $"Owner:       {j.Owner}",
            $"Name:        {j.Name}",
            $"Priority:    {j.Priority}",
            $"Documents:   {j.Documents} ({Show.Size(j.Bytes)}): {string.Join("; ", job.Documents.Select(d => $"#{d.Number} {d.Name ?? "(unnamed)"} {d.Format} {Show.Size(d.Length)}"))}",
            $"Copies:      {j.Copies}{(j.Copies > 1 && j.Documents > 1 ? (j.UncollatedCopies ? " (uncollated)" : " (collated)") : "")}",
            $"Printer:     {Show.Or(j.Printer)}",
            $"Attempts:    {j.Attempts} (dispatched {j.Dispatches} time(s))",
            $"Submitted:   {Show.Time(j.SubmittedAt)}",
            $"Processing:  {Show.Time(j.ProcessingAt)}",
            $"Finished:    {Show.Time(j.CompletedAt)}",
            .. j.CanceledBy is null ? Array.Empty<string>() : [$"Canceled by: {j.CanceledBy}"],
            .. j.LastError is null ? Array.Empty<string>() : [$"Last error:  {j.LastError}"],
            .. AttemptLines(JobAttemptView.ListOf(job)),
        ], ct);
    }

    /// <summary>Every attempt the job keeps, as an indented table under the job's fields (nothing before its first dispatch).</summary>
    private static IEnumerable<string> AttemptLines(IReadOnlyList<JobAttemptView> attempts)
    {
        if (attempts.Count == 0) return [];
        var table = new TextTable("#", "PRINTER", "NODE", "OUTCOME", "STARTED", "ENDED", "ERROR");
        foreach (var a in attempts) table.Add(a.Attempt, a.Printer, a.Node, a.Outcome, Show.Time(a.StartedAt), Show.Time(a.EndedAt), a.Error);
        return table.Lines().Select(line => "  " + line).Prepend($"Attempt history ({attempts.Count}, oldest first):");
    }

    private async Task ChangeAsync(CommandContext c, JobChange change, string done, CancellationToken ct)
    {
        var id = c.Long("job");
        var (queue, before) = await FindAsync(id, ct);
        var result = await jobs.ChangeAsync(queue, id, change, Requester.Operator, ct);
        if (result.Outcome != CommandOutcome.Ok)
        {
            throw new CommandException(result.Message ?? $"job {id} could not be {done} ({result.Outcome})");
        }
        var after = result.Job ?? before;
        await c.ReportAsync(JobView.From(after), [$"Job {id} {done} (queue {queue}, was {before.State.ToKeyword()}, now {after.State.ToKeyword()})"], ct);
    }

    /// <summary>Moves a pending or held job to another queue (<see cref="JobCatalog.MoveAsync"/>).</summary>
    private async Task MoveAsync(CommandContext c, CancellationToken ct)
    {
        var id = c.Long("job");
        var target = Lookup.Queue(jobs.Topology, c.Required("queue"));
        var (source, job) = await FindAsync(id, ct);
        var move = await jobs.MoveAsync(source, job, target, Requester.Operator, ct);
        if (move.Outcome != CommandOutcome.Ok) throw new CommandException(move.Message ?? $"job {id} cannot be moved ({move.Outcome})");
        var data = new { from = new { queue = source, job = id }, to = new { queue = target.Name, job = move.NewJobId }, state = move.Moved?.State.ToKeyword() };
        if (move.OriginalNotCanceled is { } why)
        {
            await c.ReportAsync(data, [$"Job {id} copied to {target.Name} as job {move.NewJobId}, but the original could not be canceled: {why}"], ct);
            c.ExitCode = ExitCodes.Failed;
            return;
        }
        await c.ReportAsync(data, [$"Job {id} moved from {source} to {target.Name} as job {move.NewJobId} ({move.Moved?.State.ToKeyword() ?? "accepted"})"], ct);
    }

    /// <summary>Removes finished jobs older than a date from one queue or all, and says how many per queue.</summary>
    private async Task PurgeAsync(CommandContext c, CancellationToken ct)
    {
        var text = c.Required("finished-before");
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var before))
        {
            throw CommandException.Usage($"job purge: --finished-before: '{text}' is no date; give 2026-12-01 or 2026-12-01T08:00:00Z");
        }
        var queues = c.Value("queue") is { } name ? [Lookup.Queue(jobs.Topology, name).Name] : jobs.Topology.QueueNames;
        var results = await jobs.PurgeFinishedAsync(queues, before, Requester.Operator, ct);
        var table = new TextTable("QUEUE", "PURGED");
        foreach (var (queue, result) in results) table.Add(queue, result.Outcome == CommandOutcome.Ok ? result.Count.ToString(CultureInfo.InvariantCulture) : $"refused: {result.Message}");
        var purged = results.Where(r => r.Result.Outcome == CommandOutcome.Ok).Sum(r => r.Result.Count);
        var data = results.Select(r => new { queue = r.Queue, purged = r.Result.Count, outcome = r.Result.Outcome.ToString(), message = r.Result.Message }).ToList();
        await c.ReportAsync(data, table.Lines().Append($"{purged} finished job(s) that finished before {before:yyyy-MM-dd HH:mm:ss zzz} purged; their documents are deleted"), ct);
        if (results.Any(r => r.Result.Outcome != CommandOutcome.Ok)) c.ExitCode = ExitCodes.Failed;
    }

    private async Task<(string Queue, JobRecord Job)> FindAsync(long id, CancellationToken ct)
    {
        var found = await jobs.FindAsync(id, ct);
        return found is { Queue: { } queue, Job: { } job } ? (queue, job) : throw new CommandException(found.Missing ?? $"no job {id}");
    }

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
