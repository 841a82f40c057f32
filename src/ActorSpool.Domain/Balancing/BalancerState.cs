using System.Text.Json.Serialization;

namespace ActorSpool.Domain.Balancing;

/// <summary>The load of one node as the balancer sees it: SAP's measure of busy work processes, jobs and pages.</summary>
public sealed record NodeLoad(string Node, int Workers, int BusyWorkers, int JobsInFlight, long PagesInFlight, long Granted = 0)
{
    /// <summary>The node's site (<c>--site</c>); null when it belongs to none (or predates sites).</summary>
    public string? Site { get; init; }

    /// <summary>Jobs and bytes the node's workers delivered (as they last reported): where the bytes flowed.</summary>
    public long Delivered { get; init; }

    public long DeliveredBytes { get; init; }

    [JsonIgnore]
    public double Utilization => Workers == 0 ? 1.0 : (double)BusyWorkers / Workers;
    [JsonIgnore]
    public bool HasIdleWorker => BusyWorkers < Workers;
}

/// <summary>A queue's request for a worker to run one job.</summary>
public sealed record WorkRequest(string Queue, long JobId, long Pages, long Bytes) : Messages.ISpoolMessage
{
    /// <summary>
    /// The job's priority (1..100, higher first): the balancer grants the highest of every queue first. A request from a
    /// node that predates priorities has none and counts as the default priority (50).
    /// </summary>
    public int Priority { get; init; } = Topology.TopologyDefaults.DefaultPriority;

    /// <summary>
    /// When the job was submitted: among equal priorities the oldest job goes first. The same on every re-request and
    /// after a balancer hand-over. Null from a node that predates priorities: the time the balancer first saw the request.
    /// </summary>
    public DateTimeOffset? SubmittedAt { get; init; }

    /// <summary>
    /// The site whose nodes must deliver the job (the printer's <c>site</c>, else its queue's); null: any node. A request
    /// from a node that predates sites has none.
    /// </summary>
    public string? Site { get; init; }

    /// <summary>The site that delivers instead while no node of <see cref="Site"/> is in the cluster; null: none (the job waits).</summary>
    public string? AlternateSite { get; init; }
}

/// <summary>
/// One site as the balancer sees it: its registered workers, the requests waiting for it, and how many of them are held
/// because neither the site nor their alternate has a node.
/// </summary>
public sealed record SiteLoad(string Site, int Workers, int Waiting, int Held);

public enum SiteEventKind
{
    /// <summary>Work for the site waits: no node of the site or of its alternate is registered.</summary>
    Held,

    /// <summary>Held work for the site no longer waits for a node (one joined, or the requests were withdrawn).</summary>
    Resumed,

    /// <summary>The site has no node: its work goes to the alternate site.</summary>
    FedFromAlternate,

    /// <summary>A node of a site that was fed from its alternate is back: its work goes to it again.</summary>
    NodeBack,
}

/// <summary>A change in where a site's work goes, for the balancer's log (once per change, not per request).</summary>
public sealed record SiteEvent(string Site, SiteEventKind Kind, int Requests, string? Detail);

/// <summary>
/// Soft state of the balancer: registered workers per node, which are busy, and requests waiting for a worker.
/// Keyed by worker id (the worker's actor path) so it stays free of actor references.
/// </summary>
public sealed class BalancerState
{
    private sealed record WorkerSlot(string Id, string Node)
    {
        public string? Site { get; set; }
        public WorkRequest? Job { get; set; }
        public DateTimeOffset GrantedAt { get; set; }
        public long Delivered { get; set; }
        public long DeliveredBytes { get; set; }
    }

    /// <summary>How long a fresh grant is trusted over a worker's own "idle" report, which may predate the grant.</summary>
    public static readonly TimeSpan GrantGrace = TimeSpan.FromSeconds(10);

    /// <summary>A request in line: <paramref name="Since"/> is when its job was submitted, <paramref name="Arrival"/> breaks ties.</summary>
    private sealed record Waiting(WorkRequest Request, DateTimeOffset Since, long Arrival);

