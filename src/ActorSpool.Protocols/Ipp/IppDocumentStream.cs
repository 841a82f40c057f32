namespace ActorSpool.Protocols.Ipp;

/// <summary>
/// Read-only, forward-only view of the document data: first the bytes the parser read ahead past the
/// end-of-attributes tag, then the remainder of the underlying stream. The underlying stream is not disposed,
/// because it belongs to whoever handed it to the parser (typically the HTTP request body).
/// </summary>
internal sealed class IppDocumentStream(ReadOnlyMemory<byte> readAhead, Stream inner) : Stream
{
    private ReadOnlyMemory<byte> _readAhead = readAhead;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    public override int Read(Span<byte> buffer)
    {
        if (TryReadAhead(buffer, out int copied))
            return copied;
        return inner.Read(buffer);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (TryReadAhead(buffer.Span, out int copied))
            return ValueTask.FromResult(copied);
        return inner.ReadAsync(buffer, cancellationToken);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    // Serves from the read-ahead buffer while it lasts; a zero-length request is answered without touching it.
    private bool TryReadAhead(Span<byte> buffer, out int copied)
    {
        copied = 0;
        if (_readAhead.IsEmpty || buffer.IsEmpty)
            return false;
        copied = Math.Min(buffer.Length, _readAhead.Length);
        _readAhead.Span[..copied].CopyTo(buffer);
        _readAhead = _readAhead[copied..];
        return true;
    }
}
