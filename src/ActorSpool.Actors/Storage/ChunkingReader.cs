using System.Buffers;
using System.Security.Cryptography;

namespace ActorSpool.Actors.Storage;

/// <summary>
/// Cuts a source stream into chunks of <see cref="DocumentStoreLimits.ChunkSize"/> bytes (the last one may be shorter),
/// hashing and counting on the way and enforcing the size limit as soon as it is exceeded.
/// Only one chunk buffer is held; the memory returned by <see cref="ReadChunkAsync"/> is valid until the next call.
/// </summary>
internal sealed class ChunkingReader : IDisposable
{
    private readonly Stream _source;
    private readonly long _maxBytes;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private byte[]? _buffer = ArrayPool<byte>.Shared.Rent(DocumentStoreLimits.ChunkSize);
    private bool _endOfStream;

    public ChunkingReader(Stream source, long maxBytes)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        if (!source.CanRead)
        {
            throw new ArgumentException("The content stream is not readable.", nameof(source));
        }

        _source = source;
        _maxBytes = maxBytes;
    }

    /// <summary>Bytes returned so far.</summary>
    public long TotalBytes { get; private set; }

    /// <summary>Returns the next chunk, or an empty memory once the source is exhausted.</summary>
    /// <exception cref="DocumentTooLargeException">More than the allowed number of bytes arrived.</exception>
    public async ValueTask<ReadOnlyMemory<byte>> ReadChunkAsync(CancellationToken ct)
    {
        var buffer = _buffer ?? throw new ObjectDisposedException(nameof(ChunkingReader));
        if (_endOfStream)
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        var filled = 0;
        while (filled < DocumentStoreLimits.ChunkSize)
        {
            var read = await _source.ReadAsync(buffer.AsMemory(filled, DocumentStoreLimits.ChunkSize - filled), ct).ConfigureAwait(false);
            if (read == 0)
            {
                _endOfStream = true;
                break;
            }

            filled += read;
            if (TotalBytes + filled > _maxBytes)
            {
                // Stop reading right away: the caller must not keep anything.
                throw new DocumentTooLargeException(_maxBytes);
            }
        }

        TotalBytes += filled;
        _hash.AppendData(buffer, 0, filled);
        return buffer.AsMemory(0, filled);
    }

    /// <summary>SHA-256 of all bytes returned so far, lower-case hex.</summary>
    public string GetSha256Hex() => Convert.ToHexStringLower(_hash.GetCurrentHash());

    public void Dispose()
    {
        _hash.Dispose();
        var buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
