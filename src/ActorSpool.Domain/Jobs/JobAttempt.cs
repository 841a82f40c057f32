namespace ActorSpool.Domain.Jobs;

/// <summary>How one delivery attempt of a job ended.</summary>
public enum AttemptOutcome
{
    /// <summary>The device took the job (JobCompleted).</summary>
    Delivered,

    /// <summary>The delivery failed (JobAttemptFailed); the job was retried or, after its last attempt, aborted.</summary>
    Failed,

    /// <summary>Cut off without an outcome (worker lost, queue restarted, no report in time); it does not count as an attempt.</summary>
    Interrupted,

    /// <summary>The job was canceled while this delivery was under way.</summary>
    Canceled,

    /// <summary>The job was aborted while this delivery was under way.</summary>
    Aborted,
}

/// <summary>
/// One dispatch of a job: handed to a worker on <see cref="Node"/> for <see cref="Printer"/> at <see cref="StartedAt"/>,
/// ended at <see cref="EndedAt"/> with <see cref="Outcome"/> (both null while it is under way).
/// </summary>
/// <param name="Attempt">The dispatch number (JobDispatched's Attempt): interrupted dispatches are numbered too.</param>
/// <param name="Node">The cluster member whose worker delivered it (the address of the worker's actor path).</param>
/// <param name="StartedAt">Null only for a dispatch made before the job kept its history (an older snapshot).</param>
public sealed record JobAttempt(
    int Attempt,
    string Printer,
    string? Node,
    DateTimeOffset? StartedAt,
    DateTimeOffset? EndedAt,
    AttemptOutcome? Outcome,
    string? Error)
{
    /// <summary>
    /// The attempts a job keeps, the newest last: a job that retries for ever must not grow its record (and every
    /// snapshot of its queue) without limit.
    /// </summary>
    public const int MaxKept = 20;

    /// <summary>
    /// The member address of a worker's serialized actor path: <c>akka.tcp://actorspool@10.0.0.1:4053</c> of
    /// <c>akka.tcp://actorspool@10.0.0.1:4053/system/sharding/…</c>; the whole text when it has no path part.
    /// </summary>
    public static ReadOnlySpan<char> NodeOf(ReadOnlySpan<char> workerPath)
    {
        var scheme = workerPath.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0) return workerPath;
        var path = workerPath[(scheme + 3)..].IndexOf('/');
        return path < 0 ? workerPath : workerPath[..(scheme + 3 + path)];
    }
}
