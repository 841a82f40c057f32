using ActorSpool.Protocols.Ipp;

namespace ActorSpool.Protocols.Tests.Ipp;

public sealed class IppMalformedInputTests
{
    private static readonly byte[] Int32One = [0, 0, 0, 1];

    public static TheoryData<string, byte[]> BadRequests()
    {
        var data = new TheoryData<string, byte[]>
        {
            { "empty input", [] },
            { "header shorter than 8 bytes", [0x01, 0x01, 0x00, 0x02, 0x00] },
            { "header only, no end tag", Wire.Request().ToArray() },
            { "attributes without end tag", Wire.Operation().Value(0x47, "attributes-charset", "utf-8").ToArray() },
            { "truncated name-length", Wire.Operation().Bytes(0x47, 0x00).ToArray() },
            { "truncated name", Wire.Operation().Bytes(0x47, 0x00, 0x12).Ascii("attr").ToArray() },
            { "truncated value-length", Wire.Operation().Bytes(0x47, 0x00, 0x01).Ascii("a").Bytes(0x00).ToArray() },
            { "truncated value", Wire.Operation().Bytes(0x47, 0x00, 0x01).Ascii("a").Bytes(0x00, 0x05).Ascii("ut").ToArray() },
            { "integer of 3 bytes", Wire.Operation().Value(0x21, "copies", [0, 0, 1]).End().ToArray() },
            { "integer of 0 bytes", Wire.Operation().Value(0x21, "copies", []).End().ToArray() },
            { "enum of 5 bytes", Wire.Operation().Value(0x23, "print-quality", [0, 0, 0, 0, 4]).End().ToArray() },
            { "boolean of 2 bytes", Wire.Operation().Value(0x22, "b", [0, 1]).End().ToArray() },
            { "dateTime of 10 bytes", Wire.Operation().Value(0x31, "d", [0x07, 0xE8, 1, 1, 0, 0, 0, 0, (byte)'+', 0]).End().ToArray() },
            { "resolution of 8 bytes", Wire.Operation().Value(0x32, "r", [0, 0, 2, 0x58, 0, 0, 2, 0x58]).End().ToArray() },
            { "rangeOfInteger of 7 bytes", Wire.Operation().Value(0x33, "g", [0, 0, 0, 1, 0, 0, 0]).End().ToArray() },
            { "textWithLanguage with inconsistent lengths", Wire.Operation().Value(0x35, "t", [0, 5, .. "en"u8, 0, 1, .. "x"u8]).End().ToArray() },
            { "textWithLanguage with trailing bytes", Wire.Operation().Value(0x35, "t", [0, 2, .. "en"u8, 0, 1, .. "xy"u8]).End().ToArray() },
            { "nameWithLanguage of 1 byte", Wire.Operation().Value(0x36, "n", [0]).End().ToArray() },
            { "dateTime with month 13", Wire.Operation().Value(0x31, "d", [0x07, 0xE8, 13, 1, 0, 0, 0, 0, (byte)'+', 0, 0]).End().ToArray() },
            { "dateTime with February 30", Wire.Operation().Value(0x31, "d", [0x07, 0xE8, 2, 30, 0, 0, 0, 0, (byte)'+', 0, 0]).End().ToArray() },
            { "dateTime with bad direction", Wire.Operation().Value(0x31, "d", [0x07, 0xE8, 1, 1, 0, 0, 0, 0, (byte)'x', 0, 0]).End().ToArray() },
            { "dateTime before year 1 in UTC", Wire.Operation().Value(0x31, "d", [0x00, 0x01, 1, 1, 0, 0, 0, 0, (byte)'+', 1, 0]).End().ToArray() },
            { "additional value with no attribute", Wire.Operation().Value(0x44, "", "x").End().ToArray() },
            { "additional value after group change", Wire.Operation().Value(0x44, "k", "a").Bytes(0x02).Value(0x44, "", "b").End().ToArray() },
            { "value before any group tag", Wire.Request().Value(0x44, "k", "v").End().ToArray() },
            { "reserved delimiter 0x00", Wire.Request().Bytes(0x00).Value(0x44, "k", "v").End().ToArray() },
            { "memberAttrName outside collection", Wire.Operation().Member("m").End().ToArray() },
            { "endCollection outside collection", Wire.Operation().EndCollection().End().ToArray() },
            { "endCollection after a closed collection", Wire.Operation().BeginCollection("c").EndCollection().EndCollection().End().ToArray() },
            { "missing endCollection", Wire.Operation().BeginCollection("c").Member("m").Integer("", 1).End().ToArray() },
            { "group tag inside collection", Wire.Operation().BeginCollection("c").Bytes(0x02).EndCollection().End().ToArray() },
            { "begCollection with a value", Wire.Operation().Value(0x34, "c", [1]).EndCollection().End().ToArray() },
            { "endCollection with a value", Wire.Operation().BeginCollection("c").Value(0x37, "", [1]).End().ToArray() },
            { "collection member without value", Wire.Operation().BeginCollection("c").Member("m").EndCollection().End().ToArray() },
            { "collection member followed by member", Wire.Operation().BeginCollection("c").Member("m").Member("n").Integer("", 1).EndCollection().End().ToArray() },
            { "collection value without memberAttrName", Wire.Operation().BeginCollection("c").Value(0x21, "", Int32One).EndCollection().End().ToArray() },
            { "named attribute inside collection", Wire.Operation().BeginCollection("c").Member("m").Value(0x21, "x", Int32One).EndCollection().End().ToArray() },
            { "empty memberAttrName", Wire.Operation().BeginCollection("c").Member("").Integer("", 1).EndCollection().End().ToArray() },
            { "collections nested 17 deep", Nested(17) },
        };
        return data;
    }

