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

    /// <summary>
    /// A new job's id and its first document in one go (one shared commit in the store); throws like
    /// <see cref="StoreDocumentAsync"/>, and then nothing of the job is kept.
    /// </summary>
    async Task<StoredDocument> StoreNewJobAsync(string queue, Stream content, string format, string? name, long maxBytes, CancellationToken ct = default) =>
        await StoreDocumentAsync(await AllocateJobIdAsync(queue, ct), 1, content, format, name, maxBytes, ct);

    /// <summary>Asks the queue to accept a job whose documents are stored. Answers JobAccepted or JobRejected.</summary>
    Task<object> SubmitAsync(Commands.SubmitJob command, CancellationToken ct = default);

    /// <summary>
    /// Deletes what the store holds of a job the queue did not take (its documents and its id): ingress stores a
    /// job's documents before the queue answers. Deleting an unknown job does nothing.
    /// </summary>
    Task DiscardJobAsync(long jobId, CancellationToken ct = default) =>
        throw new NotSupportedException($"{GetType().Name} cannot discard jobs.");

    Task<JobRecord?> GetJobAsync(string queue, long jobId, CancellationToken ct = default);

    /// <summary>The queue a job id belongs to (job ids are unique across queues), or null.</summary>
    Task<string?> FindQueueOfJobAsync(long jobId, CancellationToken ct = default);

    Task<JobRecord[]> GetJobsAsync(string queue, JobFilter which, string? owner, int limit, CancellationToken ct = default);

    /// <summary>Cancel-Job by <paramref name="by"/> (the owner or an admin); <paramref name="reason"/> is recorded after the name.</summary>
    Task<Replies.CommandResult> CancelJobAsync(string queue, long jobId, Requester by, string? reason = null, CancellationToken ct = default);

    /// <summary>Purge-Jobs: an admin cancels every unfinished job of the queue at once.</summary>
    Task<Replies.CommandResult> PurgeJobsAsync(string queue, Requester by, CancellationToken ct = default) =>
        throw new NotSupportedException($"{GetType().Name} cannot purge queues.");

    /// <summary>An admin removes the queue's jobs that finished before <paramref name="finishedBefore"/> (and their documents).</summary>
    Task<Replies.CommandResult> PurgeFinishedJobsAsync(string queue, DateTimeOffset finishedBefore, Requester by, CancellationToken ct = default) =>
        throw new NotSupportedException($"{GetType().Name} cannot purge finished jobs.");

    Task<Replies.CommandResult> HoldJobAsync(string queue, long jobId, Requester by, CancellationToken ct = default);

    /// <summary>Hold-Job with job-hold-until: held until that period or time (released at once if it is on now).</summary>
    Task<Replies.CommandResult> HoldJobAsync(string queue, long jobId, Requester by, JobHold until, CancellationToken ct) =>
        throw new NotSupportedException($"{GetType().Name} cannot hold jobs until a time.");

    Task<Replies.CommandResult> ReleaseJobAsync(string queue, long jobId, Requester by, CancellationToken ct = default);

    Task<Replies.QueueStatus> GetQueueStatusAsync(string queue, CancellationToken ct = default);

    /// <summary>IPP multiple-operation-time-out: how long a Create-Job job waits for its next Send-Document.</summary>
    TimeSpan MultipleOperationTimeout => TimeSpan.FromSeconds(300);

    /// <summary>Create-Job: records an incoming job without documents. Answers JobAccepted or JobRejected.</summary>
    Task<object> CreateJobAsync(Commands.CreateJob command, CancellationToken ct = default) =>
        throw new NotSupportedException($"{GetType().Name} cannot create multi-document jobs.");

    /// <summary>
    /// Send-Document, before storing: answers DocumentReserved with the number to store the document under, or a
    /// CommandResult (NotFound, NotPossible) when the job takes no document.
    /// </summary>
    Task<object> ReserveDocumentAsync(string queue, long jobId, Requester by, CancellationToken ct = default) =>
        throw new NotSupportedException($"{GetType().Name} cannot add documents to jobs.");

    /// <summary>Send-Document, after storing: records the document (and closes the job when it is the last).</summary>
    Task<Replies.CommandResult> AddDocumentAsync(Commands.AddDocument command, CancellationToken ct = default) =>
        throw new NotSupportedException($"{GetType().Name} cannot add documents to jobs.");

    /// <summary>Close-Job: an incoming job has all its documents.</summary>
    Task<Replies.CommandResult> CloseJobAsync(string queue, long jobId, Requester by, CancellationToken ct = default) =>
        throw new NotSupportedException($"{GetType().Name} cannot close jobs.");

    /// <summary>Restart-Job: a completed, canceled or aborted job prints again (held when <paramref name="holdUntil"/> says so).</summary>
    Task<Replies.CommandResult> RestartJobAsync(string queue, long jobId, JobHold? holdUntil, Requester by, CancellationToken ct = default) =>
        throw new NotSupportedException($"{GetType().Name} cannot restart jobs.");

    /// <summary>
    /// Pauses the queue (it accepts jobs, dispatches none; persisted) and answers its status (Replies.QueueStatus), or
    /// a Replies.CommandResult refusing <paramref name="by"/> (not an authenticated admin).
    /// </summary>
    Task<object> PauseQueueAsync(string queue, Requester by, CancellationToken ct = default) =>
        throw new NotSupportedException($"{GetType().Name} cannot pause queues.");

    /// <summary>Resumes a paused queue and answers like <see cref="PauseQueueAsync"/>.</summary>
    Task<object> ResumeQueueAsync(string queue, Requester by, CancellationToken ct = default) =>
        throw new NotSupportedException($"{GetType().Name} cannot resume queues.");
}
