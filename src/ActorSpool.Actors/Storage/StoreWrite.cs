namespace ActorSpool.Actors.Storage;

/// <summary>
/// A write for a store's group-commit writer. Its parts run in this order inside the shared transaction:
/// reserve job ids, insert the job row, delete a job, write (replace) a document.
/// </summary>
internal sealed class StoreWrite : GroupWrite
{
    /// <summary>Number of job ids to reserve (SQLite only; 0 for none).</summary>
    public int ReserveJobIds { get; init; }

    /// <summary>Output of <see cref="ReserveJobIds"/>: the first id of the reserved, contiguous block.</summary>
    public long FirstReservedJobId { get; set; }

    /// <summary>The job row to insert (job id → queue), or null.</summary>
    public (long JobId, string Queue)? NewJob { get; init; }

    /// <summary>A job to delete with its documents, or null.</summary>
    public long? DeletedJobId { get; init; }

    /// <summary>A document to write, replacing one with the same job id and number, or null.</summary>
    public PendingDocument? Document { get; init; }

    public override long Bytes => Document?.Metadata.Length ?? 0;

    /// <summary>The job whose advisory lock the write needs (PostgreSQL), if any.</summary>
    public long? LockedJobId => Document?.Metadata.JobId ?? DeletedJobId;
}

/// <summary>
/// A received document waiting to be stored: metadata (length and hash are known, the size limit was checked) and
/// the content, either in memory (up to one chunk) or in a staging stream positioned anywhere.
/// </summary>
internal sealed record PendingDocument(StoredDocument Metadata, byte[]? Content, Stream? Staging);

/// <summary>The start of an upload: whether it fits in one chunk decides between the in-memory and the streaming path.</summary>
internal readonly struct UploadStart
{
    private UploadStart(byte[] firstChunk, ReadOnlyMemory<byte> secondChunk)
    {
        FirstChunk = firstChunk;
        SecondChunk = secondChunk;
    }

    /// <summary>The first chunk, copied (the whole document when <see cref="IsComplete"/>).</summary>
    public byte[] FirstChunk { get; }

    /// <summary>The second chunk in the reader's buffer (valid until its next read); empty when <see cref="IsComplete"/>.</summary>
    public ReadOnlyMemory<byte> SecondChunk { get; }

    /// <summary>The document is at most one chunk long and has been read to the end.</summary>
    public bool IsComplete => SecondChunk.IsEmpty;

    /// <summary>Reads up to two chunks: one to keep, and one more to learn whether the source ended.</summary>
    /// <exception cref="DocumentTooLargeException">More than the reader's limit arrived.</exception>
    public static async Task<UploadStart> ReadAsync(ChunkingReader chunks, CancellationToken ct)
    {
        var first = (await chunks.ReadChunkAsync(ct).ConfigureAwait(false)).ToArray();
        // A short first chunk means the source already ended; the second read then returns empty without reading.
        var second = await chunks.ReadChunkAsync(ct).ConfigureAwait(false);
        return new UploadStart(first, second);
    }
}