    /// <summary>An attribute whose value is a collection nested <paramref name="depth"/> levels deep.</summary>
    internal static byte[] Nested(int depth)
    {
        var wire = Wire.Operation().BeginCollection("c");
        for (int i = 1; i < depth; i++)
            wire.Member("m").BeginCollection("");
        wire.Member("leaf").Integer("", 1);
        for (int i = 0; i < depth; i++)
            wire.EndCollection();
        return wire.End().ToArray();
    }

    [Theory]
    [MemberData(nameof(BadRequests))]
    public void Parse_RejectsWithBadRequest(string problem, byte[] input)
    {
        var error = IppAssert.ParseFails(input);

        Assert.Equal(IppStatusCode.ClientErrorBadRequest, error.Status);
        Assert.False(string.IsNullOrWhiteSpace(error.Message), problem);
    }

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task ReadAsync_RejectsWithBadRequest(string problem, byte[] input)
    {
        var error = await IppAssert.ReadFails(input, seed: problem.Length);

        Assert.Equal(IppStatusCode.ClientErrorBadRequest, error.Status);
        // Both entry points share one implementation, so they must also agree on the diagnosis.
        Assert.Equal(IppAssert.ParseFails(input).Message, error.Message);
    }

    [Fact]
    public void Messages_NameTheProblem()
    {
        Assert.Contains("header", IppAssert.ParseFails([1, 1, 0]).Message);
        Assert.Contains("end-of-attributes", IppAssert.ParseFails(Wire.Request().ToArray()).Message);
        Assert.Contains("Integer value is 3 bytes, expected 4",
            IppAssert.ParseFails(Wire.Operation().Value(0x21, "copies", [0, 0, 1]).End().ToArray()).Message);
        Assert.Contains("additional value", IppAssert.ParseFails(Wire.Operation().Value(0x44, "", "x").End().ToArray()).Message);
        Assert.Contains("deeper than 16", IppAssert.ParseFails(Nested(17)).Message);
    }

