using ActorSpool.Actors.Membership;
using ActorSpool.Domain.Balancing;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using static ActorSpool.Domain.Messages.BalancerProtocol;

namespace ActorSpool.Actors.Balancing;

/// <summary>
/// The cluster singleton that spreads jobs over nodes: grants the waiting request with the highest job priority of
/// any queue (then the oldest job) to an idle worker of the least-loaded node (of the job's site, see
/// <see cref="BalancerState.Grant"/>). Its state is soft (workers re-register, queues re-request), so it needs no journal and
/// hands over fast when its node goes.
/// </summary>
public sealed class BalancerActor : ReceiveActor
{
    private readonly BalancerState _state = new();
    private readonly Dictionary<string, IActorRef> _workers = new();
    private readonly Dictionary<(string Queue, long JobId), IActorRef> _requesters = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    // Sites the gauge has a series for (kept at 0 once the site is gone, so a dashboard sees it drop).
    private readonly HashSet<string> _siteGauges = new(StringComparer.Ordinal);
    private readonly string _selfNode = Cluster.Get(Context.System).SelfAddress.ToString();

    public BalancerActor()
    {
        Receive<RegisterWorker>(r =>
        {
            var id = r.Worker.Path.ToString();
            if (_workers.TryAdd(id, r.Worker))
            {
                Context.Watch(r.Worker);
                _log.Debug("Balancer: worker {0} registered on {1} (site {2})", id, r.Node, r.Site ?? "none");
            }
            _state.Register(id, r.Node, r.BusyWith, DateTimeOffset.UtcNow, r.Delivered, r.DeliveredBytes, r.Site);
            GrantWaiting();
        });
        Receive<RequestWorker>(r =>
        {
            _requesters[(r.Request.Queue, r.Request.JobId)] = r.ReplyTo;
            _state.Enqueue(r.Request, DateTimeOffset.UtcNow);
            GrantWaiting();
        });
        Receive<UnregisterWorker>(u =>
        {
            var id = u.Worker.Path.ToString();
            _workers.Remove(id);
            _state.Unregister(id);
            Context.Unwatch(u.Worker);
            GrantWaiting();
        });
        Receive<WithdrawRequest>(w =>
        {
            _state.RemoveWaiting(w.Queue, w.JobId);
            _requesters.Remove((w.Queue, w.JobId));
            ReportSites();
        });
        Receive<WorkFinished>(f =>
        {
            _state.Release(f.Worker.Path.ToString());
            GrantWaiting();
        });
        Receive<Terminated>(t =>
        {
            var id = t.ActorRef.Path.ToString();
            _workers.Remove(id);
            // A request the queue re-sent for the job this worker ran goes into line now (BalancerState.Enqueue).
            _state.Unregister(id);
            GrantWaiting();
        });
        Receive<ClusterEvent.MemberRemoved>(m =>
        {
            _log.Info("Balancer: node {0} left; {1} worker(s) dropped", m.Member.Address, _state.UnregisterNode(m.Member.Address.ToString()));
            GrantWaiting();
        });
        Receive<MemberCrashed>(c =>
        {
            // Its workers' Terminated comes only with the removal: until then they would still be granted, and lost.
            var dropped = _state.UnregisterNode(c.Member.Address.ToString());
            if (dropped > 0) _log.Info("Balancer: node {0} crashed; {1} worker(s) dropped", c.Member.Address, dropped);
            GrantWaiting();
        });
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<ClusterEvent.CurrentClusterState>(_ => { });
        Receive<GetBalancerStatus>(_ =>
            Sender.Tell(new BalancerStatus(_selfNode, _state.Loads().ToArray(), _state.WaitingCount, _state.GrantedTotal) { Sites = _state.Sites().ToArray() }));
    }

    protected override void PreStart()
    {
        Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot, typeof(ClusterEvent.IMemberEvent));
        Context.System.EventStream.Subscribe(Self, typeof(MemberCrashed));
        _log.Info("Balancer singleton started on {0}", _selfNode);
    }

    protected override void PostStop()
    {
        Cluster.Get(Context.System).Unsubscribe(Self);
        Context.System.EventStream.Unsubscribe(Self);
        // The gauge belongs to the singleton: the next one, wherever it starts, reports it.
        foreach (var site in _siteGauges) SpoolMetrics.RequestsWaitingForSite.RemoveLabelled(site);
    }

    private void GrantWaiting()
    {
        foreach (var (request, workerId) in _state.Grant(DateTimeOffset.UtcNow))
        {
            if (_requesters.Remove((request.Queue, request.JobId), out var requester) && _workers.TryGetValue(workerId, out var worker))
            {
                requester.Tell(new WorkerGranted(request, worker));
            }
            else
            {
                _state.Release(workerId);
            }
        }
        ReportSites();
    }

    /// <summary>One log line per change in where a site's work goes, and the held requests per site as a gauge.</summary>
    private void ReportSites()
    {
        foreach (var e in _state.TakeSiteEvents())
        {
            switch (e.Kind)
            {
                case SiteEventKind.Held:
                    _log.Warning("Balancer: work for site {0} waits: no node of the site (or of its alternate) is in the cluster; its jobs are held, not sent to another site ({1} request(s) now)",
                        e.Site, e.Requests);
                    break;
                case SiteEventKind.Resumed:
                    _log.Warning("Balancer: work for site {0} no longer waits for a node ({1})", e.Site, e.Detail!);
                    break;
                case SiteEventKind.FedFromAlternate:
                    _log.Warning("Balancer: site {0} has no node; its work goes to its alternate site {1}", e.Site, e.Detail!);
                    break;
                case SiteEventKind.NodeBack:
                    _log.Info("Balancer: site {0} has a node again; its work no longer goes to site {1}", e.Site, e.Detail!);
                    break;
            }
        }
        var sites = _state.Sites();
        foreach (var site in sites)
        {
            SpoolMetrics.RequestsWaitingForSite.WithLabels(site.Site).Set(site.Held);
            _siteGauges.Add(site.Site);
        }
        foreach (var gone in _siteGauges.Where(g => sites.All(s => s.Site != g)).ToList())
        {
            SpoolMetrics.RequestsWaitingForSite.WithLabels(gone).Set(0);
        }
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new BalancerActor());
}
