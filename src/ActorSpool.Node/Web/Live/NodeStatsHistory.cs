using ActorSpool.Domain.Messages;

namespace ActorSpool.Node.Web.Live;

/// <summary>
/// Every node's reports and its last <see cref="Window"/> of samples (one per <see cref="LiveProtocol.StatsIntervalSeconds"/>),
/// as this node received them: 180 samples per node for 15 minutes.
/// </summary>
public sealed class NodeStatsHistory(TimeSpan window)
{
    private readonly Dictionary<string, RingBuffer<LiveProtocol.StatsSample>> _samples = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (LiveProtocol.NodeReport Report, DateTimeOffset At)> _reports = new(StringComparer.Ordinal);

    public TimeSpan Window => window;

    public int SamplesPerNode => (int)Math.Ceiling(window.TotalSeconds / LiveProtocol.StatsIntervalSeconds);

    public void Add(LiveProtocol.NodeStats stats, DateTimeOffset receivedAt)
    {
        var node = stats.Report.Address;
        if (!_samples.TryGetValue(node, out var samples)) _samples[node] = samples = new RingBuffer<LiveProtocol.StatsSample>(SamplesPerNode);
        samples.Add(stats.Sample);
        _reports[node] = (stats.Report, receivedAt);
    }

    /// <summary>The node's last report and when it came; null when it never reported.</summary>
    public (LiveProtocol.NodeReport Report, DateTimeOffset At)? ReportOf(string node) => _reports.TryGetValue(node, out var report) ? report : null;

    /// <summary>Each node's samples taken since <paramref name="since"/>, oldest first, nodes by address.</summary>
    public IEnumerable<(string Node, LiveProtocol.StatsSample[] Samples)> Since(DateTimeOffset since) =>
        _samples.OrderBy(n => n.Key, StringComparer.Ordinal).Select(n => (n.Key, n.Value.ToArray().Where(s => s.At >= since).ToArray()));

    /// <summary>Forgets nodes silent for the whole window (gone from the cluster), so nodes coming and going cannot grow it.</summary>
    public void Prune(DateTimeOffset now)
    {
        foreach (var (node, (_, at)) in _reports.Where(r => now - r.Value.At > window).ToList())
        {
            _samples.Remove(node);
            _reports.Remove(node);
        }
    }
}
