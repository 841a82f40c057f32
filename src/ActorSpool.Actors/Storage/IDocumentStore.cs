namespace ActorSpool.Actors.Storage;

/// <summary>
/// Durable store for job ids and job documents. Documents live in the same database as the
/// Akka.Persistence journal (SQLite file for a single node, PostgreSQL for a cluster) and are
/// stored in chunks of <see cref="DocumentStoreLimits.ChunkSize"/> bytes so that they are never
/// held in memory as a whole.
/// </summary>
/// <remarks>
/// All members are safe to call concurrently; readers open a (pooled) connection per operation. Writes that arrive
/// together are committed in shared transactions (group commit), but every write method returns only after its own
/// data has been committed.
/// </remarks>
public interface IDocumentStore
{
    /// <summary>Creates the tables and indexes if missing. Idempotent and safe to run concurrently on several nodes.</summary>
    Task InitializeAsync(CancellationToken ct = default);

    /// <summary>Runs a trivial query on a fresh or pooled connection; throws when the database does not answer (readiness).</summary>
    Task CheckAsync(CancellationToken ct = default);

    /// <summary>
    /// Allocates a new job id (cluster-wide unique, never reused, increasing per store instance, starting at 1 in a new
    /// database) and records its queue durably before returning. Ids come from blocks reserved per store instance, so
    /// several nodes interleave and ids left in a block when a node stops are skipped.
    /// </summary>
    Task<long> AllocateJobIdAsync(string queue, CancellationToken ct = default);

    /// <summary>The queue the job id was allocated for, or <c>null</c> if the job is unknown (or deleted).</summary>
    Task<string?> FindQueueOfJobAsync(long jobId, CancellationToken ct = default);

    /// <summary>
    /// Streams <paramref name="content"/> into chunks inside one transaction, which is committed before the method returns.
    /// An existing document with the same job id and number is replaced atomically (so a retried write is harmless).
    /// </summary>
    /// <exception cref="DocumentTooLargeException">More than <paramref name="maxBytes"/> bytes arrived; nothing was kept.</exception>
    /// <exception cref="EmptyDocumentException">0 bytes arrived and <paramref name="allowEmpty"/> is false; nothing was kept.</exception>
    Task<StoredDocument> WriteDocumentAsync(long jobId, int documentNumber, Stream content, string format, string? name, long maxBytes, bool allowEmpty = false, CancellationToken ct = default);

    /// <summary>
    /// Allocates a job id for <paramref name="queue"/> and stores <paramref name="content"/> as its document 1: the job
    /// row and the document are committed together (one shared transaction instead of two) before the method returns.
    /// Equivalent to <see cref="AllocateJobIdAsync"/> followed by <see cref="WriteDocumentAsync"/>, except that the
    /// content is received first, so a rejected document leaves no job behind.
    /// </summary>
    /// <returns>The stored document; its <see cref="StoredDocument.JobId"/> is the new job id.</returns>
    /// <exception cref="DocumentTooLargeException">More than <paramref name="maxBytes"/> bytes arrived; nothing was kept.</exception>
    /// <exception cref="EmptyDocumentException">0 bytes arrived and <paramref name="allowEmpty"/> is false; nothing was kept.</exception>
    async Task<StoredDocument> WriteJobAsync(string queue, Stream content, string format, string? name, long maxBytes, bool allowEmpty = false, CancellationToken ct = default)
    {
        // Fallback for implementations without a combined path: two commits, and a rejected document's job is removed again.
        var jobId = await AllocateJobIdAsync(queue, ct).ConfigureAwait(false);
        try
        {
            return await WriteDocumentAsync(jobId, 1, content, format, name, maxBytes, allowEmpty, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is DocumentTooLargeException or EmptyDocumentException)
        {
            await DeleteJobAsync(jobId, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The documents of a job ordered by document number (empty if none).</summary>
    Task<IReadOnlyList<StoredDocument>> ListDocumentsAsync(long jobId, CancellationToken ct = default);

    /// <summary>
    /// Opens a read-only, forward-only stream over a document that fetches one chunk at a time.
    /// The stream verifies length and SHA-256 when read to the end and throws <see cref="InvalidDataException"/> on mismatch.
    /// </summary>
    /// <exception cref="DocumentNotFoundException">The document does not exist.</exception>
    Task<Stream> OpenReadAsync(long jobId, int documentNumber, CancellationToken ct = default);

    /// <summary>Deletes all documents of the job and the job row. Deleting an unknown job is a no-op.</summary>
    Task DeleteJobAsync(long jobId, CancellationToken ct = default);

    /// <summary>
    /// The jobs created before <paramref name="cutoff"/> with the queue their id was allocated for, plus the job ids of
    /// documents older than the cutoff whose job row is missing (queue <c>null</c>): the orphan sweep's candidates.
    /// </summary>
    Task<IReadOnlyList<AgedJob>> ListJobsCreatedBeforeAsync(DateTimeOffset cutoff, CancellationToken ct = default);

    /// <summary>
    /// Retention helper: deletes jobs (job row + documents) created before <paramref name="cutoff"/> for which
    /// <paramref name="isKnownJob"/> returns false, plus documents older than the cutoff whose job row is missing.
    /// Returns the number of job ids deleted.
    /// </summary>
    Task<int> DeleteOrphansOlderThanAsync(DateTimeOffset cutoff, Func<long, bool> isKnownJob, CancellationToken ct = default);
}

/// <summary>A job older than a cutoff: its id and the queue it was allocated for (<c>null</c>: documents without a job row).</summary>
public sealed record AgedJob(long JobId, string? Queue);

/// <summary>Constants shared by the document store implementations.</summary>
public static class DocumentStoreLimits
{
    /// <summary>Size of one stored chunk (256 KiB). Every chunk but the last of a document is exactly this long.</summary>
    public const int ChunkSize = 256 * 1024;
}
