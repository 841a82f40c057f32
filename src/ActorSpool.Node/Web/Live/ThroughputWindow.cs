using ActorSpool.Domain.Messages;

namespace ActorSpool.Node.Web.Live;

/// <summary>
/// Counts one node's jobs submitted and completed since the last sample, with the submit-to-printed times of the
/// completed ones for their 95th percentile. At most <see cref="MaxLatencies"/> times are kept per interval (a uniform
/// reservoir sample beyond that), so a node printing thousands of jobs a second stays within a fixed memory.
/// </summary>
public sealed class ThroughputWindow(DateTimeOffset start, Random? random = null)
{
    public const int MaxLatencies = 10_000;

    private readonly Random _random = random ?? Random.Shared;
    private readonly List<long> _latencies = [];
    private DateTimeOffset _since = start;
    private long _submitted;
    private long _completed;

    public void Submitted() => _submitted++;

    public void Completed(long? submitToPrintedMs)
    {
        _completed++;
        if (submitToPrintedMs is not { } ms) return;
        if (_latencies.Count < MaxLatencies) _latencies.Add(ms);
        else if (_random.NextInt64(_completed) is var slot && slot < MaxLatencies) _latencies[(int)slot] = ms;
    }

    /// <summary>The interval since the last sample, closed at <paramref name="now"/>; the next one starts there.</summary>
    public LiveProtocol.StatsSample TakeSample(DateTimeOffset now)
    {
        var seconds = Math.Max((now - _since).TotalSeconds, 0.001);
        var sample = new LiveProtocol.StatsSample(now, Math.Round(_submitted / seconds, 3), Math.Round(_completed / seconds, 3), Percentile95(_latencies));
        _since = now;
        _submitted = _completed = 0;
        _latencies.Clear();
        return sample;
    }

    /// <summary>The nearest-rank 95th percentile (null without values).</summary>
    public static long? Percentile95(List<long> values)
    {
        if (values.Count == 0) return null;
        values.Sort();
        var rank = (int)Math.Ceiling(0.95 * values.Count);
        return values[rank - 1];
    }
}
