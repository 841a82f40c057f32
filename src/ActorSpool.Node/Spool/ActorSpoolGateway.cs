using ActorSpool.Actors;
using ActorSpool.Actors.Membership;
using ActorSpool.Actors.Queues;
using ActorSpool.Actors.Storage;
using ActorSpool.Actors.Topology;
using ActorSpool.Domain.Jobs;
using ActorSpool.Domain.Topology;
using Akka.Actor;
using Akka.Hosting;
using static ActorSpool.Domain.Messages.JobQueueProtocol;

namespace ActorSpool.Node.Spool;

/// <summary><see cref="ISpoolGateway"/> over the sharded JobQueue entities and the document store.</summary>
public sealed class ActorSpoolGateway(
    ILiveTopology liveTopology,
    IDocumentStore documents,
    IRequiredActor<JobQueueRegion> queues,
    TimeProvider clock,
    SpoolSettings settings,
    ICrashPoints crashPoints,
    ActorSystem system) : ISpoolGateway
{
    /// <summary>
    /// How long ingress waits for a queue. Generous: right after a crash the queue may first replay its journal
    /// or move to another node, and a client that gets an error resubmits, which costs more.
    /// </summary>
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(30);

    public SpoolTopology Topology => liveTopology.Current;

    public DateTimeOffset StartedAt { get; } = clock.GetUtcNow();

    public Task<long> AllocateJobIdAsync(string queue, CancellationToken ct = default) =>
        Storing(() => documents.AllocateJobIdAsync(queue, ct));

    public async Task<StoredDocument> StoreDocumentAsync(long jobId, int documentNumber, Stream content, string format, string? name, long maxBytes, CancellationToken ct = default)
    {
        var stored = await Storing(() => documents.WriteDocumentAsync(jobId, documentNumber, content, format, name, maxBytes, allowEmpty: false, ct));
        crashPoints.Pass(ICrashPoints.AfterDocumentStored);
        return stored;
    }

    public async Task<StoredDocument> StoreNewJobAsync(string queue, Stream content, string format, string? name, long maxBytes, CancellationToken ct = default)
    {
        var stored = await Storing(() => documents.WriteJobAsync(queue, content, format, name, maxBytes, allowEmpty: false, ct));
        crashPoints.Pass(ICrashPoints.AfterDocumentStored);
        return stored;
    }

    /// <summary>The database failing under a store operation is "storage unavailable" for ingress, not an internal error.</summary>
    private static async Task<T> Storing<T>(Func<Task<T>> operation)
    {
        try
        {
            return await operation();
        }
        catch (Exception e) when (StorageUnavailableException.IsStorageFailure(e))
        {
            throw StorageUnavailableException.From(e);
        }
    }

    /// <summary>Submitting is idempotent (the queue answers a known job id with the job), so it is retried.</summary>
    public Task<object> SubmitAsync(Commands.SubmitJob command, CancellationToken ct = default) =>
        AskWithRetries<object>(command, ct);

    public Task DiscardJobAsync(long jobId, CancellationToken ct = default) =>
        documents.DeleteJobAsync(jobId, ct);

    public async Task<JobRecord?> GetJobAsync(string queue, long jobId, CancellationToken ct = default) =>
        (await AskWithRetries<Replies.JobInfo>(new Queries.GetJob(queue, jobId), ct)).Job;

    public Task<string?> FindQueueOfJobAsync(long jobId, CancellationToken ct = default) =>
        Storing(() => documents.FindQueueOfJobAsync(jobId, ct));

    public async Task<JobRecord[]> GetJobsAsync(string queue, JobFilter which, string? owner, int limit, CancellationToken ct = default) =>
        (await AskWithRetries<Replies.JobList>(new Queries.GetJobs(queue, which, owner, limit), ct)).Jobs;

    public Task<Replies.CommandResult> CancelJobAsync(string queue, long jobId, Requester by, string? reason = null, CancellationToken ct = default) =>
        Ask<Replies.CommandResult>(new Commands.CancelJob(queue, jobId, by) { Reason = reason }, ct);

    /// <summary>Purging twice cancels nothing more, so it is retried.</summary>
    public Task<Replies.CommandResult> PurgeJobsAsync(string queue, Requester by, CancellationToken ct = default) =>
        AskWithRetries<Replies.CommandResult>(new Commands.PurgeJobs(queue, by), ct);

    /// <summary>Purging twice removes nothing more, so it is retried.</summary>
    public Task<Replies.CommandResult> PurgeFinishedJobsAsync(string queue, DateTimeOffset finishedBefore, Requester by, CancellationToken ct = default) =>
        AskWithRetries<Replies.CommandResult>(new Commands.PurgeFinishedJobs(queue, finishedBefore, by), ct);

    public Task<Replies.CommandResult> HoldJobAsync(string queue, long jobId, Requester by, CancellationToken ct = default) =>
        Ask<Replies.CommandResult>(new Commands.HoldJob(queue, jobId, by), ct);

    public Task<Replies.CommandResult> HoldJobAsync(string queue, long jobId, Requester by, JobHold until, CancellationToken ct) =>
        Ask<Replies.CommandResult>(new Commands.HoldJob(queue, jobId, by) { HoldUntil = until }, ct);

    public TimeSpan MultipleOperationTimeout => settings.MultipleOperationTimeout;

    /// <summary>Idempotent by job id, like submitting, so it is retried.</summary>
    public Task<object> CreateJobAsync(Commands.CreateJob command, CancellationToken ct = default) =>
        AskWithRetries<object>(command, ct);

    /// <summary>A retried reservation only skips a document number, so it is retried.</summary>
    public Task<object> ReserveDocumentAsync(string queue, long jobId, Requester by, CancellationToken ct = default) =>
        AskWithRetries<object>(new Commands.ReserveDocument(queue, jobId, by), ct);

    /// <summary>Idempotent by document number (a recorded document is answered as recorded), so it is retried.</summary>
    public Task<Replies.CommandResult> AddDocumentAsync(Commands.AddDocument command, CancellationToken ct = default) =>
        AskWithRetries<Replies.CommandResult>(command, ct);

    /// <summary>Closing a closed job changes nothing, so it is retried.</summary>
    public Task<Replies.CommandResult> CloseJobAsync(string queue, long jobId, Requester by, CancellationToken ct = default) =>
        AskWithRetries<Replies.CommandResult>(new Commands.CloseJob(queue, jobId, by), ct);

    public Task<Replies.CommandResult> RestartJobAsync(string queue, long jobId, JobHold? holdUntil, Requester by, CancellationToken ct = default) =>
        Ask<Replies.CommandResult>(new Commands.RestartJob(queue, jobId, holdUntil, by), ct);

    public Task<Replies.CommandResult> ReleaseJobAsync(string queue, long jobId, Requester by, CancellationToken ct = default) =>
        Ask<Replies.CommandResult>(new Commands.ReleaseJob(queue, jobId, by), ct);

    public Task<Replies.QueueStatus> GetQueueStatusAsync(string queue, CancellationToken ct = default) =>
        AskWithRetries<Replies.QueueStatus>(new Queries.GetQueueStatus(queue), ct);

    /// <summary>Pausing and resuming are idempotent (a paused queue answers its status), so they are retried.</summary>
    public Task<object> PauseQueueAsync(string queue, Requester by, CancellationToken ct = default) =>
        AskWithRetries<object>(new Commands.PauseQueue(queue, by), ct);

    public Task<object> ResumeQueueAsync(string queue, Requester by, CancellationToken ct = default) =>
        AskWithRetries<object>(new Commands.ResumeQueue(queue, by), ct);

    private async Task<T> Ask<T>(object message, CancellationToken ct)
    {
        var region = await queues.GetAsync(ct);
        try
        {
            return Expected<T>(message, await region.Ask<object>(message, AskTimeout, ct));
        }
        catch (AskTimeoutException)
        {
            throw Unanswered(message);
        }
    }

    /// <summary>The answer as asked for; a queue whose journal failed answers so at once, and that is no reason to try again.</summary>
    private static T Expected<T>(object message, object answer) => answer switch
    {
        Replies.StorageUnavailable unavailable => throw new StorageUnavailableException(unavailable.Reason, diskFull: unavailable.DiskFull),
        T expected => expected,
        _ => throw new InvalidOperationException($"Unexpected answer to {message.GetType().Name}: {answer.GetType().Name}."),
    };

    /// <summary>Ingress reports a timeout as "service unavailable, try again", not as an internal error.</summary>
    private static TimeoutException Unanswered(object message) =>
        new($"the queue did not answer {message.GetType().Name} within {AskTimeout.TotalSeconds:0} s");

    /// <summary>
    /// Asks in tries within <see cref="AskTimeout"/>: a message sent to a shard on a node that just died is lost until
    /// the shard moves, and a fresh try reaches it where it lives now. A try waits <see cref="RetryInterval"/>; when a
    /// member is removed while it is out, the message goes again after <see cref="MemberRemovals.ShardMoveGrace"/> (the regions then
    /// re-ask where that member's shards went) and the earlier try's answer, if any, is dropped. Only for idempotent
    /// messages.
    /// </summary>
    private async Task<T> AskWithRetries<T>(object message, CancellationToken ct)
    {
        var region = await queues.GetAsync(ct);
        var deadline = clock.GetUtcNow() + AskTimeout;
        var removals = MemberRemovals.Get(system);
        while (true)
        {
            var removed = removals.Next;
            var attempt = region.Ask<object>(message, RetryInterval, ct);
            if (await Task.WhenAny(attempt, removed) == attempt)
            {
                try
                {
                    return Expected<T>(message, await attempt);
                }
                catch (AskTimeoutException) when (clock.GetUtcNow() + RetryInterval < deadline)
                {
                    continue;
                }
                catch (AskTimeoutException)
                {
                    throw Unanswered(message);
                }
            }
            _ = attempt.ContinueWith(static t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted); // dropped: its timeout is expected
            await Task.Delay(MemberRemovals.ShardMoveGrace, ct);
            if (clock.GetUtcNow() >= deadline) throw Unanswered(message);
        }
    }

    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(5);
}
