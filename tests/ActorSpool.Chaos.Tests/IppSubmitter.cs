using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using ActorSpool.Protocols.Ipp;

namespace ActorSpool.Chaos.Tests;

/// <summary>
/// IPP clients of a cluster: each submission goes to the next node in round-robin order; when a node does not
/// answer (refused, broken connection, timeout, an error status) the client counts the failure and tries the next
/// node, like a client configured with the list of the cluster's IPP endpoints.
/// </summary>
/// <remarks>
/// Every IPP request (also a retry of the same logical job) carries its own number n: the document starts with
/// <c>JOB-n-</c> and the job is named <c>chaos n</c>, so a printed document and a listed job map to exactly one
/// request. A request that failed may still have been accepted (the answer was lost); its n then shows up in
/// the queue although the client never got <c>successful-ok</c>.
/// </remarks>
public sealed class IppSubmitter : IDisposable
{
    /// <summary>One IPP request.</summary>
    public sealed record Attempt(int Number, int Job, int Node, DateTimeOffset At, TimeSpan Took, bool Acked, int JobId, string? Failure);

    private readonly ClusterHarness _cluster;
    private readonly HttpClient _http;
    private readonly IppClient _ipp;
    private readonly ConcurrentQueue<Attempt> _attempts = new();
    private int _number;
    private int _roundRobin = -1;