    /// <summary>The order in which waiting requests are granted: highest priority of any queue, then the oldest job.</summary>
    private static readonly IComparer<Waiting> GrantOrder = Comparer<Waiting>.Create((a, b) =>
    {
        var byPriority = b.Request.Priority.CompareTo(a.Request.Priority);
        if (byPriority != 0) return byPriority;
        var byAge = a.Since.CompareTo(b.Since);
        return byAge != 0 ? byAge : a.Arrival.CompareTo(b.Arrival);
    });

    private readonly Dictionary<string, WorkerSlot> _workers = new();
    private readonly SortedSet<Waiting> _waiting = new(GrantOrder);
    private long _arrivals;
    private long _granted;
    private readonly Dictionary<string, long> _grantedPerNode = new();
    // Sites whose work is held (no node of theirs or their alternate's), and sites fed from their alternate (which one).
    private readonly Dictionary<string, (int Requests, string? Alternate)> _heldSites = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _fedFromAlternate = new(StringComparer.Ordinal);
    private readonly List<SiteEvent> _siteEvents = [];
    // Requests for a job a worker still runs, by job: taken into line if that worker goes away while it runs the job.
    // A queue that saw the worker die before the balancer did asks again at once; dropping that request would leave
    // the job waiting for the queue's next re-send (a second or more).
    private readonly Dictionary<(string Queue, long JobId), (WorkRequest Request, string WorkerId, DateTimeOffset At)> _deferred = new();

    public int WaitingCount => _waiting.Count;
    public long GrantedTotal => _granted;
    public int WorkerCount => _workers.Count;

    /// <summary>
    /// Registers or refreshes a worker of a node in <paramref name="site"/> (null: none). A worker says what it is busy
    /// with so a new balancer learns the load.
    /// </summary>
    public void Register(string workerId, string node, WorkRequest? busyWith, DateTimeOffset now, long delivered = 0, long deliveredBytes = 0, string? site = null)
    {
        if (!_workers.TryGetValue(workerId, out var slot))
        {
            slot = new WorkerSlot(workerId, node);
            _workers[workerId] = slot;
        }
        slot.Site = site;
        slot.Delivered = delivered;
        slot.DeliveredBytes = deliveredBytes;
        // An idle report right after a grant crossed the job on its way to the worker: keep the grant.
        if (busyWith is null && slot.Job is not null && now - slot.GrantedAt < GrantGrace) return;
        if (slot.Job is { } was && (busyWith is null || !SameJob(busyWith, was.Queue, was.JobId))) ForgetDeferred(workerId);
        slot.Job = busyWith;
        if (busyWith is not null) RemoveFromLine(busyWith.Queue, busyWith.JobId);
    }

    /// <summary>Removes a worker that is gone; a request deferred on the job it ran goes into line.</summary>
    public void Unregister(string workerId)
    {
        if (!_workers.Remove(workerId, out var slot)) return;
        if (slot.Job is { } job && _deferred.TryGetValue((job.Queue, job.JobId), out var deferred) && deferred.WorkerId == workerId)
            _waiting.Add(new Waiting(deferred.Request, deferred.Request.SubmittedAt ?? deferred.At, _arrivals++));
        ForgetDeferred(workerId);
    }

    /// <summary>Removes every worker of a node that left the cluster (or crashed).</summary>
    public int UnregisterNode(string node)
    {
        var gone = _workers.Values.Where(w => w.Node == node).Select(w => w.Id).ToList();
        gone.ForEach(Unregister);
        return gone.Count;
    }

    /// <summary>
    /// Queues a request unless the same job already waits or runs (queues re-send every second, and after a hand-over).
    /// A re-sent request keeps its place: its place comes from the job (priority, submission time), not from the message.
    /// A request for a job a worker runs is kept aside and goes into line if that worker goes before it ends the job.
    /// </summary>
    public bool Enqueue(WorkRequest request, DateTimeOffset now)
    {
        if (_waiting.Any(w => SameJob(w.Request, request.Queue, request.JobId))) return false;
        if (_workers.Values.FirstOrDefault(w => w.Job is { } j && SameJob(j, request.Queue, request.JobId)) is { } running)
        {
            _deferred[(request.Queue, request.JobId)] = (request, running.Id, now);
            return false;
        }
        _waiting.Add(new Waiting(request, request.SubmittedAt ?? now, _arrivals++));
        return true;
    }

