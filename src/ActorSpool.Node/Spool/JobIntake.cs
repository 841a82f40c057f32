using System.Diagnostics;
using ActorSpool.Actors;
using ActorSpool.Actors.Storage;
using ActorSpool.Domain.Jobs;
using ActorSpool.Domain.Topology;
using Microsoft.Extensions.Logging.Abstractions;
using static ActorSpool.Domain.Messages.JobQueueProtocol;

namespace ActorSpool.Node.Spool;

/// <summary>
/// The one way a new job enters the spooler, for every ingress (IPP, LPD, raw): the node's intake limit, storing the
/// job with its document, asking the queue to accept it, the queue's answer as an <see cref="IntakeResult"/>, the
/// submission metrics, and discarding what was stored when the queue does not take the job. Each ingress only maps
/// the result to its protocol's answer, so a limit, a metric or a check added here holds for all of them.
/// <para>
/// When the queue's answer is unknown (the ask fails or is canceled) the documents stay: the queue may hold the job,
/// and an accepted job must have its documents. Exceptions from reading the content propagate; nothing is stored then.
/// </para>
/// </summary>
public sealed class JobIntake
{
    /// <summary>Discarding runs on its own clock: a stopping node or a departed client should not leave documents behind.</summary>
    private static readonly TimeSpan DiscardTimeout = TimeSpan.FromSeconds(10);

    private readonly ISpoolGateway _gateway;
    private readonly IntakeLimiter _limiter;
    private readonly DiskSpaceGuard _disk;
    private readonly Departments _departments;
    private readonly ILogger _logger;

    /// <param name="limiter">The node's intake limit; none (unbounded) for tests and tools that drive an ingress directly.</param>
    /// <param name="disk">The free-space floor of the spool disk; none when null.</param>
    /// <param name="departments">The owners' default priorities (actorspool.departments); none when null.</param>
    public JobIntake(ISpoolGateway gateway, IntakeLimiter? limiter = null, ILogger<JobIntake>? logger = null, DiskSpaceGuard? disk = null,
        Departments? departments = null)
    {
        _gateway = gateway ?? throw new ArgumentNullException(nameof(gateway));
        _limiter = limiter ?? IntakeLimiter.Unbounded;
        _disk = disk ?? DiskSpaceGuard.Off;
        _departments = departments ?? Departments.None;
        _logger = logger ?? NullLogger<JobIntake>.Instance;
    }

    /// <summary>
    /// Why nothing new may be stored now (the spool disk is below its free-space floor), or null. Work that stores
    /// outside <see cref="SubmitNewJobAsync"/> and <see cref="CreateJobAsync"/> (IPP Send-Document, LPD files) asks first.
    /// </summary>
    public string? DiskShortage()
    {
        var shortage = _disk.Shortage();
        if (shortage is not null)
        {
            SpoolMetrics.IntakeRefused.Inc();
            _logger.LogWarning("New work refused: {Shortage}", shortage);
        }

        return shortage;
    }

    /// <summary>
    /// Counts and logs work the full spool disk refused (the store rolled it back, nothing was kept); returns why, for
    /// the client. The free-space floor (<see cref="DiskShortage"/>) normally refuses before this happens.
    /// </summary>
    public string DiskFull(StorageFullException full)
    {
        ArgumentNullException.ThrowIfNull(full);
        SpoolMetrics.IntakeRefused.Inc();
        _logger.LogWarning("New work refused: {Reason}; nothing of it was stored", full.Message);
        return $"{full.Message}; try again later";
    }

    /// <summary>Submissions the node works on at once, for the "busy" answers.</summary>
    public int MaxConcurrent => _limiter.MaxConcurrent;

