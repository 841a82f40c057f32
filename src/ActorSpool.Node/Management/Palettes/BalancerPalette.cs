using ActorSpool.Actors.Balancing;
using ActorSpool.Contracts.Spoolctl;
using Akka.Actor;
using Akka.Hosting;
using static ActorSpool.Domain.Messages.BalancerProtocol;
using static ActorSpool.Node.Management.Define;

namespace ActorSpool.Node.Management.Palettes;

/// <summary><c>balancer</c>: where the balancer singleton runs and the load it sees per node.</summary>
public sealed class BalancerPalette(IRequiredActor<BalancerProxy> balancer) : ICommandPalette
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(15);

    public PaletteDefinition Definition { get; } = new("balancer", "The balancer singleton and the load per node",
    [
        Verb("show", "The node hosting the balancer singleton, waiting requests, and workers, busy workers, jobs and pages in flight, and jobs and bytes delivered per node"),
    ]);

    public async Task ExecuteAsync(CommandContext c, CancellationToken ct)
    {
        if (c.Verb.Name != "show") throw CommandException.Usage($"balancer: no verb {c.Verb.Name}");
        var proxy = await balancer.GetAsync(ct);
        BalancerStatus status;
        try
        {
            status = await proxy.Ask<BalancerStatus>(GetBalancerStatus.Instance, AskTimeout, ct);
        }
        catch (AskTimeoutException)
        {
            throw new CommandException($"the balancer singleton did not answer within {AskTimeout.TotalSeconds:0} s (no worker node Up, or a hand-over in progress)");
        }
        var nodes = status.Nodes.OrderBy(n => n.Node, StringComparer.Ordinal).ToList();
        var table = new TextTable("NODE", "WORKERS", "BUSY", "JOBS", "PAGES", "GRANTED", "DELIVERED", "BYTES");
        foreach (var n in nodes) table.Add(n.Node, n.Workers, n.BusyWorkers, n.JobsInFlight, n.PagesInFlight, n.Granted, n.Delivered, n.DeliveredBytes);
        var data = new
        {
            singleton = status.HostNode,
            waiting = status.Waiting,
            granted = status.Granted,
            nodes = nodes.Select(n => new { node = n.Node, workers = n.Workers, busy = n.BusyWorkers, jobs = n.JobsInFlight, pages = n.PagesInFlight, granted = n.Granted, delivered = n.Delivered, deliveredBytes = n.DeliveredBytes }).ToArray(),
        };
        await c.ReportAsync(data,
            new[]
            {
                $"Singleton on: {status.HostNode}",
                $"Waiting:      {status.Waiting} request(s) for a worker",
                $"Granted:      {status.Granted} since the singleton started",
                "",
            }.Concat(nodes.Count == 0 ? ["No workers registered"] : table.Lines()),
            ct);
    }
}