    /// <summary>The queue withdrew its request (the job was canceled, held or placed elsewhere).</summary>
    public void RemoveWaiting(string queue, long jobId)
    {
        _deferred.Remove((queue, jobId));
        RemoveFromLine(queue, jobId);
    }

    private void RemoveFromLine(string queue, long jobId)
    {
        if (_waiting.FirstOrDefault(w => SameJob(w.Request, queue, jobId)) is { } waiting) _waiting.Remove(waiting);
    }

    /// <summary>The worker finished (or declined) its job and is idle again.</summary>
    public void Release(string workerId)
    {
        if (_workers.TryGetValue(workerId, out var slot)) slot.Job = null;
        ForgetDeferred(workerId);
    }

    /// <summary>The worker ended its job (or never had it): a request that was deferred on it is stale.</summary>
    private void ForgetDeferred(string workerId)
    {
        if (_deferred.Count == 0) return;
        foreach (var key in _deferred.Where(d => d.Value.WorkerId == workerId).Select(d => d.Key).ToList()) _deferred.Remove(key);
    }

    /// <summary>
    /// Grants waiting requests, highest priority of any queue first and then the oldest job, each to an idle worker
    /// of the least-loaded node it may run on: priority decides which request goes next, load decides where it runs.
    /// A request with a site runs only on a node of that site; only while the site has no registered worker at all,
    /// on a node of its alternate; with neither, it waits (held). A busy site's requests wait for it; later requests
    /// for other sites go ahead of them.
    /// </summary>
    public IReadOnlyList<(WorkRequest Request, string WorkerId)> Grant(DateTimeOffset now)
    {
        var grants = new List<(WorkRequest, string)>();
        var idle = _waiting.Count == 0 ? 0 : _workers.Values.Count(w => w.Job is null);
        if (idle > 0)
        {
            // Looked up once a request names a site: most clusters have none.
            HashSet<string>? sites = null;
            // Where no worker is idle any more in this pass (null: any node).
            var full = new HashSet<string?>();
            foreach (var next in _waiting.ToList())
            {
                if (idle == 0) break;
                string? site = null;
                if (next.Request.Site is not null && !TryRoute(next.Request, sites ??= SitesWithWorkers(), out site)) continue;
                if (full.Contains(site)) continue;
                var node = LoadBalancing.PickNode(Loads(site));
                if (node is null)
                {
                    full.Add(site);
                    continue;
                }
                var worker = _workers.Values.Where(w => w.Node == node && w.Job is null && (site is null || w.Site == site))
                    .OrderBy(w => w.Id, StringComparer.Ordinal).First();
                _waiting.Remove(next);
                worker.Job = next.Request;
                worker.GrantedAt = now;
                idle--;
                _granted++;
                _grantedPerNode[node] = _grantedPerNode.GetValueOrDefault(node) + 1;
                grants.Add((next.Request, worker.Id));
                if (site is not null && site != next.Request.Site && _fedFromAlternate.TryAdd(next.Request.Site!, site))
                    _siteEvents.Add(new SiteEvent(next.Request.Site!, SiteEventKind.FedFromAlternate, 1, site));
            }
        }
        TrackSites();
        return grants;
    }

    /// <summary>
    /// Where a request may run: <paramref name="site"/> null = any node; false when it must wait because neither its
    /// site nor its alternate has a registered worker.
    /// </summary>
    private static bool TryRoute(WorkRequest request, HashSet<string> sitesWithWorkers, out string? site)
    {
        site = request.Site;
        if (site is null || sitesWithWorkers.Contains(site)) return true;
        site = request.AlternateSite;
        return site is not null && sitesWithWorkers.Contains(site);
    }

    private HashSet<string> SitesWithWorkers() =>
        _workers.Values.Where(w => w.Site is not null).Select(w => w.Site!).ToHashSet(StringComparer.Ordinal);