    /// <summary>
    /// An intake slot (dispose it once the submission is answered), or null: the node is at its limit and the client
    /// should hear "busy" and retry. For work that stores outside <see cref="SubmitNewJobAsync"/> (IPP Send-Document,
    /// LPD files); refusals are counted in actorspool_intake_refused_total.
    /// </summary>
    public async Task<IDisposable?> TryAdmitAsync(CancellationToken ct)
    {
        var slot = await _limiter.TryEnterAsync(ct).ConfigureAwait(false);
        if (slot is null)
        {
            SpoolMetrics.IntakeRefused.Inc();
        }

        return slot;
    }

    /// <summary>
    /// A new single-document job (IPP Print-Job, a raw connection): takes an intake slot, stores the job and its
    /// document in one commit, submits it and answers Accepted, Rejected (its document discarded), Busy, TooLarge,
    /// EmptyDocument or DiskLow (nothing stored: below the floor, or the disk ran full while storing).
    /// </summary>
    public async Task<IntakeResult> SubmitNewJobAsync(NewJob job, Stream content, string format, string? documentName, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(content);
        if (DiskShortage() is { } shortage)
        {
            return new IntakeResult.DiskLow(shortage);
        }

        using var slot = await TryAdmitAsync(ct).ConfigureAwait(false);
        if (slot is null)
        {
            return new IntakeResult.Busy(MaxConcurrent);
        }

        var started = Stopwatch.GetTimestamp();
        StoredDocument stored;
        try
        {
            // The job's id and its document share one commit with other jobs arriving now.
            stored = await _gateway.StoreNewJobAsync(job.Queue.Name, content, format, documentName, job.Queue.MaxDocumentBytes, ct).ConfigureAwait(false);
        }
        catch (EmptyDocumentException)
        {
            return new IntakeResult.EmptyDocument();
        }
        catch (DocumentTooLargeException e)
        {
            return new IntakeResult.TooLarge(e.Limit);
        }
        catch (StorageFullException e)
        {
            return new IntakeResult.DiskLow(DiskFull(e));
        }

        var documents = new[] { new JobDocument(stored.DocumentNumber, stored.Length, stored.Format, stored.Name) };
        var submit = new Commands.SubmitJob(job.Queue.Name, stored.JobId, job.Owner, job.Name, PriorityOf(job), job.HoldUntil is not null, documents)
        {
            HoldUntil = job.HoldUntil,
            Copies = job.Copies,
        };
        return await SubmitAsync(submit, started, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// A job whose documents the ingress stored itself (LPD, file by file, under its own intake slots): submits it
    /// and answers Accepted or Rejected (its documents discarded).
    /// </summary>
    public Task<IntakeResult> SubmitStoredJobAsync(Commands.SubmitJob submit, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(submit);
        return SubmitAsync(submit with { Priority = _departments.PriorityFor(submit.Priority, submit.Owner) }, Stopwatch.GetTimestamp(), ct);
    }

    /// <summary>
    /// IPP Create-Job: takes an intake slot, gives the job an id and records it without documents (incoming until its
    /// last Send-Document). Answers Accepted, Rejected, Busy or DiskLow.
    /// </summary>
    public async Task<IntakeResult> CreateJobAsync(NewJob job, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (DiskShortage() is { } shortage)
        {
            return new IntakeResult.DiskLow(shortage);
        }

        using var slot = await TryAdmitAsync(ct).ConfigureAwait(false);
        if (slot is null)
        {
            return new IntakeResult.Busy(MaxConcurrent);
        }

        long jobId;
        try
        {
            jobId = await _gateway.AllocateJobIdAsync(job.Queue.Name, ct).ConfigureAwait(false);
        }
        catch (StorageFullException e)
        {
            return new IntakeResult.DiskLow(DiskFull(e));
        }

        var create = new Commands.CreateJob(job.Queue.Name, jobId, job.Owner, job.Name, PriorityOf(job), job.HoldUntil)
        {
            Copies = job.Copies,
        };
        var reply = await _gateway.CreateJobAsync(create, ct).ConfigureAwait(false);
        return Answer(reply) ?? throw Unexpected(nameof(Commands.CreateJob), reply);
    }

    /// <summary>
    /// Deletes what is stored of a job the queue will not have (an ingress that gave up on it before submitting).
    /// A failure is logged, not thrown: the client's answer does not depend on it.
    /// </summary>
    public async Task DiscardAsync(long jobId)
    {
        try
        {
            using var timeout = new CancellationTokenSource(DiscardTimeout);
            await _gateway.DiscardJobAsync(jobId, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _logger.LogWarning("Could not delete the documents of discarded job {JobId}; they stay in the document store: {Error}", jobId, e.Message);
        }
    }

    private async Task<IntakeResult> SubmitAsync(Commands.SubmitJob submit, long started, CancellationToken ct)
    {
        // An exception here leaves the outcome unknown, so the documents stay (see the class remarks).
        var reply = await _gateway.SubmitAsync(submit, ct).ConfigureAwait(false);
        var result = Answer(reply);
        if (result is IntakeResult.Accepted)
        {
            SpoolMetrics.SubmissionSeconds.WithLabels(submit.Queue).Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
            return result;
        }

        // Refused (or answered with nonsense): the queue has no such job, so nothing of it may stay stored.
        await DiscardAsync(submit.JobId).ConfigureAwait(false);
        return result ?? throw Unexpected(nameof(Commands.SubmitJob), reply);
    }

    /// <summary>The client's priority, else the owner's department's; null leaves it to the queue's default-priority.</summary>
    private int? PriorityOf(NewJob job) => _departments.PriorityFor(job.Priority, job.Owner);

    /// <summary>The queue's answer to SubmitJob / CreateJob, or null for an answer it never gives.</summary>
    private static IntakeResult? Answer(object? reply) => reply switch
    {
        Replies.JobAccepted accepted => new IntakeResult.Accepted(accepted.Job),
        Replies.JobRejected rejected => new IntakeResult.Rejected(rejected.JobId, rejected.Reason) { Kind = rejected.Kind },
        _ => null,
    };

    private static InvalidOperationException Unexpected(string command, object? reply) =>
        new($"Unexpected answer to {command}: {reply?.GetType().Name ?? "null"}.");
}

/// <summary>What a new job is, whichever protocol brought it: its queue, who sent it, its name and job template.</summary>
/// <param name="Queue">The queue the job is for; its document size limit applies.</param>
public sealed record NewJob(QueueDefinition Queue, string Owner, string Name)
{
    /// <summary>Priority 1..100 the client asked for; null for the owner's department's, else the queue's default.</summary>
    public int? Priority { get; init; }

    /// <summary>job-hold-until; null prints the job when it is ready.</summary>
    public JobHold? HoldUntil { get; init; }

    public Copies Copies { get; init; } = Copies.One;
}

/// <summary>How an intake ended; each ingress maps it to its protocol's answer.</summary>
public abstract record IntakeResult
{
    private IntakeResult()
    {
    }

    /// <summary>The queue accepted the job: it is the queue's now and will print.</summary>
    public sealed record Accepted(JobRecord Job) : IntakeResult;

    /// <summary>The queue refused the job; what was stored of it is discarded.</summary>
    public sealed record Rejected(long JobId, string Reason) : IntakeResult
    {
        /// <summary>A limit reached (the client may retry later) or a job the queue cannot take as it is.</summary>
        public Rejection Kind { get; init; } = Rejection.Invalid;
    }

    /// <summary>The node is at its intake limit (<paramref name="MaxConcurrent"/> submissions); nothing was stored.</summary>
    public sealed record Busy(int MaxConcurrent) : IntakeResult;

    /// <summary>The document is larger than the queue's limit of <paramref name="Limit"/> bytes; nothing was stored.</summary>
    public sealed record TooLarge(long Limit) : IntakeResult;

    /// <summary>The document has no data; nothing was stored.</summary>
    public sealed record EmptyDocument : IntakeResult;

    /// <summary>The spool disk is below its free-space floor or ran full (<paramref name="Reason"/> says which); nothing was stored.</summary>
    public sealed record DiskLow(string Reason) : IntakeResult;
}