    public IppSubmitter(ClusterHarness cluster)
    {
        _cluster = cluster;
        _http = new HttpClient(new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionLifetime = TimeSpan.FromSeconds(30),
        })
        {
            // The gateway waits up to 30 s for a queue (it may be moving after a crash); allow for that and more.
            Timeout = TimeSpan.FromSeconds(90),
        };
        _ipp = new IppClient(_http);
    }

    /// <summary>Skip nodes the harness knows are down (default false: clients only know the list of ports).</summary>
    public bool SkipDeadNodes { get; set; }

    public static string JobName(int number) => string.Create(CultureInfo.InvariantCulture, $"chaos {number}");

    public static int? NumberOf(string? jobName) =>
        jobName is not null && jobName.StartsWith("chaos ", StringComparison.Ordinal)
        && int.TryParse(jobName.AsSpan(6), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;

    public static byte[] Document(int number) =>
        Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"JOB-{number}-") + new string('.', 1000) + "\n");

    public IReadOnlyList<Attempt> Attempts => _attempts.ToArray();

    public IReadOnlyList<Attempt> Acked => _attempts.Where(a => a.Acked).OrderBy(a => a.Number).ToList();

    public IReadOnlyList<Attempt> Failed => _attempts.Where(a => !a.Acked).OrderBy(a => a.Number).ToList();

    /// <summary>Submits logical job <paramref name="job"/> until some node acknowledges it (or gives up after the limit).</summary>
    public async Task<Attempt> SubmitAsync(int job, TimeSpan? giveUpAfter = null, CancellationToken ct = default)
    {
        var deadline = DateTime.UtcNow + (giveUpAfter ?? TimeSpan.FromMinutes(3));
        var failures = 0;
        while (true)
        {
            var attempt = await SubmitOnceAsync(NextNode(), job, ct);
            if (attempt.Acked) return attempt;
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"job {job}: no node acknowledged it; last failure: {attempt.Failure}");
            }
            // A full round of failures: the cluster is busy re-forming; don't hammer it.
            if (++failures % _cluster.NodeCount == 0) await Task.Delay(500, ct);
        }
    }

    /// <summary>
    /// Submits jobs <paramref name="jobs"/> from <paramref name="clients"/> concurrent clients, each pausing
    /// <paramref name="pace"/> after each of its jobs (none by default).
    /// </summary>
    public Task SubmitManyAsync(IEnumerable<int> jobs, int clients, TimeSpan? pace = null, CancellationToken ct = default) =>
        Parallel.ForEachAsync(jobs, new ParallelOptions { MaxDegreeOfParallelism = clients, CancellationToken = ct },
            async (job, token) =>
            {
                await SubmitAsync(job, ct: token);
                if (pace is { } p && p > TimeSpan.Zero) await Task.Delay(p, token);
            });

    /// <summary>One request to one node, no retry. Never throws for the node's failures: they are recorded.</summary>
    public Task<Attempt> SubmitOnceAsync(int node, int job, CancellationToken ct = default) => SubmitOnceAsync(_cluster.QueueUri(node), node, job, ct);

    /// <summary>
    /// One request to <paramref name="queue"/>, an address in front of the nodes (a load balancer), no retry; the
    /// attempt's <see cref="Attempt.Node"/> is <see cref="ThroughBalancer"/>.
    /// </summary>
    public Task<Attempt> SubmitThroughAsync(Uri queue, int job, CancellationToken ct = default) => SubmitOnceAsync(queue, ThroughBalancer, job, ct);

    /// <summary>The <see cref="Attempt.Node"/> of a request sent to an address in front of the nodes, not to one node.</summary>
    public const int ThroughBalancer = -1;

    private async Task<Attempt> SubmitOnceAsync(Uri queue, int node, int job, CancellationToken ct)
    {
        var number = Interlocked.Increment(ref _number);
        var started = DateTimeOffset.UtcNow;
        Attempt attempt;
        try
        {
            var result = await _ipp.PrintJobAsync(queue, new MemoryStream(Document(number)), "chaos", JobName(number), ct: ct);
            attempt = result.Status == IppStatusCode.SuccessfulOk && result.JobId > 0
                ? new Attempt(number, job, node, started, DateTimeOffset.UtcNow - started, true, result.JobId, null)
                : new Attempt(number, job, node, started, DateTimeOffset.UtcNow - started, false, 0, $"IPP {result.Status}: {result.StatusMessage}");
        }
        catch (Exception e) when (!ct.IsCancellationRequested && e is HttpRequestException or IOException or TaskCanceledException or InvalidDataException or EndOfStreamException)
        {
            attempt = new Attempt(number, job, node, started, DateTimeOffset.UtcNow - started, false, 0, Describe(e));
        }
        _attempts.Enqueue(attempt);
        return attempt;
    }

    /// <summary>Failed requests by kind, e.g. "connection refused: 12, connection broken: 3".</summary>
    public string FailureSummary() => FailureSummary(Failed);

    /// <summary>The given failed requests by kind.</summary>
    public static string FailureSummary(IReadOnlyCollection<Attempt> failed)
    {
        if (failed.Count == 0) return "none";
        return string.Join(", ", failed.GroupBy(a => Kind(a.Failure!)).OrderByDescending(g => g.Count()).Select(g => $"{g.Key}: {g.Count()}"));
    }

    private static string Kind(string failure)
    {
        var colon = failure.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 ? failure[..colon] : failure;
    }

    private static string Describe(Exception e)
    {
        if (e is TaskCanceledException) return "timeout: no answer within " + "90 s";
        if (e is HttpRequestException { StatusCode: { } status }) return $"HTTP {(int)status}: {e.Message}";
        for (var inner = (Exception?)e; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException { SocketErrorCode: SocketError.ConnectionRefused }) return "connection refused: " + e.Message;
        }
        return "connection broken: " + e.GetType().Name + " " + e.Message + (e.InnerException is { } i ? " / " + i.Message : "");
    }

    private int NextNode()
    {
        for (var i = 0; i < _cluster.NodeCount; i++)
        {
            var node = (int)((uint)Interlocked.Increment(ref _roundRobin) % (uint)_cluster.NodeCount);
            if (!SkipDeadNodes || _cluster.IsRunning(node)) return node;
        }
        return (int)((uint)Interlocked.Increment(ref _roundRobin) % (uint)_cluster.NodeCount);
    }

    public void Dispose() => _http.Dispose();
}
