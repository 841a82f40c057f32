using ActorSpool.Contracts.Spoolctl;
using ActorSpool.Node.Management.Catalogs;
using static ActorSpool.Node.Management.Define;

namespace ActorSpool.Node.Management.Palettes;

/// <summary><c>balancer</c>: where the balancer singleton runs and the load it sees per node.</summary>
public sealed class BalancerPalette(BalancerCatalog catalog) : ICommandPalette
{
    public PaletteDefinition Definition { get; } = new("balancer", "The balancer singleton and the load per node",
    [
        Verb("show", "The node hosting the balancer singleton, waiting requests, and per node its site, workers, busy workers, jobs and pages in flight, and jobs and bytes delivered; per site the requests waiting for it and those held for want of a node"),
    ]);

    public async Task ExecuteAsync(CommandContext c, CancellationToken ct)
    {
        if (c.Verb.Name != "show") throw CommandException.Usage($"balancer: no verb {c.Verb.Name}");
        BalancerView view;
        try
        {
            view = await catalog.ShowAsync(ct);
        }
        catch (TimeoutException e)
        {
            throw new CommandException(e.Message);
        }
        var table = new TextTable("NODE", "SITE", "WORKERS", "BUSY", "JOBS", "PAGES", "GRANTED", "DELIVERED", "BYTES");
        foreach (var n in view.Nodes) table.Add(n.Node, n.Site ?? "-", n.Workers, n.Busy, n.Jobs, n.Pages, n.Granted, n.Delivered, n.DeliveredBytes);
        var sites = new TextTable("SITE", "WORKERS", "WAITING", "HELD");
        foreach (var s in view.Sites) sites.Add(s.Site, s.Workers, s.Waiting, s.Held);
        await c.ReportAsync(view,
            new[]
            {
                $"Singleton on: {view.Singleton}",
                $"Waiting:      {view.Waiting} request(s) for a worker",
                $"Granted:      {view.Granted} since the singleton started",
                "",
            }.Concat(view.Nodes.Count == 0 ? ["No workers registered"] : table.Lines())
                .Concat(view.Sites.Count == 0 ? [] : ["", .. sites.Lines()])
                .Concat(view.Sites.Any(s => s.Held > 0)
                    ? ["", "HELD: jobs wait because no node of their site (or its alternate) is in the cluster; start one there"]
                    : []),
            ct);
    }
}
