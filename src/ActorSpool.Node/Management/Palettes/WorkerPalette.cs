using ActorSpool.Actors.Hosting;
using ActorSpool.Actors.Workers;
using ActorSpool.Contracts.Spoolctl;
using Akka.Actor;
using Akka.Cluster;
using static ActorSpool.Domain.Messages.WorkerProtocol;
using static ActorSpool.Node.Management.Define;

namespace ActorSpool.Node.Management.Palettes;

/// <summary><c>worker</c>: the spool workers of every worker node, what each is doing and has done.</summary>
public sealed class WorkerPalette(ActorSystem system) : ICommandPalette
{
    /// <summary>Where <see cref="SpoolWorkerHosting.WithSpoolWorkers"/> starts a node's worker pool.</summary>
    public const string PoolPath = "/user/" + SpoolWorkerHosting.PoolName;

    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);

    public PaletteDefinition Definition { get; } = new("worker", "Spool workers of every node",
    [
        Verb("list", "Every spool worker of every Up worker node: busy with which job on which printer, jobs done and failed"),
    ]);

    public sealed record WorkerView(string Node, string Worker, string State, string? Queue, long? Job, string? Printer, long Completed, long Failed)
    {
        public string? Site { get; init; }
    }

    public async Task ExecuteAsync(CommandContext c, CancellationToken ct)
    {
        if (c.Verb.Name != "list") throw CommandException.Usage($"worker: no verb {c.Verb.Name}");
        var nodes = Cluster.Get(system).State.Members
            .Where(m => m.Status == MemberStatus.Up && m.HasRole(SpoolRoles.Worker))
            .Select(m => m.Address)
            .OrderBy(a => a.ToString(), StringComparer.Ordinal)
            .ToList();
        var answers = await Task.WhenAll(nodes.Select(async node =>
        {
            try
            {
                var statuses = await system.ActorSelection(node + PoolPath).Ask<WorkerStatus[]>(GetWorkerStatus.Instance, AskTimeout, ct);
                return (Node: node, Workers: statuses, Error: (string?)null);
            }
            catch (Exception e) when (e is AskTimeoutException or ActorNotFoundException)
            {
                return (Node: node, Workers: Array.Empty<WorkerStatus>(), Error: e.Message);
            }
        }));

        var views = answers.SelectMany(a => a.Workers
                .OrderBy(w => w.Worker.Length).ThenBy(w => w.Worker, StringComparer.Ordinal)
                .Select(w => new WorkerView(a.Node.ToString(), w.Worker.Split('/')[^1], w.JobId is null ? "idle" : "busy", w.Queue, w.JobId, w.Printer, w.Completed, w.Failed) { Site = w.Site }))
            .ToList();
        var table = new TextTable("NODE", "SITE", "WORKER", "STATE", "QUEUE", "JOB", "PRINTER", "COMPLETED", "FAILED");
        foreach (var w in views) table.Add(w.Node, w.Site ?? "-", w.Worker, w.State, w.Queue, w.Job, w.Printer, w.Completed, w.Failed);
        var busy = views.Count(w => w.State == "busy");
        await c.ReportAsync(views, table.Lines().Append($"{views.Count} worker(s) on {nodes.Count} node(s), {busy} busy"), ct);
        foreach (var failed in answers.Where(a => a.Error is not null))
        {
            await c.ErrorAsync($"workers of {failed.Node}: no answer ({failed.Error})", ct);
            c.ExitCode = ExitCodes.Failed;
        }
    }
}
