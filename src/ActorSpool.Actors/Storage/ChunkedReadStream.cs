using System.Security.Cryptography;

namespace ActorSpool.Actors.Storage;

/// <summary>
/// Read-only, forward-only stream over a stored document that fetches one chunk at a time
/// (each fetch is a short query on its own pooled connection, so no transaction or lock is held
/// between reads). When read to the end it verifies length and SHA-256 against the metadata.
/// </summary>
internal sealed class ChunkedReadStream : Stream
{
    private readonly StoredDocument _document;
    private readonly Func<int, CancellationToken, Task<byte[]?>> _fetchAsync;
    private readonly Func<int, byte[]?> _fetch;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private byte[] _chunk = [];
    private int _chunkOffset;
    private int _nextChunkNumber;
    private long _position;
    private bool _verified;
    private bool _disposed;

    public ChunkedReadStream(StoredDocument document, Func<int, CancellationToken, Task<byte[]?>> fetchAsync, Func<int, byte[]?> fetch)
    {
        _document = document;
        _fetchAsync = fetchAsync;
        _fetch = fetch;
    }

    public override bool CanRead => !_disposed;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    /// <summary>The document length (available although the stream is not seekable).</summary>
    public override long Length => _document.Length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException("The document stream is forward-only.");
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (buffer.IsEmpty)
        {
            return 0;
        }

        if (_chunkOffset >= _chunk.Length)
        {
            if (_position >= _document.Length)
            {
                Verify();
                return 0;
            }

            Accept(_fetch(_nextChunkNumber));
        }

        return CopyOut(buffer);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (buffer.IsEmpty)
        {
            return 0;
        }

        if (_chunkOffset >= _chunk.Length)
        {
            if (_position >= _document.Length)
            {
                Verify();
                return 0;
            }

            Accept(await _fetchAsync(_nextChunkNumber, cancellationToken).ConfigureAwait(false));
        }

        return CopyOut(buffer.Span);
    }

    private void Accept(byte[]? chunk)
    {
        if (chunk is null || chunk.Length == 0)
        {
            throw new IOException(
                $"Chunk {_nextChunkNumber} of document {_document.DocumentNumber} of job {_document.JobId} is missing; " +
                "the document was deleted or replaced while it was being read.");
        }

        if (_position + chunk.Length > _document.Length)
        {
            throw new InvalidDataException(
                $"Document {_document.DocumentNumber} of job {_document.JobId} has more data than its recorded length of {_document.Length} bytes.");
        }

        _hash.AppendData(chunk);
        _chunk = chunk;
        _chunkOffset = 0;
        _nextChunkNumber++;
    }

    private int CopyOut(Span<byte> destination)
    {
        var count = Math.Min(destination.Length, _chunk.Length - _chunkOffset);
        _chunk.AsSpan(_chunkOffset, count).CopyTo(destination);
        _chunkOffset += count;
        _position += count;
        return count;
    }

    private void Verify()
    {
        if (_verified)
        {
            return;
        }

        var actual = Convert.ToHexStringLower(_hash.GetCurrentHash());
        if (!string.Equals(actual, _document.Sha256Hex, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidDataException(
                $"Document {_document.DocumentNumber} of job {_document.JobId} is corrupt or was replaced while being read " +
                $"(SHA-256 {actual}, expected {_document.Sha256Hex}).");
        }

        _verified = true;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("The document stream is forward-only.");

    public override void SetLength(long value) => throw new NotSupportedException("The document stream is read-only.");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("The document stream is read-only.");

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _hash.Dispose();
            _chunk = [];
        }

        base.Dispose(disposing);
    }
}
