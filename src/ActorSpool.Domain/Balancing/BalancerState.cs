using System.Text.Json.Serialization;

namespace ActorSpool.Domain.Balancing;

/// <summary>The load of one node as the balancer sees it: SAP's measure of busy work processes, jobs and pages.</summary>
public sealed record NodeLoad(string Node, int Workers, int BusyWorkers, int JobsInFlight, long PagesInFlight, long Granted = 0)
{
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
}

/// <summary>
/// Soft state of the balancer: registered workers per node, which are busy, and requests waiting for a worker.
/// Keyed by worker id (the worker's actor path) so it stays free of actor references.
/// </summary>
public sealed class BalancerState
{
    private sealed record WorkerSlot(string Id, string Node)
    {
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

    public int WaitingCount => _waiting.Count;
    public long GrantedTotal => _granted;
    public int WorkerCount => _workers.Count;

    /// <summary>Registers or refreshes a worker. A worker says what it is busy with so a new balancer learns the load.</summary>
    public void Register(string workerId, string node, WorkRequest? busyWith, DateTimeOffset now, long delivered = 0, long deliveredBytes = 0)
    {
        if (!_workers.TryGetValue(workerId, out var slot))
        {
            slot = new WorkerSlot(workerId, node);
            _workers[workerId] = slot;
        }
        slot.Delivered = delivered;
        slot.DeliveredBytes = deliveredBytes;
        // An idle report right after a grant crossed the job on its way to the worker: keep the grant.
        if (busyWith is null && slot.Job is not null && now - slot.GrantedAt < GrantGrace) return;
        slot.Job = busyWith;
        if (busyWith is not null) RemoveWaiting(busyWith.Queue, busyWith.JobId);
    }

    public void Unregister(string workerId) => _workers.Remove(workerId);

    /// <summary>Removes every worker of a node that left the cluster.</summary>
    public int UnregisterNode(string node)
    {
        var gone = _workers.Values.Where(w => w.Node == node).Select(w => w.Id).ToList();
        gone.ForEach(id => _workers.Remove(id));
        return gone.Count;
    }

    /// <summary>
    /// Queues a request unless the same job already waits or runs (queues re-send every second, and after a hand-over).
    /// A re-sent request keeps its place: its place comes from the job (priority, submission time), not from the message.
    /// </summary>
    public bool Enqueue(WorkRequest request, DateTimeOffset now)
    {
        if (_waiting.Any(w => SameJob(w.Request, request.Queue, request.JobId))) return false;
        if (_workers.Values.Any(w => w.Job is { } j && SameJob(j, request.Queue, request.JobId))) return false;
        _waiting.Add(new Waiting(request, request.SubmittedAt ?? now, _arrivals++));
        return true;
    }

    public void RemoveWaiting(string queue, long jobId)
    {
        if (_waiting.FirstOrDefault(w => SameJob(w.Request, queue, jobId)) is { } waiting) _waiting.Remove(waiting);
    }

    /// <summary>The worker finished (or declined) its job and is idle again.</summary>
    public void Release(string workerId)
    {
        if (_workers.TryGetValue(workerId, out var slot)) slot.Job = null;
    }

    /// <summary>
    /// Grants waiting requests, highest priority of any queue first and then the oldest job, each to an idle worker
    /// of the least-loaded node: priority decides which request goes next, load decides where it runs.
    /// </summary>
    public IReadOnlyList<(WorkRequest Request, string WorkerId)> Grant(DateTimeOffset now)
    {
        var grants = new List<(WorkRequest, string)>();
        while (_waiting.Count > 0)
        {
            var node = LoadBalancing.PickNode(Loads());
            if (node is null) break;
            var worker = _workers.Values.Where(w => w.Node == node && w.Job is null).OrderBy(w => w.Id, StringComparer.Ordinal).First();
            var next = _waiting.Min!;
            _waiting.Remove(next);
            worker.Job = next.Request;
            worker.GrantedAt = now;
            _granted++;
            _grantedPerNode[node] = _grantedPerNode.GetValueOrDefault(node) + 1;
            grants.Add((next.Request, worker.Id));
        }
        return grants;
    }

    public IReadOnlyList<NodeLoad> Loads() =>
        _workers.Values
            .GroupBy(w => w.Node)
            .Select(g => new NodeLoad(
                g.Key,
                g.Count(),
                g.Count(w => w.Job is not null),
                g.Count(w => w.Job is not null),
                g.Sum(w => w.Job?.Pages ?? 0),
                _grantedPerNode.GetValueOrDefault(g.Key))
            {
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
