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

    public sealed record JobHeld(long JobId, DateTimeOffset At) : IJobQueueEvent;

    public sealed record JobReleased(long JobId, DateTimeOffset At) : IJobQueueEvent;

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
