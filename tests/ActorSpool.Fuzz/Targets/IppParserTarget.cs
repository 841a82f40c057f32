using ActorSpool.Protocols.Ipp;

namespace ActorSpool.Fuzz.Targets;

/// <summary>
/// The IPP request parser (<see cref="IppParser"/>: section scanner, message builder, document stream). Properties:
/// <list type="bullet">
/// <item>every input is accepted or refused with <see cref="IppParseException"/> carrying client-error-bad-request or
/// client-error-request-entity-too-large (what the ingress turns into a clean IPP error);</item>
/// <item>the streaming reader, fed in uneven chunks as a socket would, decides exactly as the in-memory parser, and
/// its document stream yields exactly the bytes after the end-of-attributes tag;</item>
/// <item>an accepted message writes back (or is refused by <see cref="IppWriter"/>'s documented ArgumentException)
/// into bytes that parse again and write identically;</item>
/// <item>memory stays linear in the input.</item>
/// </list>
/// </summary>
public sealed class IppParserTarget : IFuzzTarget
{
    /// <summary>Small enough that the fuzzer reaches "too large" often; the node's limit is the same code path.</summary>
    public const int MaxAttributeBytes = 64 * 1024;

    public string Name => "ipp";

    public void Run(byte[] input) =>
        AllocationBudget.Check("IppParser", input.Length, baseBytes: 512 * 1024, bytesPerInputByte: 64, () => Check(input));

    private static void Check(byte[] input)
    {
        var fromSpan = ParseSpan(input);
        var fromStream = ParseStream(input);
        if (fromSpan.Status != fromStream.Status)
        {
            throw new FuzzPropertyException(
                $"span parser: {fromSpan.Status} ({fromSpan.Error}), stream parser: {fromStream.Status} ({fromStream.Error}).");
        }

        if (fromSpan.Message is null || fromStream.Message is null)
            return;

        if (!fromStream.Document.AsSpan().SequenceEqual(input.AsSpan(fromSpan.DocumentOffset)))
        {
            throw new FuzzPropertyException(
                $"document stream yields {fromStream.Document.Length} bytes, {input.Length - fromSpan.DocumentOffset} follow the attributes.");
        }

        var first = Describe(fromSpan.Message);
        if (first != Describe(fromStream.Message))
            throw new FuzzPropertyException("span and stream parsers built different messages.");

        CheckRoundTrip(fromSpan.Message);
    }

    private static void CheckRoundTrip(IppMessage message)
    {
        byte[] written;
        try
        {
            written = IppWriter.Write(message);
        }
        catch (ArgumentException)
        {
            // Documented refusal (e.g. a value whose UTF-8 replacement characters no longer fit 16 bits).
            return;
        }

        IppMessage again;
        try
        {
            again = IppParser.Parse(written, out _, int.MaxValue);
        }
        catch (IppParseException e)
        {
            throw new FuzzPropertyException($"IppWriter wrote a message IppParser refuses: {e.Message}");
        }

        if (!IppWriter.Write(again).AsSpan().SequenceEqual(written))
            throw new FuzzPropertyException("writing a parsed message, parsing and writing it again changed the bytes.");
    }

    private static Outcome ParseSpan(byte[] input)
    {
        try
        {
            var message = IppParser.Parse(input, out var documentOffset, MaxAttributeBytes);
            return new Outcome(IppStatusCode.SuccessfulOk, null, message, documentOffset, []);
        }
        catch (IppParseException e)
        {
            return Refused(e);
        }
    }

    private static Outcome ParseStream(byte[] input)
    {
        try
        {
            using var stream = new ChunkedStream(input);
            var result = IppParser.ReadAsync(stream, CancellationToken.None, MaxAttributeBytes).GetAwaiter().GetResult();
            using var document = new MemoryStream();
            result.Document.CopyTo(document);
            return new Outcome(IppStatusCode.SuccessfulOk, null, result.Message, 0, document.ToArray());
        }
        catch (IppParseException e)
        {
            return Refused(e);
        }
    }

    private static Outcome Refused(IppParseException e)
    {
        if (e.Status is not (IppStatusCode.ClientErrorBadRequest or IppStatusCode.ClientErrorRequestEntityTooLarge))
            throw new FuzzPropertyException($"IppParseException with status {e.Status}: {e.Message}");
        if (string.IsNullOrWhiteSpace(e.Message))
            throw new FuzzPropertyException($"IppParseException ({e.Status}) without a message.");
        return new Outcome(e.Status, e.Message, null, 0, []);
    }

    // Everything a handler can read from the message, including each value's text (what logs and echoes use).
    private static string Describe(IppMessage message) =>
        $"{message.VersionMajor}.{message.VersionMinor} {message.Code} {message.RequestId} " +
        string.Join(" | ", message.Groups.Select(g =>
            $"{g.Tag}: " + string.Join("; ", g.Attributes.Select(a => $"{a.Name} {a.Tag} = {string.Join(",", a.Values)}"))));

    private sealed record Outcome(IppStatusCode Status, string? Error, IppMessage? Message, int DocumentOffset, byte[] Document);

    /// <summary>
    /// A request body as a socket delivers it: reads return at most a few bytes more than the last one, sizes
    /// taken from the input itself, so the streaming reader resumes mid-field. Completes synchronously.
    /// </summary>
    private sealed class ChunkedStream(byte[] data) : Stream
    {
        private int _position;

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
            var remaining = data.Length - _position;
            if (remaining == 0 || buffer.IsEmpty)
                return 0;
            // 1..64 bytes, from the byte at the current position: deterministic, different for every input.
            var chunk = Math.Min(Math.Min(buffer.Length, remaining), 1 + (data[_position] & 0x3F));
            data.AsSpan(_position, chunk).CopyTo(buffer);
            _position += chunk;
            return chunk;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
