using ActorSpool.Domain.Messages;

namespace ActorSpool.Domain.Jobs;

/// <summary>The persisted snapshot of a queue: all jobs it still knows plus the next sequence number.</summary>
public sealed record QueueSnapshot(JobRecord[] Jobs, long NextSequence) : ISpoolMessage
{
    /// <summary>The queue was paused (absent in snapshots written before pausing existed: not paused).</summary>
    public bool Paused { get; init; }
}
