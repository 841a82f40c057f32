using ActorSpool.Contracts.Spoolctl;
using ActorSpool.Domain.Jobs;
using ActorSpool.Domain.Topology;
using ActorSpool.Node.Management.Catalogs;
using static ActorSpool.Node.Management.Define;

namespace ActorSpool.Node.Management.Palettes;

/// <summary><c>queue</c>: the queues with their job counts; pause and resume dispatching; add, set, remove in the live topology.</summary>
public sealed class QueuePalette(QueueCatalog catalog, TopologyCatalog topology) : ICommandPalette
{
    private static readonly ArgumentDefinition Queue = Option("queue", 'q', "QUEUE", "queue name", mandatory: true);

    public PaletteDefinition Definition { get; } = new("queue", "Queues: job counts, printers, pause and resume",
    [
        Verb("list", "Every queue with its state, job counts and healthy printers"),
        Verb("show", "One queue: settings, printers, job counts", Queue),
        Change("pause", "Stop dispatching: the queue keeps accepting jobs and prints none until resumed (persisted)", Queue),
        Change("resume", "Dispatch again after a pause", Queue),
        Change("add", "Add a queue to the live topology (every node, kept across restarts); its printers must exist",
            [Queue, .. TopologyEditing.QueueArguments]),
        Change("set", "Change a queue in the live topology (only the options given); jobs already accepted keep their place",
            [Queue, .. TopologyEditing.QueueArguments]),
        Change("remove", "Remove a queue from the live topology; refused while it holds unfinished jobs unless --force",
            Queue,
            Flag("force", 'F', "move (--move-to) or cancel the unfinished jobs first; jobs being printed finish (move) or are canceled"),
            Option("move-to", 't', "QUEUE", "with --force: move pending and held jobs to this queue (default: cancel them)")),
        Change("default", "Make a queue the default (for jobs that name none)", Queue),
    ]);

    public Task ExecuteAsync(CommandContext context, CancellationToken ct) => context.Verb.Name switch
    {
        "list" => ListAsync(context, ct),
        "show" => ShowAsync(context, ct),
        "pause" => PauseOrResumeAsync(context, pause: true, ct),
        "resume" => PauseOrResumeAsync(context, pause: false, ct),
        "add" => PutAsync(context, PutMode.Add, ct),
        "set" => PutAsync(context, PutMode.Set, ct),
        "remove" => RemoveAsync(context, ct),
        "default" => DefaultAsync(context, ct),
        _ => throw CommandException.Usage($"queue: no verb {context.Verb.Name}"),
    };

    private async Task ListAsync(CommandContext c, CancellationToken ct)
    {
        var answers = await catalog.ListAsync(ct);
        var table = new TextTable("QUEUE", "MODE", "STATE", "PENDING", "HELD", "PROCESSING", "COMPLETED", "CANCELED", "ABORTED", "PRINTERS (ready)");
        foreach (var a in answers)
        {
            if (a.View is not { } v)
            {
                table.Add(a.Definition.Name, a.Definition.Mode.ToString().ToLowerInvariant(), "no answer", "?", "?", "?", "?", "?", "?", string.Join(",", a.Definition.Printers));
                continue;
            }
            table.Add(v.Name, v.Mode + (v.Sequential ? ",sequential" : ""), v.State, v.Pending, v.Held, v.Processing, v.Completed, v.Canceled, v.Aborted,
                $"{string.Join(",", v.Printers)} ({v.AcceptingPrinters.Count}/{v.Printers.Count})");
        }
        await c.ReportAsync(answers.Where(a => a.View is not null).Select(a => a.View).ToList(), table.Lines(), ct);
        foreach (var failed in answers.Where(a => a.Error is not null))
        {
            await c.ErrorAsync($"queue {failed.Definition.Name}: {failed.Error}", ct);
            c.ExitCode = ExitCodes.Failed;
        }
    }

    private async Task ShowAsync(CommandContext c, CancellationToken ct)
    {
        var v = await catalog.ShowAsync(Lookup.Queue(catalog.Topology, c.Required("queue")), ct);
        await c.ReportAsync(v, Describe(v), ct);
    }

    private async Task PauseOrResumeAsync(CommandContext c, bool pause, CancellationToken ct)
    {
        var change = await catalog.PauseOrResumeAsync(Lookup.Queue(catalog.Topology, c.Required("queue")), pause, Requester.Operator, ct);
        var v = change.View ?? throw new CommandException(change.Refusal?.Message ?? "the queue refused");
        var line = pause
            ? $"Queue {v.Name} paused: it accepts jobs and dispatches none ({v.Pending} pending, {v.Processing} still being delivered)"
            : $"Queue {v.Name} resumed ({v.Pending} pending)";
        await c.ReportAsync(v, [line], ct);
    }

    private Task PutAsync(CommandContext c, PutMode mode, CancellationToken ct) =>
        TopologyEditing.PutAsync(c, topology, mode, "queue", (t, name) => t.FindQueue(name),
            (name, old) => TopologyEditing.Queue(c, old?.Name ?? name, old), q => new TopologyEdit.PutQueue(q, mode),
            q => (q.Name, TopologyWriter.QueueFields(q)), ct);

    private async Task RemoveAsync(CommandContext c, CancellationToken ct)
    {
        var queue = Lookup.Queue(topology.Topology, c.Required("queue"));
        if (c.Value("move-to") is not null && !c.Flag("force")) throw CommandException.Usage("queue remove: --move-to goes with --force");
        var force = c.Flag("force") ? new QueueRemoval(c.Value("move-to")) : null;
        var removal = await topology.RemoveQueueAsync(queue.Name, force, "spoolctl", ct);
        await TopologyEditing.ReportAsync(c, removal.Change, $"Queue {queue.Name} removed", removal.JobLines, ct);
    }

    private async Task DefaultAsync(CommandContext c, CancellationToken ct)
    {
        var queue = Lookup.Queue(topology.Topology, c.Required("queue"));
        var result = await topology.ChangeAsync([new TopologyEdit.SetDefaultQueue(queue.Name)], "spoolctl", ct);
        await TopologyEditing.ReportAsync(c, result, $"Queue {queue.Name} is the default queue", null, ct);
    }

    private static IEnumerable<string> Describe(QueueView v) =>
    [
        $"Queue:        {v.Name}",
        $"State:        {v.State}",
        $"Mode:         {v.Mode}{(v.Sequential ? ", sequential (one job at a time, in submission order)" : "")}",
        $"Printers:     {string.Join(", ", v.Printers.Select(p => v.AcceptingPrinters.Contains(p) ? $"{p} (ready)" : $"{p} (not accepting)"))}",
        $"Jobs:         {v.Pending} pending, {v.Held} held, {v.Processing} processing, {v.Completed} completed, {v.Canceled} canceled, {v.Aborted} aborted",
        $"Priority:     {v.DefaultPriority} by default",
        $"Attempts:     at most {v.MaxAttempts} per job",
        $"Max document: {Show.Size(v.MaxDocumentBytes)}",
        $"Raw port:     {(v.RawPort is { } port ? port.ToString(System.Globalization.CultureInfo.InvariantCulture) : "-")}",
    ];
}
