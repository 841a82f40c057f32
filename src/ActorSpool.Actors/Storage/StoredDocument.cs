namespace ActorSpool.Actors.Storage;

/// <summary>Metadata of one document of a job, as kept in <c>spool_document</c>.</summary>
/// <param name="JobId">The job the document belongs to.</param>
/// <param name="DocumentNumber">1-based position of the document within the job.</param>
/// <param name="Length">Length of the content in bytes.</param>
/// <param name="Format">Document format (MIME type, e.g. <c>application/pdf</c>).</param>
/// <param name="Name">Optional document name supplied by the client.</param>
/// <param name="Sha256Hex">SHA-256 of the content, lower-case hex.</param>
public sealed record StoredDocument(long JobId, int DocumentNumber, long Length, string Format, string? Name, string Sha256Hex);

/// <summary>More bytes arrived than the configured limit allows; nothing was kept.</summary>
public sealed class DocumentTooLargeException : Exception
{
    public DocumentTooLargeException(long limit)
        : base($"The document is larger than the limit of {limit} bytes; nothing was stored.")
    {
        Limit = limit;
    }

    public DocumentTooLargeException(long limit, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Limit = limit;
    }

    /// <summary>The maximum number of bytes that was allowed.</summary>
    public long Limit { get; }
}

/// <summary>The document had no content (0 bytes) and empty documents were not allowed; nothing was kept.</summary>
public sealed class EmptyDocumentException : Exception
{
    public EmptyDocumentException()
        : base("The document is empty (0 bytes); nothing was stored.")
    {
    }

    public EmptyDocumentException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The requested document does not exist (never written, or deleted).
/// Derives from <see cref="KeyNotFoundException"/> so callers may catch either.
/// </summary>
public sealed class DocumentNotFoundException : KeyNotFoundException
{
    public DocumentNotFoundException(long jobId, int documentNumber)
        : base($"Document {documentNumber} of job {jobId} does not exist.")
    {
        JobId = jobId;
        DocumentNumber = documentNumber;
    }

    public long JobId { get; }

    public int DocumentNumber { get; }
}

/// <summary>
/// The spool disk ran full while a document or job was being written (SQLite's "database or disk is full", ENOSPC
/// writing the upload's staging file); the write was rolled back, nothing of it was kept. Not an
/// <see cref="IOException"/>, so it is never mistaken for a client's broken upload.
/// </summary>
public sealed class StorageFullException : Exception
{
    private const int SqliteFull = 13; // SQLITE_FULL
    private const int Enospc = 28; // Linux errno, the IOException's HResult on Unix
    private const int WindowsDiskFull = unchecked((int)0x80070070), WindowsHandleDiskFull = unchecked((int)0x80070027);

    /// <param name="what">What was being written: the database file's name, or the upload's staging file.</param>
    public StorageFullException(string what, Exception innerException)
        : base($"the spool disk is full (writing {what}: {innerException.Message.TrimEnd('.')})", innerException)
    {
    }

    /// <summary>Whether <paramref name="error"/> is a file system out of space, as SQLite or .NET report it.</summary>
    public static bool IsDiskFull(Exception error) => error switch
    {
        Microsoft.Data.Sqlite.SqliteException sqlite => sqlite.SqliteErrorCode == SqliteFull,
        IOException io => io.HResult is Enospc or WindowsDiskFull or WindowsHandleDiskFull,
        _ => false,
    };
}
