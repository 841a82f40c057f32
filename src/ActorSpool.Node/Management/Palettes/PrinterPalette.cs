using System.Text;
using ActorSpool.Actors;
using ActorSpool.Actors.Printers;
using ActorSpool.Actors.Storage;
using ActorSpool.Contracts.Spoolctl;
using ActorSpool.Domain.Jobs;
using ActorSpool.Domain.Topology;
using Akka.Actor;
using Akka.Cluster;
using Akka.Hosting;
using static ActorSpool.Domain.Messages.PrinterProtocol;
using static ActorSpool.Node.Management.Define;

namespace ActorSpool.Node.Management.Palettes;

/// <summary><c>printer</c>: every device's health and counters; pause, resume, test page.</summary>
public sealed class PrinterPalette(
    ActorSystem system,
    SpoolTopology topology,
    SpoolSettings settings,
    IDocumentStore documents,
    IRequiredActor<PrinterRegion> printers) : ICommandPalette
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(15);

    private static readonly ArgumentDefinition Printer = Option("printer", 'p', "PRINTER", "printer name", mandatory: true);

    public PaletteDefinition Definition { get; } = new("printer", "Printers: health, counters, pause, resume, test page",
    [
        Verb("list", "Every printer with its state, health and counters"),
        Verb("show", "One printer: device URIs, queues, state, reasons, breaker, last error", Printer),
        Change("pause", "Stop sending jobs to the printer (its queues use the other printers of their pool); not kept across a restart of the printer entity", Printer),
        Change("resume", "Send jobs to the printer again", Printer),
        Change("test", "Print a small test page on the printer directly (not through a queue), and wait for the outcome", Printer),
    ]);

    public Task ExecuteAsync(CommandContext context, CancellationToken ct) => context.Verb.Name switch
    {
        "list" => ListAsync(context, ct),
        "show" => ShowAsync(context, ct),
        "pause" => CommandAsync(context, p => new PausePrinter(p), "paused", ct),
        "resume" => CommandAsync(context, p => new ResumePrinter(p), "resumed", ct),
        "test" => TestPageAsync(context, ct),
        _ => throw CommandException.Usage($"printer: no verb {context.Verb.Name}"),
    };

    private PrinterView View(PrinterDefinition definition, PrinterStatus status) =>
        PrinterView.From(definition, topology.QueuesUsing(definition.Name).Select(q => q.Name), status);

    private async Task<PrinterStatus> AskAsync(object message, CancellationToken ct)
    {
        var region = await printers.GetAsync(ct);
        return await region.Ask<PrinterStatus>(message, AskTimeout, ct);
    }

    private async Task ListAsync(CommandContext c, CancellationToken ct)
    {
        var answers = await Task.WhenAll(topology.PrinterNames.Select(async name =>
        {
            var definition = topology.Printers[name];
            try
            {
                return (Definition: definition, View: View(definition, await AskAsync(new GetPrinterStatus(name), ct)), Error: (string?)null);
            }
            catch (AskTimeoutException e)
            {
                return (Definition: definition, View: (PrinterView?)null, Error: e.Message);
            }
        }));
        var table = new TextTable("PRINTER", "STATE", "ACCEPTING", "REACHABLE", "PAUSED", "BREAKER", "ACTIVE", "WAITING", "DELIVERED", "FAILED", "QUEUES", "URI");
        foreach (var a in answers)
        {
            if (a.View is not { } v)
            {
                table.Add(a.Definition.Name, "no answer", "?", "?", "?", "?", "?", "?", "?", "?", "", a.Definition.Uri);
                continue;
            }
            table.Add(v.Name, v.State, Show.YesNo(v.Accepting), Show.YesNo(v.Reachable), Show.YesNo(v.Paused), v.BreakerOpen ? "open" : "closed",
                v.ActiveDeliveries, v.WaitingDeliveries, v.Delivered, v.Failed, string.Join(",", v.Queues), v.UsingFallback ? $"{v.FallbackUri} (fallback)" : v.Uri);
        }
        await c.ReportAsync(answers.Where(a => a.View is not null).Select(a => a.View).ToList(), table.Lines(), ct);
        foreach (var failed in answers.Where(a => a.Error is not null))
        {
            await c.ErrorAsync($"printer {failed.Definition.Name}: no answer: {failed.Error}", ct);
            c.ExitCode = ExitCodes.Failed;
        }
    }

    private async Task ShowAsync(CommandContext c, CancellationToken ct)
    {
        var definition = Lookup.Printer(topology, c.Required("printer"));
        var v = View(definition, await AskAsync(new GetPrinterStatus(definition.Name), ct));
        await c.ReportAsync(v, Describe(v), ct);
    }

    private async Task CommandAsync(CommandContext c, Func<string, object> command, string done, CancellationToken ct)
    {
        var definition = Lookup.Printer(topology, c.Required("printer"));
        var v = View(definition, await AskAsync(command(definition.Name), ct));
        await c.ReportAsync(v, [$"Printer {v.Name} {done}: {v.State}, {(v.Accepting ? "accepting jobs" : "not accepting jobs")} ({string.Join(", ", v.Reasons)})"], ct);
    }

    /// <summary>
    /// Stores a one-page text document under a fresh job id and asks the printer entity to deliver it, exactly
    /// as a worker would (one delivery at a time, breaker, fallback path); the id is dropped afterwards.
    /// </summary>
    private async Task TestPageAsync(CommandContext c, CancellationToken ct)
    {
        var definition = Lookup.Printer(topology, c.Required("printer"));
        var queue = topology.QueuesUsing(definition.Name).FirstOrDefault()?.Name ?? topology.DefaultQueue;
        var page = Encoding.UTF8.GetBytes(
            $"ActorSpool test page\r\n\r\nPrinter:  {definition.Name}\r\nDevice:   {definition.Uri}\r\nNode:     {Cluster.Get(system).SelfAddress}\r\n" +
            $"Time:     {DateTimeOffset.Now:yyyy-MM-dd HH:mm:ss zzz}\r\n\r\nIf you can read this, the printer works.\r\n\f");
        var jobId = await documents.AllocateJobIdAsync(queue, ct);
        try
        {
            using (var content = new MemoryStream(page))
            {
                await documents.WriteDocumentAsync(jobId, 1, content, "text/plain", "spoolctl test page", page.Length, allowEmpty: false, ct);
            }
            var region = await printers.GetAsync(ct);
            using var inbox = ReplyInbox.Create(system);
            region.Tell(new DeliverJob(definition.Name, queue, jobId, 1, [new JobDocument(1, page.Length, "text/plain", "spoolctl test page")]), inbox.Ref);
            if (!c.Json) await c.OutAsync($"Test page ({page.Length} bytes) sent to printer {definition.Name} as delivery {jobId}", ct);

            var limit = settings.DeliveryTimeout + TimeSpan.FromSeconds(30);
            var finished = await inbox.NextAsync<DeliveryFinished>(limit, ct)
                           ?? throw new CommandException($"printer {definition.Name} did not report the test page within {limit.TotalSeconds:0} s");
            var data = new { printer = definition.Name, delivery = jobId, outcome = finished.Outcome.ToString().ToLowerInvariant(), bytes = finished.Bytes, error = finished.Error };
            if (finished.Outcome != DeliveryOutcome.Delivered)
            {
                if (c.Json) await c.DataAsync(data, ct);
                throw new CommandException($"test page on {definition.Name} not printed: {finished.Error ?? finished.Outcome.ToString()}");
            }
            await c.ReportAsync(data, [$"Test page printed on {definition.Name} ({finished.Bytes} bytes delivered)"], ct);
        }
        finally
        {
            await documents.DeleteJobAsync(jobId, CancellationToken.None);
        }
    }

    private static IEnumerable<string> Describe(PrinterView v) =>
    [
        $"Printer:    {v.Name}",
        $"Device:     {v.Uri}{(v.UsingFallback ? " (not in use)" : "")}",
        $"Fallback:   {Show.Or(v.FallbackUri)}{(v.UsingFallback ? " (in use)" : "")}",
        $"Queues:     {Show.Or(string.Join(", ", v.Queues))}",
        $"State:      {v.State} ({string.Join(", ", v.Reasons)})",
        $"Accepting:  {Show.YesNo(v.Accepting)} (reachable {Show.YesNo(v.Reachable)}, paused {Show.YesNo(v.Paused)}, breaker {(v.BreakerOpen ? "open" : "closed")})",
        $"Deliveries: {v.ActiveDeliveries} active, {v.WaitingDeliveries} waiting; {v.Delivered} delivered, {v.Failed} failed",
        $"Last error: {Show.Or(v.LastError)}",
    ];
}
