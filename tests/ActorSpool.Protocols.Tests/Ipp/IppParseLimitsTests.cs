using ActorSpool.Protocols.Ipp;

namespace ActorSpool.Protocols.Tests.Ipp;

/// <summary>
/// The issue's probe: ~96,000 attributes in one request were parsed and echoed (20 such requests in parallel took
/// 600 MB). With the request limits the parser counts attributes while it scans and refuses the message before it
/// builds any of them.
/// </summary>
public sealed class IppParseLimitsTests
{
    private static readonly IppParseLimits Requests = IppParseLimits.Requests;

    /// <summary>A request with <paramref name="count"/> attributes in the operation group, 10 bytes each (one-letter names).</summary>
    private static byte[] ManyAttributes(int count)
    {
        var wire = Wire.Operation()
            .Value(0x47, "attributes-charset", "utf-8")
            .Value(0x48, "attributes-natural-language", "en");
        for (int i = 0; i < count - 2; i++)
            wire.Integer(((char)('a' + i % 26)).ToString(), i);
        return wire.End().ToArray();
    }

    [Fact]
    public async Task The_issue_probe_of_96000_attributes_is_refused_as_too_large_after_reading_a_fraction_of_it()
    {
        var request = ManyAttributes(96_000);
        Assert.True(request.Length < IppParser.DefaultMaxAttributeBytes); // the byte limit alone lets it through
        var input = new CountingStream(new MemoryStream(request));

        var e = await Assert.ThrowsAsync<IppParseException>(() => IppParser.ReadAsync(input, Requests));

        Assert.Equal(IppStatusCode.ClientErrorRequestEntityTooLarge, e.Status);
        Assert.Contains("more than 1000 attributes", e.Message);
        // Refused while scanning the first 1,001 attributes: far less than the request was read, nothing built from it.
        Assert.True(input.BytesRead < request.Length / 10, $"read {input.BytesRead} of {request.Length} bytes");
    }

    [Fact]
    public void A_request_of_exactly_the_attribute_limit_parses_and_one_more_is_refused()
    {
        var atLimit = IppParser.Parse(ManyAttributes(1000), out _, Requests);
        Assert.Equal(1000, atLimit.Groups.Single().Attributes.Count);

        var e = Assert.Throws<IppParseException>(() => IppParser.Parse(ManyAttributes(1001), out _, Requests));
        Assert.Equal(IppStatusCode.ClientErrorRequestEntityTooLarge, e.Status);
    }

    [Fact]
    public void Values_count_too_so_one_attribute_with_endless_additional_values_is_refused()
    {
        var wire = Wire.Operation().Integer("job-ids", 0);
        for (int i = 1; i <= 10_000; i++)
            wire.Integer("", i);
        var e = Assert.Throws<IppParseException>(() => IppParser.Parse(wire.End().ToArray(), out _, Requests));
        Assert.Equal(IppStatusCode.ClientErrorRequestEntityTooLarge, e.Status);
        Assert.Contains("10000 attribute values", e.Message);
    }

    [Fact]
    public void Collection_members_count_as_values()
    {
        var wire = Wire.Operation().BeginCollection("media-col");
        for (int i = 0; i < 6000; i++)
            wire.Member($"m{i}").Integer("", i);
        var request = wire.EndCollection().End().ToArray();

        Assert.Equal(IppStatusCode.ClientErrorRequestEntityTooLarge,
            Assert.Throws<IppParseException>(() => IppParser.Parse(request, out _, Requests)).Status);
        Assert.Single(IppParser.Parse(request, out _).Groups.Single().Attributes); // the default (responses) has no count limit
    }

    [Fact]
    public async Task Responses_from_printers_keep_long_attribute_lists_by_default()
    {
        var response = ManyAttributes(5000);
        var read = await IppParser.ReadAsync(new MemoryStream(response));
        Assert.Equal(5000, read.Message.Groups.Single().Attributes.Count);
    }

    private sealed class CountingStream(Stream inner) : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = inner.Read(buffer, offset, Math.Min(count, 4096));
            BytesRead += n;
            return n;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            int n = await inner.ReadAsync(buffer[..Math.Min(buffer.Length, 4096)], cancellationToken);
            BytesRead += n;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
