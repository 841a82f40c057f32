using System.Buffers.Binary;

namespace ActorSpool.Node.Ingress.Ipp;

/// <summary>
/// Pass-through read stream that keeps a copy of the first 8 bytes (the IPP header), so that a request the parser
/// rejects can still be answered with its own version and request-id.
/// </summary>
internal sealed class IppHeaderRecorder(Stream inner) : Stream
{
    private const int HeaderLength = 8;
    private readonly byte[] _header = new byte[HeaderLength];
    private int _recorded;

    /// <summary>The version and request-id, once the whole header has been read.</summary>
    public (byte Major, byte Minor, int RequestId)? Header => _recorded == HeaderLength
        ? (_header[0], _header[1], BinaryPrimitives.ReadInt32BigEndian(_header.AsSpan(4)))
        : null;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int read = inner.Read(buffer);
        Record(buffer[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Record(buffer.Span[..read]);
        return read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private void Record(ReadOnlySpan<byte> data)
    {
        int take = Math.Min(HeaderLength - _recorded, data.Length);
        if (take <= 0)
            return;
        data[..take].CopyTo(_header.AsSpan(_recorded));
        _recorded += take;
    }
}
