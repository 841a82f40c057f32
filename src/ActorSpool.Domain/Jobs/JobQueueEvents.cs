namespace ActorSpool.Domain.Jobs;

/// <summary>The journal of a JobQueue: every state change of its jobs is one of these events.</summary>
public static class JobQueueEvents
{
    public interface IJobQueueEvent : Messages.ISpoolMessage
    {
        DateTimeOffset At { get; }
    }

    public sealed record JobAccepted(JobRecord Job, bool Held, DateTimeOffset At) : IJobQueueEvent;

    /// <summary>The job was handed to a worker for delivery to <paramref name="Printer"/>.</summary>
    public sealed record JobDispatched(long JobId, int Attempt, string Printer, string Worker, DateTimeOffset At) : IJobQueueEvent;

    public sealed record JobCompleted(long JobId, int Attempt, string Printer, DateTimeOffset At) : IJobQueueEvent;

    /// <summary>A delivery attempt failed; the job goes back to pending (a retry) unless an abort follows.</summary>
    public sealed record JobAttemptFailed(long JobId, int Attempt, string Printer, string Reason, DateTimeOffset At) : IJobQueueEvent;

    /// <summary>
    /// The delivery was cut off without an outcome (worker lost, queue restarted): back to pending, and it does
    /// not count as an attempt because the device may never have seen the job.
    /// </summary>
    public sealed record JobInterrupted(long JobId, string Reason, DateTimeOffset At) : IJobQueueEvent;

    public sealed record JobAborted(long JobId, string Reason, DateTimeOffset At) : IJobQueueEvent;

    public sealed record JobCanceled(long JobId, string By, DateTimeOffset At) : IJobQueueEvent;

    /// <summary>
    /// The job is held: until Release-Job, or until <see cref="ReleaseAt"/> when set. An incoming job keeps receiving
    /// documents and is held once closed. (Events written before named holds existed read as indefinite.)
    /// </summary>
    public sealed record JobHeld(long JobId, DateTimeOffset At) : IJobQueueEvent
    {
        /// <summary>The job-hold-until keyword; null with <see cref="ReleaseAt"/> for job-hold-until-time, else indefinite.</summary>
        public string? HoldUntil { get; init; }

        public DateTimeOffset? ReleaseAt { get; init; }
    }

    /// <summary>Release-Job, or the held job's release time came. An incoming job only drops its hold request.</summary>
    public sealed record JobReleased(long JobId, DateTimeOffset At) : IJobQueueEvent;

    /// <summary>
    /// Create-Job: the job exists without documents and is incoming (pending-held, job-incoming) until
    /// <see cref="JobClosed"/>; its record carries the hold it asked for (HoldUntil, or ReleaseAt for a time).
    /// </summary>
    public sealed record JobCreated(JobRecord Job, DateTimeOffset At) : IJobQueueEvent;

    /// <summary>Send-Document: one more document of an incoming job, durably stored before this event is written.</summary>
    public sealed record DocumentAdded(long JobId, JobDocument Document, DateTimeOffset At) : IJobQueueEvent;

    /// <summary>
    /// The incoming job has all its documents (last-document, Close-Job or the multiple-operation-time-out): it becomes
    /// pending, or pending-held when the hold it asked for starts now (<see cref="HoldUntil"/>, <see cref="ReleaseAt"/>:
    /// a named period is reckoned from the close, not from Create-Job).
    /// </summary>
    public sealed record JobClosed(long JobId, string Reason, DateTimeOffset At) : IJobQueueEvent
    {
        public string? HoldUntil { get; init; }

        public DateTimeOffset? ReleaseAt { get; init; }
    }

    /// <summary>
    /// Restart-Job: a finished job goes back in line with its documents, behind the jobs waiting now
    /// (<paramref name="Sequence"/>); its attempts count from zero again, its dispatch numbers keep counting.
    /// </summary>
    public sealed record JobRestarted(long JobId, long Sequence, DateTimeOffset At) : IJobQueueEvent
    {
        /// <summary>job-hold-until of the Restart-Job request: the job restarts held (as in <see cref="JobHeld"/>).</summary>
        public string? HoldUntil { get; init; }

        public DateTimeOffset? ReleaseAt { get; init; }
    }

    /// <summary>The queue stopped dispatching (it still accepts jobs) until <see cref="QueueResumed"/>.</summary>
    public sealed record QueuePaused(string By, DateTimeOffset At) : IJobQueueEvent;

    public sealed record QueueResumed(DateTimeOffset At) : IJobQueueEvent;

    /// <summary>Retention removed these terminal jobs from the queue's memory and journal state.</summary>
    public sealed record JobsPurged(long[] JobIds, DateTimeOffset At) : IJobQueueEvent;
}

/// <summary>The persisted snapshot of a queue: all jobs it still knows plus the next sequence number.</summary>
public sealed record QueueSnapshot(JobRecord[] Jobs, long NextSequence) : Messages.ISpoolMessage
{
    /// <summary>The queue was paused (absent in snapshots written before pausing existed: not paused).</summary>
    public bool Paused { get; init; }
}
