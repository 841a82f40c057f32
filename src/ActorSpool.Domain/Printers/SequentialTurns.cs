namespace ActorSpool.Domain.Printers;

/// <summary>
/// The submission order a printer with <c>sequential = on</c> keeps across every queue that feeds it. Each queue
/// tells the printer which of its jobs it would send next (its candidate, with the job's submission time); the turn
/// is the earliest candidate of all, and only the queue whose job has the turn dispatches to the printer. A candidate
/// that leaves the turn was dispatched (or withdrawn): the printer expects it, and starts no later job before it has
/// arrived, for at most <c>wait</c>, so jobs whose workers' messages cross still start in order.
/// </summary>
public sealed class SequentialTurns
{
    /// <summary>A queue's next job for this printer.</summary>
    public sealed record Candidate(string Queue, long JobId, DateTimeOffset SubmittedAt);

    private readonly Dictionary<string, Candidate> _candidates = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Queue, long JobId), (DateTimeOffset SubmittedAt, DateTimeOffset Since)> _expected = new();

    /// <summary>The job whose queue may dispatch to the printer now; null when no queue has offered one.</summary>
    public Candidate? Turn => _candidates.Values.OrderBy(c => c.SubmittedAt).ThenBy(c => c.Queue, StringComparer.Ordinal).ThenBy(c => c.JobId).FirstOrDefault();

    /// <summary>Whether <paramref name="queue"/> may dispatch <paramref name="jobId"/> to the printer (it has the turn, or nobody has).</summary>
    public bool IsTurnOf(string queue, long jobId) => Turn is not { } turn || (turn.Queue == queue && turn.JobId == jobId);

    /// <summary>A queue's candidate (null: it has none: empty, paused or every job held).</summary>
    public void Offer(string queue, Candidate? candidate, DateTimeOffset now)
    {
        if (_candidates.TryGetValue(queue, out var previous) && previous != candidate)
        {
            _expected[(previous.Queue, previous.JobId)] = (previous.SubmittedAt, now);
        }
        if (candidate is null) _candidates.Remove(queue);
        else _candidates[queue] = candidate;
    }

    /// <summary>The printer started the job: nothing waits for it any more.</summary>
    public void Started(string queue, long jobId) => _expected.Remove((queue, jobId));

    /// <summary>
    /// Whether a delivery of the job submitted at <paramref name="submittedAt"/> may start: no job submitted before it
    /// left the turn within <paramref name="wait"/> without having started here.
    /// </summary>
    public bool MayStart(string queue, long jobId, DateTimeOffset submittedAt, DateTimeOffset now, TimeSpan wait)
    {
        foreach (var key in _expected.Where(e => now - e.Value.Since >= wait).Select(e => e.Key).ToList()) _expected.Remove(key);
        return !_expected.Any(e => Earlier(e.Value.SubmittedAt, e.Key.Queue, e.Key.JobId, submittedAt, queue, jobId));
    }

    /// <summary>When the oldest expectation runs out (a waiting job may then start), or null when nothing is expected.</summary>
    public DateTimeOffset? NextExpiry(TimeSpan wait) => _expected.Count == 0 ? null : _expected.Values.Min(e => e.Since) + wait;

    private static bool Earlier(DateTimeOffset at, string queue, long jobId, DateTimeOffset otherAt, string otherQueue, long otherJobId) =>
        at != otherAt ? at < otherAt
        : string.CompareOrdinal(queue, otherQueue) != 0 ? string.CompareOrdinal(queue, otherQueue) < 0
        : jobId < otherJobId;
}
