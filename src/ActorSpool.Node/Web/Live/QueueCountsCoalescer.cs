using ActorSpool.Domain.Messages;

namespace ActorSpool.Node.Web.Live;

/// <summary>
/// A queue's counts go to the browsers at most once per <see cref="Interval"/>: a queue taking thousands of jobs a second
/// publishes a batch per journal write, which no page needs to redraw. The latest counts within an interval win.
/// </summary>
public sealed class QueueCountsCoalescer(TimeSpan interval)
{
    private sealed class Entry
    {
        public DateTimeOffset LastSent { get; set; } = DateTimeOffset.MinValue;
        public LiveProtocol.QueueCounts? Sent { get; set; }
        public LiveProtocol.QueueCounts? Waiting { get; set; }
    }

    private readonly Dictionary<string, Entry> _queues = new(StringComparer.OrdinalIgnoreCase);

    public TimeSpan Interval => interval;

    /// <summary>The counts to send now, or null: unchanged, or held back until the queue's interval has passed (<see cref="Due"/>).</summary>
    public LiveProtocol.QueueCounts? Offer(string queue, LiveProtocol.QueueCounts counts, DateTimeOffset now)
    {
        if (!_queues.TryGetValue(queue, out var entry)) _queues[queue] = entry = new Entry();
        if (counts == entry.Sent)
        {
            entry.Waiting = null;
            return null;
        }
        if (now - entry.LastSent < interval)
        {
            entry.Waiting = counts;
            return null;
        }
        entry.Waiting = null;
        entry.Sent = counts;
        entry.LastSent = now;
        return counts;
    }

    /// <summary>Counts held back whose interval has passed by <paramref name="now"/>, now to be sent.</summary>
    public List<(string Queue, LiveProtocol.QueueCounts Counts)> Due(DateTimeOffset now)
    {
        var due = new List<(string, LiveProtocol.QueueCounts)>();
        foreach (var (queue, entry) in _queues)
        {
            if (entry.Waiting is not { } waiting || now - entry.LastSent < interval) continue;
            due.Add((queue, waiting));
            entry.Sent = waiting;
            entry.Waiting = null;
            entry.LastSent = now;
        }
        return due;
    }
}
