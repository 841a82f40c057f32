using ActorSpool.Contracts.Spoolctl;
using ActorSpool.Domain.Jobs;
using ActorSpool.Domain.Topology;
using ActorSpool.Node.Management.Catalogs;
using static ActorSpool.Node.Management.Define;

namespace ActorSpool.Node.Management.Palettes;

/// <summary><c>printer</c>: every device's health and counters; pause, resume, test page; add, set, remove in the live topology.</summary>
public sealed class PrinterPalette(PrinterCatalog catalog, TopologyCatalog topology) : ICommandPalette
{
    private static readonly ArgumentDefinition Printer = Option("printer", 'p', "PRINTER", "printer name", mandatory: true);

    public PaletteDefinition Definition { get; } = new("printer", "Printers: health, counters, pause, resume, test page",
    [
        Verb("list", "Every printer with its state, health and counters"),
        Verb("show", "One printer: device URIs, queues, state, reasons, breaker, last error", Printer),
        Change("pause", "Stop sending jobs to the printer (its queues use the other printers of their pool); kept across restarts until printer resume", Printer),
        Change("resume", "Send jobs to the printer again", Printer),
        Change("test", "Print a small test page on the printer directly (not through a queue), and wait for the outcome", Printer),
        Change("add", "Add a printer to the live topology (every node, kept across restarts); a queue must name it to get jobs",
            [Printer, .. TopologyEditing.PrinterArguments]),
        Change("set", "Change a printer in the live topology (only the options given); a delivery under way finishes first",
            [Printer, .. TopologyEditing.PrinterArguments]),
        Change("remove", "Remove a printer from the live topology; refused while a queue uses it", Printer),
    ]);

    public Task ExecuteAsync(CommandContext context, CancellationToken ct) => context.Verb.Name switch
    {
        "list" => ListAsync(context, ct),
        "show" => ShowAsync(context, ct),
        "pause" => PauseOrResumeAsync(context, pause: true, ct),
        "resume" => PauseOrResumeAsync(context, pause: false, ct),
        "test" => TestPageAsync(context, ct),
        "add" => PutAsync(context, PutMode.Add, ct),
        "set" => PutAsync(context, PutMode.Set, ct),
        "remove" => RemoveAsync(context, ct),
        _ => throw CommandException.Usage($"printer: no verb {context.Verb.Name}"),
    };

    private async Task ListAsync(CommandContext c, CancellationToken ct)
    {
        var answers = await catalog.ListAsync(ct);
        var table = new TextTable("PRINTER", "STATE", "ACCEPTING", "REACHABLE", "PAUSED", "BREAKER", "ACTIVE", "WAITING", "DELIVERED", "FAILED", "QUEUES", "URI");
        foreach (var a in answers)
        {
            if (a.View is not { } v)
            {
                table.Add(a.Definition.Name, "no answer", "?", "?", "?", "?", "?", "?", "?", "?", "", a.Definition.Uri);
                continue;
            }
            table.Add(v.Name, v.State, Show.YesNo(v.Accepting), Show.YesNo(v.Reachable), Show.YesNo(v.Paused), v.BreakerOpen ? "open" : "closed",
                v.ActiveDeliveries, v.WaitingDeliveries, v.Delivered, v.Failed, string.Join(",", v.Queues), v.UsingFallback ? $"{v.PathInUse} (fallback)" : v.Uri);
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
        var v = await catalog.ShowAsync(Lookup.Printer(catalog.Topology, c.Required("printer")), ct);
        await c.ReportAsync(v, Describe(v), ct);
    }

    private async Task PauseOrResumeAsync(CommandContext c, bool pause, CancellationToken ct)
    {
        var v = await catalog.PauseOrResumeAsync(Lookup.Printer(catalog.Topology, c.Required("printer")), pause, ct);
        var done = pause ? "paused" : "resumed";
        await c.ReportAsync(v, [$"Printer {v.Name} {done}: {v.State}, {(v.Accepting ? "accepting jobs" : "not accepting jobs")} ({string.Join(", ", v.Reasons)})"], ct);
    }

    /// <summary>Prints a small test page on the printer directly (see <see cref="PrinterCatalog.TestPageAsync"/>) and reports the outcome.</summary>
    private async Task TestPageAsync(CommandContext c, CancellationToken ct)
    {
        var definition = Lookup.Printer(catalog.Topology, c.Required("printer"));
        var result = await catalog.TestPageAsync(definition, "spoolctl", async (delivery, bytes) =>
        {
            if (!c.Json) await c.OutAsync($"Test page ({bytes} bytes) sent to printer {definition.Name} as delivery {delivery}", ct);
        }, ct);
        var finished = result.Finished
                       ?? throw new CommandException($"printer {definition.Name} did not report the test page within {result.Waited.TotalSeconds:0} s");
        var data = new { printer = definition.Name, delivery = result.Delivery, outcome = finished.Outcome.ToString().ToLowerInvariant(), bytes = finished.Bytes, error = finished.Error };
        if (finished.Outcome != DeliveryOutcome.Delivered)
        {
            if (c.Json) await c.DataAsync(data, ct);
            throw new CommandException($"test page on {definition.Name} not printed: {finished.Error ?? finished.Outcome.ToString()}");
        }
        await c.ReportAsync(data, [$"Test page printed on {definition.Name} ({finished.Bytes} bytes delivered)"], ct);
    }

    private Task PutAsync(CommandContext c, PutMode mode, CancellationToken ct) =>
        TopologyEditing.PutAsync(c, topology, mode, "printer", (t, name) => t.FindPrinter(name),
            (name, old) => TopologyEditing.Printer(c, old?.Name ?? name, old), p => new TopologyEdit.PutPrinter(p, mode),
            p => (p.Name, TopologyWriter.PrinterFields(p)), ct);

    private async Task RemoveAsync(CommandContext c, CancellationToken ct)
    {
        var printer = Lookup.Printer(topology.Topology, c.Required("printer"));
        var result = await topology.ChangeAsync([new TopologyEdit.RemovePrinter(printer.Name)], "spoolctl", ct);
        await TopologyEditing.ReportAsync(c, result, $"Printer {printer.Name} removed", null, ct);
    }

    private static IEnumerable<string> Describe(PrinterView v) =>
    [
        $"Printer:    {v.Name}",
        $"Device:     {v.Uri}{(v.PathInUse == v.Uri ? "" : " (not in use)")}",
        $"Fallbacks:  {(v.FallbackUris.Count == 0 ? "-" : string.Join(", ", v.FallbackUris.Select(u => u == v.PathInUse ? $"{u} (in use)" : u)))}",
        $"In use:     {v.PathInUse}",
        $"Queues:     {Show.Or(string.Join(", ", v.Queues))}",
        $"State:      {v.State} ({string.Join(", ", v.Reasons)})",
        $"Accepting:  {Show.YesNo(v.Accepting)} (reachable {Show.YesNo(v.Reachable)}, paused {Show.YesNo(v.Paused)}, breaker {(v.BreakerOpen ? "open" : "closed")})",
        $"Deliveries: {v.ActiveDeliveries} active, {v.WaitingDeliveries} waiting; {v.Delivered} delivered, {v.Failed} failed",
        $"Last error: {Show.Or(v.LastError)}",
    ];
}
