using System.Buffers.Binary;
using System.Text;
using ActorSpool.Protocols.Ipp;

namespace ActorSpool.Protocols.Tests.Ipp;

/// <summary>
/// Hand-rolled RFC 8010 framing for building test input, independent of <see cref="IppWriter"/>, so malformed
/// messages can be expressed exactly.
/// </summary>
internal sealed class Wire
{
    private readonly List<byte> _bytes = [];

    /// <summary>Version 1.1 Print-Job header with request-id 1.</summary>
    public static Wire Request() => new Wire().Bytes(0x01, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01);

    /// <summary>A request header followed by an operation-attributes-tag.</summary>
    public static Wire Operation() => Request().Bytes(0x01);

    public Wire Bytes(params byte[] bytes)
    {
        _bytes.AddRange(bytes);
        return this;
    }

    public Wire Ascii(string text) => Bytes(Encoding.UTF8.GetBytes(text));

    public Wire UInt16(int value) => Bytes((byte)(value >> 8), (byte)value);

    /// <summary>One tag / name-length / name / value-length / value element.</summary>
    public Wire Value(byte tag, string name, byte[] value) =>
        Bytes(tag).UInt16(Encoding.UTF8.GetByteCount(name)).Ascii(name).UInt16(value.Length).Bytes(value);

    public Wire Value(byte tag, string name, string value) => Value(tag, name, Encoding.UTF8.GetBytes(value));

    public Wire Integer(string name, int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        return Value(0x21, name, bytes);
    }

    public Wire BeginCollection(string name) => Value(0x34, name, []);

    public Wire Member(string name) => Value(0x4A, "", name);

    public Wire EndCollection() => Value(0x37, "", []);

    public Wire End() => Bytes(0x03);

    public byte[] ToArray() => [.. _bytes];
}

/// <summary>A read-only stream that returns short reads of random size, like a slow network connection.</summary>
internal sealed class ChunkedStream(byte[] data, int seed, int maxChunk) : Stream
{
    private readonly Random _random = new(seed);
    private int _position;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int count = Math.Min(Math.Min(buffer.Length, _random.Next(1, maxChunk + 1)), data.Length - _position);
        data.AsSpan(_position, count).CopyTo(buffer);
        _position += count;
        return count;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_random.Next(4) == 0)
            await Task.Yield();
        return Read(buffer.Span);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

internal static class IppAssert
{
    public static void Equivalent(IppMessage expected, IppMessage actual)
    {
        Assert.Equal(expected.VersionMajor, actual.VersionMajor);
        Assert.Equal(expected.VersionMinor, actual.VersionMinor);
        Assert.Equal(expected.Code, actual.Code);
        Assert.Equal(expected.RequestId, actual.RequestId);
        Assert.Equal(expected.Groups.Select(g => g.Tag), actual.Groups.Select(g => g.Tag));
        for (int i = 0; i < expected.Groups.Count; i++)
            Attributes(expected.Groups[i].Attributes, actual.Groups[i].Attributes);
    }

    public static void Attributes(IReadOnlyList<IppAttribute> expected, IReadOnlyList<IppAttribute> actual)
    {
        Assert.Equal(expected.Select(a => a.Name), actual.Select(a => a.Name));
        for (int i = 0; i < expected.Count; i++)
        {
            var (e, a) = (expected[i].Values, actual[i].Values);
            Assert.Equal(e.Count, a.Count);
            for (int j = 0; j < e.Count; j++)
                Value(e[j], a[j]);
        }
    }

    public static void Value(IppValue expected, IppValue actual)
    {
        Assert.Equal(expected.Tag, actual.Tag);
        switch (expected.Value)
        {
            case byte[] bytes:
                Assert.Equal(bytes, Assert.IsType<byte[]>(actual.Value));
                break;
            case IppCollection collection:
                Attributes(collection.Members, Assert.IsType<IppCollection>(actual.Value).Members);
                break;
            case DateTimeOffset date:
                // DateTimeOffset equality ignores the offset; the wire form carries it, so compare it too.
                var actualDate = Assert.IsType<DateTimeOffset>(actual.Value);
                Assert.Equal(date, actualDate);
                Assert.Equal(date.Offset, actualDate.Offset);
                break;
            default:
                Assert.Equal(expected.Value, actual.Value);
                break;
        }
    }

    public static IppParseException ParseFails(byte[] data, int maxAttributeBytes = IppParser.DefaultMaxAttributeBytes) =>
        Assert.Throws<IppParseException>(() => IppParser.Parse(data, out _, maxAttributeBytes));

    public static Task<IppParseException> ReadFails(
        byte[] data, int seed = 1, int maxAttributeBytes = IppParser.DefaultMaxAttributeBytes) =>
        Assert.ThrowsAsync<IppParseException>(() =>
            IppParser.ReadAsync(new ChunkedStream(data, seed, 7), default, maxAttributeBytes));
}
