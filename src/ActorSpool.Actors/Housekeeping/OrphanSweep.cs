using ActorSpool.Actors.Storage;

namespace ActorSpool.Actors.Housekeeping;

/// <summary>What one orphan sweep did.</summary>
/// <param name="Candidates">Job ids older than the cutoff (job rows, and documents without a job row).</param>
/// <param name="Deleted">Job ids whose row and documents were deleted: no queue holds them.</param>
/// <param name="KeptUnconfigured">Jobs of queues this node's configuration does not name: kept, their journal may come back.</param>
/// <param name="Unanswered">Queues that did not answer: their jobs are kept until a later sweep.</param>
public sealed record OrphanSweepResult(int Candidates, int Deleted, int KeptUnconfigured, string[] Unanswered);

/// <summary>
/// One pass of the orphan sweep: documents and job rows older than a cutoff that no queue holds (a refused submission
/// whose clean-up failed, a crash between storing and accepting, a journal failure after the document was stored).
/// </summary>
/// <remarks>
/// A job id is allocated for one queue and never moves (moving a job makes a new job with a new id), so the queue its
/// row names is the only one that can hold it: that queue is asked, through its shard region, which of the candidates
/// it holds. A job is deleted only when its queue answered that it does not hold it; documents without a job row have
/// no queue and are deleted as such (the store's <see cref="IDocumentStore.DeleteOrphansOlderThanAsync"/> rule).
/// </remarks>
public static class OrphanSweep
{
    /// <summary>Job ids asked of a queue in one message, well within the remote frame size.</summary>
    public const int AskBatch = 5000;

    /// <param name="askQueue">Which of the ids the queue holds, or null when it did not answer.</param>
    public static async Task<OrphanSweepResult> RunAsync(IDocumentStore documents, IReadOnlySet<string> configuredQueues,
        Func<string, long[], Task<long[]?>> askQueue, DateTimeOffset cutoff, CancellationToken ct = default)
    {
        var candidates = await documents.ListJobsCreatedBeforeAsync(cutoff, ct).ConfigureAwait(false);
        var orphans = candidates.Where(c => c.Queue is null).Select(c => c.JobId).ToHashSet();
        var keptUnconfigured = 0;
        var unanswered = new List<string>();
        foreach (var queue in candidates.Where(c => c.Queue is not null).GroupBy(c => c.Queue!))
        {
            if (!configuredQueues.Contains(queue.Key))
            {
                keptUnconfigured += queue.Count();
                continue;
            }
            var unknown = new List<long>();
            foreach (var batch in queue.Select(c => c.JobId).Chunk(AskBatch))
            {
                if (await askQueue(queue.Key, batch).ConfigureAwait(false) is not { } known)
                {
                    unanswered.Add(queue.Key);
                    unknown.Clear();
                    break;
                }
                unknown.AddRange(batch.Except(known));
            }
            orphans.UnionWith(unknown);
        }
        // Candidates that appeared since the listing are not in the set, so they are kept.
        var deleted = orphans.Count == 0 ? 0 : await documents.DeleteOrphansOlderThanAsync(cutoff, id => !orphans.Contains(id), ct).ConfigureAwait(false);
        return new OrphanSweepResult(candidates.Count, deleted, keptUnconfigured, unanswered.ToArray());
    }
}