    [Fact]
    public void CollectionsNestedSixteenDeep_AreAccepted()
    {
        var message = IppParser.Parse(Nested(16), out _);

        var value = message.OperationAttributes!.Find("c")!.Value;
        for (int i = 1; i < 16; i++)
            value = value.AsCollection().Find("m")!.Value;
        Assert.Equal(1, value.AsCollection().Find("leaf")!.Value.AsInt());
    }

    [Fact]
    public async Task AttributeSectionOverLimit_IsRequestEntityTooLarge()
    {
        byte[] input = Wire.Operation().Value(0x30, "blob", new byte[500]).End().ToArray();

        Assert.Equal(IppStatusCode.ClientErrorRequestEntityTooLarge, IppAssert.ParseFails(input, 500).Status);
        Assert.Equal(IppStatusCode.ClientErrorRequestEntityTooLarge, (await IppAssert.ReadFails(input, 1, 500)).Status);
        // Exactly at the limit is fine.
        IppParser.Parse(input, out _, input.Length);
        await IppParser.ReadAsync(new MemoryStream(input), default, input.Length);
    }

    [Fact]
    public async Task DefaultLimitIsOneMebibyte()
    {
        var wire = Wire.Operation();
        for (int i = 0; i < 17; i++) // 17 × 64 KiB > 1 MiB
            wire.Value(0x30, $"blob-{i}", new byte[ushort.MaxValue]);
        byte[] input = wire.End().ToArray();

        Assert.Equal(IppStatusCode.ClientErrorRequestEntityTooLarge, IppAssert.ParseFails(input).Status);
        Assert.Equal(IppStatusCode.ClientErrorRequestEntityTooLarge,
            (await Assert.ThrowsAsync<IppParseException>(() => IppParser.ReadAsync(new MemoryStream(input)))).Status);
        // Without an end tag the limit still applies before the whole input is buffered.
        byte[] endless = wire.ToArray();
        Assert.Equal(IppStatusCode.ClientErrorRequestEntityTooLarge, IppAssert.ParseFails(endless).Status);
    }

    [Fact]
    public void InvalidUtf8_IsReplacedNotRejected()
    {
        byte[] input = Wire.Operation().Value(0x42, "requesting-user-name", [0x61, 0xFF, 0xC3]).End().ToArray();

        var message = IppParser.Parse(input, out _);

        Assert.Equal("a\uFFFD\uFFFD", message.FindOperationAttribute("requesting-user-name")!.Value.AsString());
    }

    [Fact]
    public void OutOfBandValueWithBytes_IsToleratedAndDropped()
    {
        // Some printers send data with no-value; CUPS skips it, and so do we.
        byte[] input = Wire.Operation().Value(0x13, "media", [1, 2, 3]).End().ToArray();

        var attribute = IppParser.Parse(input, out _).FindOperationAttribute("media")!;

        Assert.Equal(IppTag.NoValue, attribute.Tag);
        Assert.Null(attribute.Value.Value);
    }

    [Fact]
    public void UnusualButValidInput_IsAccepted()
    {
        byte[] input = Wire.Request()
            .Bytes(0x01)
            .Value(0x31, "leap", [0x07, 0xD0, 12, 31, 23, 59, 60, 9, (byte)'+', 0, 0])
            .Value(0x22, "truthy", [0x02])
            .Value(0x40, "reserved-string-tag", "raw")
            .Bytes(0x01) // empty repeated group
            .End().ToArray();
        input[0] = 9; // version 9.9 is the server's business, not the parser's
        input[1] = 9;

        var message = IppParser.Parse(input, out _);

        Assert.Equal((9, 9), (message.VersionMajor, message.VersionMinor));
        Assert.Equal(2, message.Groups.Count);
        var group = message.Groups[0];
        Assert.Equal(new DateTimeOffset(2000, 12, 31, 23, 59, 59, 900, TimeSpan.Zero), group.Find("leap")!.Value.Value);
        Assert.True(group.Find("truthy")!.Value.AsBool());
        Assert.Equal("raw"u8.ToArray(), group.Find("reserved-string-tag")!.Value.Value);
    }
}
