using Microsoft.Data.Sqlite;

namespace ActorSpool.Actors.Storage;

/// <summary>
/// Executes the <see cref="StoreWrite"/>s of one group-commit transaction on SQLite. Commands are created once per
/// batch and reused for every write (Microsoft.Data.Sqlite keeps them prepared).
/// </summary>
internal sealed class SqliteBatch(SqliteConnection connection, SqliteTransaction transaction) : IAsyncDisposable
{
    // Also keeps an existing database's AUTOINCREMENT counter authoritative: the block starts above the highest id
    // ever handed out by either scheme (the MAX covers a counter row that was deleted by hand).
    private const string ReserveSql = """
        INSERT INTO sqlite_sequence (name, seq)
            SELECT 'spool_job', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'spool_job');
        UPDATE sqlite_sequence SET seq = MAX(seq, IFNULL((SELECT MAX(job_id) FROM spool_job), 0)) + @count
            WHERE name = 'spool_job' RETURNING seq;
        """;

    private readonly long _now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    private SqliteCommand? _insertJob;
    private SqliteCommand? _deleteDocument;
    private SqliteCommand? _insertDocument;
    private SqliteCommand? _insertChunk;
    private byte[]? _fullChunk;

    public async Task ExecuteAsync(StoreWrite write)
    {
        if (write.ReserveJobIds > 0)
        {
            await using var reserve = Command(ReserveSql);
            reserve.Parameters.AddWithValue("@count", write.ReserveJobIds);
            var last = Convert.ToInt64(await reserve.ExecuteScalarAsync().ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
            write.FirstReservedJobId = last - write.ReserveJobIds + 1;
        }

        if (write.NewJob is { } job)
        {
            _insertJob ??= Command("INSERT INTO spool_job (job_id, queue, created_at) VALUES (@job_id, @queue, @created_at)", "@job_id", "@queue", "@created_at");
            _insertJob.Parameters["@job_id"].Value = job.JobId;
            _insertJob.Parameters["@queue"].Value = job.Queue;
            _insertJob.Parameters["@created_at"].Value = _now;
            await _insertJob.ExecuteNonQueryAsync().ConfigureAwait(false);
        }

        if (write.DeletedJobId is { } deleted)
        {
            await DocumentSql.DeleteJobAsync(connection, transaction, deleted, CancellationToken.None).ConfigureAwait(false);
        }

        if (write.Document is { } document)
        {
            await WriteDocumentAsync(document).ConfigureAwait(false);
        }
    }

    private async Task WriteDocumentAsync(PendingDocument document)
    {
        var metadata = document.Metadata;

        // Replaces an existing document with the same number atomically (same transaction).
        _deleteDocument ??= Command(
            "DELETE FROM spool_document_chunk WHERE job_id = @job_id AND document_number = @document_number; " +
            "DELETE FROM spool_document WHERE job_id = @job_id AND document_number = @document_number",
            "@job_id", "@document_number");
        _deleteDocument.Parameters["@job_id"].Value = metadata.JobId;
        _deleteDocument.Parameters["@document_number"].Value = metadata.DocumentNumber;
        await _deleteDocument.ExecuteNonQueryAsync().ConfigureAwait(false);

        _insertDocument ??= Command(
            "INSERT INTO spool_document (job_id, document_number, format, name, length, sha256, created_at) " +
            "VALUES (@job_id, @document_number, @format, @name, @length, @sha256, @created_at)",
            "@job_id", "@document_number", "@format", "@name", "@length", "@sha256", "@created_at");
        _insertDocument.Parameters["@job_id"].Value = metadata.JobId;
        _insertDocument.Parameters["@document_number"].Value = metadata.DocumentNumber;
        _insertDocument.Parameters["@format"].Value = metadata.Format;
        _insertDocument.Parameters["@name"].Value = (object?)metadata.Name ?? DBNull.Value;
        _insertDocument.Parameters["@length"].Value = metadata.Length;
        _insertDocument.Parameters["@sha256"].Value = metadata.Sha256Hex;
        _insertDocument.Parameters["@created_at"].Value = _now;
        await _insertDocument.ExecuteNonQueryAsync().ConfigureAwait(false);

        _insertChunk ??= Command(
            "INSERT INTO spool_document_chunk (job_id, document_number, chunk_number, data) VALUES (@job_id, @document_number, @chunk_number, @data)",
            "@job_id", "@document_number", "@chunk_number", "@data");
        _insertChunk.Parameters["@job_id"].Value = metadata.JobId;
        _insertChunk.Parameters["@document_number"].Value = metadata.DocumentNumber;

        if (document.Content is { } content)
        {
            if (content.Length > 0)
            {
                await InsertChunkAsync(0, content).ConfigureAwait(false);
            }

            return;
        }

        var staging = document.Staging ?? throw new InvalidOperationException("A pending document has neither content nor a staging stream.");
        // From the start: a retried batch copies the same staging file again.
        staging.Position = 0;
        var remaining = metadata.Length;
        for (var number = 0; remaining > 0; number++)
        {
            // Microsoft.Data.Sqlite binds whole byte[] values, so full chunks reuse one exact-size buffer.
            var size = (int)Math.Min(remaining, DocumentStoreLimits.ChunkSize);
            var buffer = size == DocumentStoreLimits.ChunkSize ? _fullChunk ??= new byte[DocumentStoreLimits.ChunkSize] : new byte[size];
            await staging.ReadExactlyAsync(buffer).ConfigureAwait(false);
            await InsertChunkAsync(number, buffer).ConfigureAwait(false);
            remaining -= size;
        }
    }

    private async Task InsertChunkAsync(int number, byte[] data)
    {
        var command = _insertChunk!;
        command.Parameters["@chunk_number"].Value = number;
        command.Parameters["@data"].Value = data;
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var command in (SqliteCommand?[])[_insertJob, _deleteDocument, _insertDocument, _insertChunk])
        {
            if (command is not null)
            {
                await command.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private SqliteCommand Command(string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        return command;
    }
}
