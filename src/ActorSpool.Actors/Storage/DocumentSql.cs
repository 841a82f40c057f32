using System.Data.Common;

namespace ActorSpool.Actors.Storage;

/// <summary>
/// Provider-neutral ADO.NET statements shared by <see cref="SqliteDocumentStore"/> and <see cref="PostgresDocumentStore"/>.
/// Both providers accept <c>@name</c> parameter placeholders and the same table layout.
/// </summary>
internal static class DocumentSql
{
    private const string SelectDocumentColumns =
        "SELECT job_id, document_number, length, format, name, sha256 FROM spool_document";

    public static DbCommand Command(DbConnection connection, string sql, DbTransaction? transaction = null)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    public static DbCommand With(this DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return command;
    }

    public static async Task<string?> FindQueueOfJobAsync(DbConnection connection, long jobId, CancellationToken ct)
    {
        await using var command = Command(connection, "SELECT queue FROM spool_job WHERE job_id = @job_id").With("@job_id", jobId);
        var result = await command.ExecuteScalarAsync(ct).ConfigureAwait(false);
        return result is null or DBNull ? null : (string)result;
    }

    public static async Task<IReadOnlyList<StoredDocument>> ListDocumentsAsync(DbConnection connection, long jobId, CancellationToken ct)
    {
        await using var command = Command(connection, SelectDocumentColumns + " WHERE job_id = @job_id ORDER BY document_number")
            .With("@job_id", jobId);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var documents = new List<StoredDocument>();
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            documents.Add(ReadDocument(reader));
        }

        return documents;
    }

    public static async Task<StoredDocument?> FindDocumentAsync(DbConnection connection, long jobId, int documentNumber, CancellationToken ct)
    {
        await using var command = Command(connection, SelectDocumentColumns + " WHERE job_id = @job_id AND document_number = @document_number")
            .With("@job_id", jobId)
            .With("@document_number", documentNumber);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        return await reader.ReadAsync(ct).ConfigureAwait(false) ? ReadDocument(reader) : null;
    }

    private const string SelectChunk =
        "SELECT data FROM spool_document_chunk WHERE job_id = @job_id AND document_number = @document_number AND chunk_number = @chunk_number";

    public static async Task<byte[]?> ReadChunkAsync(DbConnection connection, long jobId, int documentNumber, int chunkNumber, CancellationToken ct)
    {
        await using var command = Command(connection, SelectChunk)
            .With("@job_id", jobId)
            .With("@document_number", documentNumber)
            .With("@chunk_number", chunkNumber);
        var result = await command.ExecuteScalarAsync(ct).ConfigureAwait(false);
        return result as byte[];
    }

    public static byte[]? ReadChunk(DbConnection connection, long jobId, int documentNumber, int chunkNumber)
    {
        using var command = Command(connection, SelectChunk)
            .With("@job_id", jobId)
            .With("@document_number", documentNumber)
            .With("@chunk_number", chunkNumber);
        return command.ExecuteScalar() as byte[];
    }

    /// <summary>Removes a document (metadata and chunks) inside the given transaction.</summary>
    public static async Task DeleteDocumentAsync(DbConnection connection, DbTransaction transaction, long jobId, int documentNumber, CancellationToken ct)
    {
        await using (var chunks = Command(connection, "DELETE FROM spool_document_chunk WHERE job_id = @job_id AND document_number = @document_number", transaction)
            .With("@job_id", jobId)
            .With("@document_number", documentNumber))
        {
            await chunks.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        await using var document = Command(connection, "DELETE FROM spool_document WHERE job_id = @job_id AND document_number = @document_number", transaction)
            .With("@job_id", jobId)
            .With("@document_number", documentNumber);
        await document.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Removes all chunks, documents and the job row of a job inside the given transaction.</summary>
    public static async Task DeleteJobAsync(DbConnection connection, DbTransaction transaction, long jobId, CancellationToken ct)
    {
        foreach (var table in (string[])["spool_document_chunk", "spool_document", "spool_job"])
        {
            await using var command = Command(connection, $"DELETE FROM {table} WHERE job_id = @job_id", transaction).With("@job_id", jobId);
            await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>Job ids older than the cutoff: job rows, and documents whose job row is missing.</summary>
    /// <param name="cutoff">Provider-specific representation of the cutoff (matching the created_at columns).</param>
    public static async Task<IReadOnlyList<AgedJob>> FindJobsOlderThanAsync(DbConnection connection, object cutoff, CancellationToken ct)
    {
        const string sql =
            "SELECT job_id, queue FROM spool_job WHERE created_at < @cutoff " +
            "UNION " +
            "SELECT DISTINCT d.job_id, CAST(NULL AS TEXT) FROM spool_document d WHERE d.created_at < @cutoff " +
            "AND NOT EXISTS (SELECT 1 FROM spool_job j WHERE j.job_id = d.job_id) " +
            "ORDER BY 1";
        await using var command = Command(connection, sql).With("@cutoff", cutoff);
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var jobs = new List<AgedJob>();
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            jobs.Add(new AgedJob(reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetString(1)));
        }

        return jobs;
    }

    private static StoredDocument ReadDocument(DbDataReader reader) => new(
        JobId: reader.GetInt64(0),
        DocumentNumber: reader.GetInt32(1),
        Length: reader.GetInt64(2),
        Format: reader.GetString(3),
        Name: reader.IsDBNull(4) ? null : reader.GetString(4),
        Sha256Hex: reader.GetString(5));

    public static void ValidateWriteArguments(long jobId, int documentNumber, Stream content, string format, long maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(jobId);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(documentNumber);
        ArgumentNullException.ThrowIfNull(content);
        ArgumentException.ThrowIfNullOrWhiteSpace(format);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
    }
}
