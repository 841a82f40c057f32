using ActorSpool.Actors.Balancing;
using Akka.Actor;
using Akka.Hosting;
using static ActorSpool.Domain.Messages.BalancerProtocol;

namespace ActorSpool.Node.Management.Catalogs;

/// <summary>The load the balancer singleton sees on one node.</summary>
public sealed record BalancerNodeView(string Node, int Workers, int Busy, int Jobs, long Pages, long Granted, long Delivered, long DeliveredBytes)
{
    /// <summary>The node's site (<c>--site</c>); null: none.</summary>
    public string? Site { get; init; }
}

/// <summary>
/// A site: its registered workers, the requests waiting for it, and of those the ones held because neither the site nor
/// their alternate has a node.
/// </summary>
public sealed record BalancerSiteView(string Site, int Workers, int Waiting, int Held);

/// <summary>The balancer singleton: where it runs, requests waiting for a worker, grants, and the load per node.</summary>
public sealed record BalancerView(string Singleton, int Waiting, long Granted, IReadOnlyList<BalancerNodeView> Nodes)
{
    public IReadOnlyList<BalancerSiteView> Sites { get; init; } = [];
}

/// <summary>The balancer's view, for spoolctl's <c>balancer</c> palette, the REST API and the cluster view.</summary>
public sealed class BalancerCatalog(IRequiredActor<BalancerProxy> balancer)
{
    public static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(15);

    /// <summary>Throws <see cref="TimeoutException"/> when the singleton does not answer (no worker node Up, or a hand-over).</summary>
    public async Task<BalancerView> ShowAsync(CancellationToken ct, TimeSpan? timeout = null)
    {
        var limit = timeout ?? AskTimeout;
        var proxy = await balancer.GetAsync(ct);
        BalancerStatus status;
        try
        {
            status = await proxy.Ask<BalancerStatus>(GetBalancerStatus.Instance, limit, ct);
        }
        catch (AskTimeoutException)
        {
            throw new TimeoutException($"the balancer singleton did not answer within {limit.TotalSeconds:0} s (no worker node Up, or a hand-over in progress)");
        }
        var nodes = status.Nodes.OrderBy(n => n.Node, StringComparer.Ordinal)
            .Select(n => new BalancerNodeView(n.Node, n.Workers, n.BusyWorkers, n.JobsInFlight, n.PagesInFlight, n.Granted, n.Delivered, n.DeliveredBytes) { Site = n.Site })
            .ToList();
        var sites = (status.Sites ?? []).Select(s => new BalancerSiteView(s.Site, s.Workers, s.Waiting, s.Held)).ToList();
        return new BalancerView(status.HostNode, status.Waiting, status.Granted, nodes) { Sites = sites };
    }
}
