using ActorSpool.Actors.Storage;
using ActorSpool.Actors.Topology;
using ActorSpool.Domain.Jobs;
using ActorSpool.Domain.Topology;
using ActorSpool.Node.Spool;
using static ActorSpool.Domain.Messages.JobQueueProtocol;

namespace ActorSpool.Node.Management.Catalogs;

/// <summary>A job found by its id with its queue, or why it was not (<see cref="Missing"/>).</summary>
public sealed record JobLookup(string? Queue, JobRecord? Job, string? Missing)
{
    public static JobLookup NotFound(string why) => new(null, null, why);
}

/// <summary>
/// What moving a job came to: Ok with the new job (<see cref="Moved"/>, id <see cref="NewJobId"/>), or the outcome
/// that stopped it before anything changed. <see cref="OriginalNotCanceled"/>: the copy exists but the original stayed.
/// </summary>
public sealed record JobMove(CommandOutcome Outcome, string? Message, long NewJobId = 0, JobRecord? Moved = null, string? OriginalNotCanceled = null);

/// <summary>A change of one job's state that its owner or an admin may ask for.</summary>
public enum JobChange
{
    Cancel,
    Hold,
    Release,
    Restart,
}

/// <summary>Jobs of every queue, gathered from the queue entities, for spoolctl's <c>job</c> palette and the REST API alike.</summary>
public sealed class JobCatalog(ISpoolGateway spool, ILiveTopology liveTopology, IDocumentStore documents)
{
    public SpoolTopology Topology => liveTopology.Current;

    /// <summary>The jobs the queues hold (<paramref name="which"/>, of <paramref name="owner"/> when given), queue by queue.</summary>
    public async Task<IReadOnlyList<JobRecord>> GatherAsync(IEnumerable<string> queues, JobFilter which, string? owner, CancellationToken ct)
    {
        var lists = await Task.WhenAll(queues.Select(q => spool.GetJobsAsync(q, which, owner, 0, ct)));
        return lists.SelectMany(l => l).ToList();
    }

    /// <summary>Finds a job by id: its queue from the document store, the record from that queue.</summary>
    public async Task<JobLookup> FindAsync(long id, CancellationToken ct)
    {
        var queue = await spool.FindQueueOfJobAsync(id, ct);
        if (queue is null) return JobLookup.NotFound($"no job {id}");
        if (Topology.FindQueue(queue) is null) return JobLookup.NotFound($"job {id} belongs to queue {queue}, which this node does not configure");
        var job = await spool.GetJobAsync(queue, id, ct);
        return job is null
            ? JobLookup.NotFound($"no job {id} (queue {queue} does not know it; finished jobs are kept for a while only)")
            : new JobLookup(queue, job, null);
    }

    /// <summary>Removes the jobs that finished before <paramref name="finishedBefore"/> from each queue; each queue's answer.</summary>
    public async Task<IReadOnlyList<(string Queue, Replies.CommandResult Result)>> PurgeFinishedAsync(IEnumerable<string> queues,
        DateTimeOffset finishedBefore, Requester by, CancellationToken ct) =>
        await Task.WhenAll(queues.Select(async q => (q, await spool.PurgeFinishedJobsAsync(q, finishedBefore, by, ct))));

    /// <summary>Cancels, holds, releases or restarts a job as <paramref name="by"/>; the queue's rules decide whether that may.</summary>
    public Task<Replies.CommandResult> ChangeAsync(string queue, long id, JobChange change, Requester by, CancellationToken ct) => change switch
    {
        JobChange.Cancel => spool.CancelJobAsync(queue, id, by, ct: ct),
        JobChange.Hold => spool.HoldJobAsync(queue, id, by, ct),
        JobChange.Release => spool.ReleaseJobAsync(queue, id, by, ct),
        JobChange.Restart => spool.RestartJobAsync(queue, id, null, by, ct),
        _ => throw new ArgumentOutOfRangeException(nameof(change), change, null),
    };

