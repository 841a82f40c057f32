using ActorSpool.Protocols.Ipp;

namespace ActorSpool.Protocols.Tests.Ipp;

/// <summary>
/// Hostile-input properties: for arbitrary bytes the parser either returns a message or throws
/// <see cref="IppParseException"/> — never another exception, never a hang. Any message it does return must
/// re-encode and re-parse to an equivalent message.
/// </summary>
public sealed class IppFuzzTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    // Tags worth generating often: delimiters, out-of-band, every value syntax, collection structure.
    private static readonly byte[] InterestingTags =
        [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x10, 0x13, 0x21, 0x22, 0x23, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x41, 0x44, 0x4A, 0x7F];

    [Fact(Timeout = 120_000)]
    public async Task RandomBytes_ParseOrThrowIppParseException()
    {
        var random = new Random(20240601);
        int accepted = 0;
        for (int i = 0; i < 3000; i++)
        {
            byte[] input = i % 2 == 0 ? RandomBytes(random) : RandomStructuredMessage(random);
            if (await CheckAsync(input, seed: i))
                accepted++;
        }
        // Guard against a generator that only ever trips the first check.
        Assert.InRange(accepted, 25, 2975);
    }

    [Fact(Timeout = 120_000)]
    public async Task MutatedValidRequests_ParseOrThrowIppParseException()
    {
        byte[] valid = IppWriter.Write(IppRoundTripTests.EveryValueType());
        var random = new Random(8010);
        int accepted = 0;
        for (int i = 0; i < 3000; i++)
        {
            var bytes = new List<byte>(valid);
            for (int edits = random.Next(1, 5); edits > 0; edits--)
            {
                int at = random.Next(bytes.Count);
                switch (random.Next(3))
                {
                    case 0: bytes[at] = (byte)random.Next(256); break;
                    case 1: bytes.RemoveAt(at); break;
                    default: bytes.Insert(at, InterestingTags[random.Next(InterestingTags.Length)]); break;
                }
            }
            if (await CheckAsync([.. bytes], seed: i))
                accepted++;
        }
        Assert.InRange(accepted, 25, 2975);
    }

    [Fact(Timeout = 120_000)]
    public async Task EveryTruncation_IsBadRequest()
    {
        byte[] valid = IppWriter.Write(IppRoundTripTests.EveryValueType());
        for (int length = 0; length < valid.Length; length++)
        {
            byte[] prefix = valid[..length];
            Assert.Equal(IppStatusCode.ClientErrorBadRequest, IppAssert.ParseFails(prefix).Status);
            var error = await IppAssert.ReadFails(prefix, seed: length).WaitAsync(Patience);
            Assert.Equal(IppStatusCode.ClientErrorBadRequest, error.Status);
        }
        IppParser.Parse(valid, out int documentOffset);
        Assert.Equal(valid.Length, documentOffset);
    }

    /// <summary>Returns whether the input was accepted.</summary>
    private static async Task<bool> CheckAsync(byte[] input, int seed)
    {
        IppMessage? parsed = null;
        try
        {
            parsed = IppParser.Parse(input, out int documentOffset);
            Assert.InRange(documentOffset, 9, input.Length);
        }
        catch (IppParseException e)
        {
            Assert.True(e.Status is IppStatusCode.ClientErrorBadRequest or IppStatusCode.ClientErrorRequestEntityTooLarge);
        }

        try
        {
            var result = await IppParser.ReadAsync(new ChunkedStream(input, seed, 16)).WaitAsync(Patience);
            Assert.NotNull(parsed); // the two entry points must agree on acceptance
            IppAssert.Equivalent(parsed, result.Message);
        }
        catch (IppParseException)
        {
            Assert.Null(parsed);
        }

        if (parsed is not null)
            IppAssert.Equivalent(parsed, IppParser.Parse(IppWriter.Write(parsed), out _));
        return parsed is not null;
    }

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(0, 300)];
        random.NextBytes(bytes);
        return bytes;
    }

    // Well-framed elements with random tags and short random values, so the semantic layer gets exercised
    // rather than every input dying in the framing check.
    private static byte[] RandomStructuredMessage(Random random)
    {
        var wire = Wire.Request();
        for (int elements = random.Next(1, 40); elements > 0; elements--)
        {
            byte tag = random.Next(8) == 0 ? (byte)random.Next(256) : InterestingTags[random.Next(InterestingTags.Length)];
            if (tag < 0x10)
            {
                wire.Bytes(tag);
                continue;
            }
            string name = random.Next(3) == 0 ? "" : "a" + random.Next(5);
            var value = new byte[random.Next(4) switch { 0 => 0, 1 => 4, 2 => random.Next(1, 12), _ => 11 }];
            random.NextBytes(value);
            wire.Value(tag, name, value);
        }
        if (random.Next(4) != 0)
            wire.End();
        return wire.ToArray();
    }
}
