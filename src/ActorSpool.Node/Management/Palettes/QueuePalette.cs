using ActorSpool.Actors.Queues;
using ActorSpool.Contracts.Spoolctl;
using ActorSpool.Domain.Jobs;
using ActorSpool.Domain.Topology;
using ActorSpool.Node.Spool;
using Akka.Actor;
using Akka.Hosting;
using static ActorSpool.Domain.Messages.JobQueueProtocol;
using static ActorSpool.Node.Management.Define;

namespace ActorSpool.Node.Management.Palettes;

/// <summary><c>queue</c>: the configured queues with their job counts; pause and resume dispatching.</summary>
public sealed class QueuePalette(ISpoolGateway spool, SpoolTopology topology, IRequiredActor<JobQueueRegion> queues) : ICommandPalette
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(30);

    private static readonly ArgumentDefinition Queue = Option("queue", 'q', "QUEUE", "queue name", mandatory: true);

    public PaletteDefinition Definition { get; } = new("queue", "Queues: job counts, printers, pause and resume",
    [
        Verb("list", "Every queue with its state, job counts and healthy printers"),
        Verb("show", "One queue: settings, printers, job counts", Queue),
        Change("pause", "Stop dispatching: the queue keeps accepting jobs and prints none until resumed (persisted)", Queue),
        Change("resume", "Dispatch again after a pause", Queue),
    ]);

    /// <summary>A queue as spoolctl shows it (also its <c>--json</c> shape).</summary>
    public sealed record QueueView(
        string Name,
        string Mode,
        bool Sequential,
        bool Paused,
        int Pending,
        int Held,
        int Processing,
        int Completed,
        int Canceled,
        int Aborted,
        IReadOnlyList<string> Printers,
        IReadOnlyList<string> AcceptingPrinters,
        int DefaultPriority,
        int MaxAttempts,
        long MaxDocumentBytes,
        int? RawPort)
    {
        public string State => Paused ? "paused" : AcceptingPrinters.Count > 0 ? "ready" : "no-printer";

        public static QueueView From(QueueDefinition q, Replies.QueueStatus s) => new(
            q.Name, q.Mode.ToString().ToLowerInvariant(), q.Sequential, s.Paused, s.Pending, s.Held, s.Processing, s.Completed, s.Canceled, s.Aborted,
            q.Printers, s.AcceptingPrinters, q.DefaultPriority, q.MaxAttempts, q.MaxDocumentBytes, q.RawPort);
    }

    public Task ExecuteAsync(CommandContext context, CancellationToken ct) => context.Verb.Name switch
    {
        "list" => ListAsync(context, ct),
        "show" => ShowAsync(context, ct),
        "pause" => PauseOrResumeAsync(context, pause: true, ct),
        "resume" => PauseOrResumeAsync(context, pause: false, ct),
        _ => throw CommandException.Usage($"queue: no verb {context.Verb.Name}"),
    };

    private async Task ListAsync(CommandContext c, CancellationToken ct)
    {
        var definitions = topology.QueueNames.Select(n => topology.Queues[n]).ToList();
        var statuses = await Task.WhenAll(definitions.Select(async q =>
        {
            try
            {
                return (Queue: q, Status: await spool.GetQueueStatusAsync(q.Name, ct), Error: (string?)null);
            }
            catch (TimeoutException e)
            {
                return (Queue: q, Status: (Replies.QueueStatus?)null, Error: e.Message);
            }
        }));
        var views = statuses.Where(s => s.Status is not null).Select(s => QueueView.From(s.Queue, s.Status!)).ToList();
        var table = new TextTable("QUEUE", "MODE", "STATE", "PENDING", "HELD", "PROCESSING", "COMPLETED", "CANCELED", "ABORTED", "PRINTERS (ready)");
        foreach (var s in statuses)
        {
            if (s.Status is null)
            {
                table.Add(s.Queue.Name, s.Queue.Mode.ToString().ToLowerInvariant(), "no answer", "?", "?", "?", "?", "?", "?", string.Join(",", s.Queue.Printers));
                continue;
            }
            var v = QueueView.From(s.Queue, s.Status);
            table.Add(v.Name, v.Mode + (v.Sequential ? ",sequential" : ""), v.State, v.Pending, v.Held, v.Processing, v.Completed, v.Canceled, v.Aborted,
                $"{string.Join(",", v.Printers)} ({v.AcceptingPrinters.Count}/{v.Printers.Count})");
        }
        await c.ReportAsync(views, table.Lines(), ct);
        foreach (var failed in statuses.Where(s => s.Error is not null))
        {
            await c.ErrorAsync($"queue {failed.Queue.Name}: {failed.Error}", ct);
            c.ExitCode = ExitCodes.Failed;
        }
    }

    private async Task ShowAsync(CommandContext c, CancellationToken ct)
    {
        var definition = Lookup.Queue(topology, c.Required("queue"));
        var v = QueueView.From(definition, await spool.GetQueueStatusAsync(definition.Name, ct));
        await c.ReportAsync(v, Describe(v), ct);
    }

    private async Task PauseOrResumeAsync(CommandContext c, bool pause, CancellationToken ct)
    {
        var definition = Lookup.Queue(topology, c.Required("queue"));
        var region = await queues.GetAsync(ct);
        object command = pause ? new Commands.PauseQueue(definition.Name, Requester.Operator) : new Commands.ResumeQueue(definition.Name, Requester.Operator);
        var status = await region.Ask<Replies.QueueStatus>(command, AskTimeout, ct);
        var v = QueueView.From(definition, status);
        var line = pause
            ? $"Queue {v.Name} paused: it accepts jobs and dispatches none ({v.Pending} pending, {v.Processing} still being delivered)"
            : $"Queue {v.Name} resumed ({v.Pending} pending)";
        await c.ReportAsync(v, [line], ct);
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