    /// <summary>
    /// Hold the job (so it cannot start printing meanwhile), copy its documents to a new job id of the target
    /// queue, submit that job (held if the original was), then cancel the original. On any failure before the
    /// submit, the original is released again and nothing else changes. <paramref name="by"/> must be the job's
    /// owner or an admin; the new job keeps the original's owner.
    /// </summary>
    public async Task<JobMove> MoveAsync(string source, JobRecord job, QueueDefinition target, Requester by, CancellationToken ct)
    {
        var id = job.JobId;
        if (!by.MayChange(job)) return new JobMove(CommandOutcome.NotAuthorized, $"{by} may not move job {id} of {job.Owner}");
        if (string.Equals(source, target.Name, StringComparison.OrdinalIgnoreCase))
        {
            return new JobMove(CommandOutcome.NotPossible, $"job {id} is already in queue {target.Name}");
        }
        if (job.State is not (JobState.Pending or JobState.PendingHeld))
        {
            return new JobMove(CommandOutcome.NotPossible, $"job {id} is {job.State.ToKeyword()}; only pending or held jobs can be moved");
        }
        if (job.Incoming)
        {
            return new JobMove(CommandOutcome.NotPossible, $"job {id} is still receiving documents (Create-Job); move it once it is complete");
        }
        var wasHeld = job.State == JobState.PendingHeld;
        if (!wasHeld)
        {
            var hold = await spool.HoldJobAsync(source, id, by, ct);
            if (hold.Outcome != CommandOutcome.Ok) return new JobMove(hold.Outcome, $"job {id} cannot be moved: {hold.Message}");
        }

        long newId = 0;
        object? submitted;
        try
        {
            newId = await spool.AllocateJobIdAsync(target.Name, ct);
            var movedDocuments = new List<JobDocument>();
            foreach (var document in await documents.ListDocumentsAsync(id, ct))
            {
                movedDocuments.Add(await CopyDocumentAsync(document, newId, target, ct));
            }
            if (movedDocuments.Count == 0) throw new MoveFailedException($"job {id} has no stored documents to move");
            // A timed hold (night, a time) moves with the job; the target queue works its release out again.
            var submit = new Commands.SubmitJob(target.Name, newId, job.Owner, job.Name, job.Priority, wasHeld, movedDocuments.ToArray())
            {
                HoldUntil = wasHeld ? new JobHold(job.HoldUntil, job.ReleaseAt) : null,
                Copies = job.Copies,
            };
            submitted = await spool.SubmitAsync(submit, ct);
            if (submitted is Replies.JobRejected rejected) throw new MoveFailedException($"queue {target.Name} rejected the job: {rejected.Reason}");
        }
        catch (Exception e)
        {
            if (!wasHeld) await spool.ReleaseJobAsync(source, id, by, CancellationToken.None);
            if (newId != 0) await documents.DeleteJobAsync(newId, CancellationToken.None);
            if (e is MoveFailedException) return new JobMove(CommandOutcome.NotPossible, e.Message);
            throw;
        }

        var cancel = await spool.CancelJobAsync(source, id, by, $"moved to {target.Name} as job {newId}", ct);
        var moved = submitted is Replies.JobAccepted accepted ? accepted.Job : null;
        return new JobMove(CommandOutcome.Ok, null, newId, moved, cancel.Outcome == CommandOutcome.Ok ? null : cancel.Message ?? cancel.Outcome.ToString());
    }

    private sealed class MoveFailedException(string message) : Exception(message);

    private async Task<JobDocument> CopyDocumentAsync(StoredDocument document, long newId, QueueDefinition target, CancellationToken ct)
    {
        // Through a temporary file: the source is read chunk by chunk and the target written in one short transaction.
        var temp = Path.GetTempFileName();
        try
        {
            await using (var file = new FileStream(temp, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.Asynchronous))
            {
                await using (var source = await documents.OpenReadAsync(document.JobId, document.DocumentNumber, ct))
                {
                    await source.CopyToAsync(file, ct);
                }
                file.Position = 0;
                var stored = await documents.WriteDocumentAsync(newId, document.DocumentNumber, file, document.Format, document.Name,
                    Math.Max(target.MaxDocumentBytes, document.Length), allowEmpty: true, ct);
                return new JobDocument(stored.DocumentNumber, stored.Length, stored.Format, stored.Name);
            }
        }
        finally
        {
            File.Delete(temp);
        }
    }
}
