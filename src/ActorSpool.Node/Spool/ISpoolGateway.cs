using ActorSpool.Actors.Storage;
using ActorSpool.Domain.Jobs;
using ActorSpool.Domain.Topology;
using static ActorSpool.Domain.Messages.JobQueueProtocol;

namespace ActorSpool.Node.Spool;

/// <summary>
/// What the ingress protocols (IPP, LPD, raw, REST) need of the spooler, behind one seam so they are tested
/// without an ActorSystem. The production implementation asks the sharded JobQueue entities.
/// </summary>
public interface ISpoolGateway
{
    SpoolTopology Topology { get; }

    /// <summary>Time the node started, for printer-up-time.</summary>
    DateTimeOffset StartedAt { get; }

    Task<long> AllocateJobIdAsync(string queue, CancellationToken ct = default);

    /// <summary>Durably stores one document of a job; throws DocumentTooLargeException / EmptyDocumentException.</summary>
    Task<StoredDocument> StoreDocumentAsync(long jobId, int documentNumber, Stream content, string format, string? name, long maxBytes, CancellationToken ct = default);

    /// <summary>Asks the queue to accept a job whose documents are stored. Answers JobAccepted or JobRejected.</summary>
    Task<object> SubmitAsync(Commands.SubmitJob command, CancellationToken ct = default);

    Task<JobRecord?> GetJobAsync(string queue, long jobId, CancellationToken ct = default);

    /// <summary>The queue a job id belongs to (job ids are unique across queues), or null.</summary>
    Task<string?> FindQueueOfJobAsync(long jobId, CancellationToken ct = default);

    Task<JobRecord[]> GetJobsAsync(string queue, JobFilter which, string? owner, int limit, CancellationToken ct = default);

    Task<Replies.CommandResult> CancelJobAsync(string queue, long jobId, string by, CancellationToken ct = default);

    Task<Replies.CommandResult> HoldJobAsync(string queue, long jobId, CancellationToken ct = default);

    Task<Replies.CommandResult> ReleaseJobAsync(string queue, long jobId, CancellationToken ct = default);

    Task<Replies.QueueStatus> GetQueueStatusAsync(string queue, CancellationToken ct = default);

    /// <summary>Pauses the queue (it accepts jobs, dispatches none; persisted) and answers its status.</summary>
    Task<Replies.QueueStatus> PauseQueueAsync(string queue, string by, CancellationToken ct = default) =>
        throw new NotSupportedException($"{GetType().Name} cannot pause queues.");

    /// <summary>Resumes a paused queue and answers its status.</summary>
    Task<Replies.QueueStatus> ResumeQueueAsync(string queue, CancellationToken ct = default) =>
        throw new NotSupportedException($"{GetType().Name} cannot resume queues.");
}