    /// <summary>Notes which sites' work is held or back, and which fed-from-alternate sites have a node again.</summary>
    private void TrackSites()
    {
        if (_heldSites.Count == 0 && _fedFromAlternate.Count == 0 && !_waiting.Any(w => w.Request.Site is not null)) return;
        var sites = SitesWithWorkers();
        var held = _waiting.Where(w => w.Request.Site is not null && !TryRoute(w.Request, sites, out _))
            .GroupBy(w => w.Request.Site!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (Requests: g.Count(), g.First().Request.AlternateSite), StringComparer.Ordinal);
        foreach (var (site, (count, _)) in held.Where(h => !_heldSites.ContainsKey(h.Key)))
            _siteEvents.Add(new SiteEvent(site, SiteEventKind.Held, count, null));
        foreach (var (site, (count, alternate)) in _heldSites.Where(h => !held.ContainsKey(h.Key)))
        {
            var how = sites.Contains(site) ? "a node of the site joined"
                : alternate is not null && sites.Contains(alternate) ? $"a node of its alternate site {alternate} joined"
                : "no request waits for it any more";
            _siteEvents.Add(new SiteEvent(site, SiteEventKind.Resumed, count, how));
        }
        _heldSites.Clear();
        foreach (var (site, entry) in held) _heldSites[site] = entry;
        foreach (var site in _fedFromAlternate.Keys.Where(sites.Contains).ToList())
        {
            _siteEvents.Add(new SiteEvent(site, SiteEventKind.NodeBack, 0, _fedFromAlternate[site]));
            _fedFromAlternate.Remove(site);
        }
    }

    /// <summary>The site changes noted since the last call (for one log line each), oldest first.</summary>
    public IReadOnlyList<SiteEvent> TakeSiteEvents()
    {
        TrackSites();
        var events = _siteEvents.ToList();
        _siteEvents.Clear();
        return events;
    }

    /// <summary>Every site with a registered worker or a waiting request, by name.</summary>
    public IReadOnlyList<SiteLoad> Sites()
    {
        var withWorkers = SitesWithWorkers();
        var names = withWorkers.Concat(_waiting.Select(w => w.Request.Site).OfType<string>()).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        return names.Select(site => new SiteLoad(
                site,
                _workers.Values.Count(w => w.Site == site),
                _waiting.Count(w => w.Request.Site == site),
                _waiting.Count(w => w.Request.Site == site && !TryRoute(w.Request, withWorkers, out _))))
            .ToList();
    }

    public IReadOnlyList<NodeLoad> Loads() => Loads(null);

    /// <summary>The load of the nodes with a worker in <paramref name="site"/> (null: every node), counting those workers only.</summary>
    private IReadOnlyList<NodeLoad> Loads(string? site) =>
        _workers.Values
            .Where(w => site is null || w.Site == site)
            .GroupBy(w => w.Node)
            .Select(g => new NodeLoad(
                g.Key,
                g.Count(),
                g.Count(w => w.Job is not null),
                g.Count(w => w.Job is not null),
                g.Sum(w => w.Job?.Pages ?? 0),
                _grantedPerNode.GetValueOrDefault(g.Key))
            {
                Site = g.Select(w => w.Site).FirstOrDefault(s => s is not null),
                Delivered = g.Sum(w => w.Delivered),
                DeliveredBytes = g.Sum(w => w.DeliveredBytes),
            })
            .OrderBy(l => l.Node, StringComparer.Ordinal)
            .ToList();

    private static bool SameJob(WorkRequest r, string queue, long jobId) => r.JobId == jobId && r.Queue == queue;
}

public static class LoadBalancing
{
    /// <summary>
    /// The node that should take the next job: lowest share of busy workers, then fewest pages and jobs
    /// in flight, then fewest jobs granted so far (so a trickle of jobs still rotates over idle nodes), then
    /// name (deterministic). Null when no node has an idle worker.
    /// </summary>
    public static string? PickNode(IEnumerable<NodeLoad> loads) =>
        loads.Where(l => l.HasIdleWorker)
            .OrderBy(l => l.Utilization)
            .ThenBy(l => l.PagesInFlight)
            .ThenBy(l => l.JobsInFlight)
            .ThenBy(l => l.Granted)
            .ThenBy(l => l.Node, StringComparer.Ordinal)
            .Select(l => l.Node)
            .FirstOrDefault();
}
