using ActorSpool.Protocols.Ipp;

namespace ActorSpool.Protocols.Tests.Ipp;

public sealed class IppRoundTripTests
{
    /// <summary>A message exercising every value syntax, multi-valued attributes and nested collections.</summary>
    internal static IppMessage EveryValueType()
    {
        var message = new IppMessage { VersionMajor = 2, VersionMinor = 0, Code = (short)IppOperation.PrintJob, RequestId = 0x12345678 };
        message.AddGroup(IppTag.OperationAttributes)
            .Add(IppAttribute.Charset("attributes-charset", "utf-8"))
            .Add(IppAttribute.NaturalLanguage("attributes-natural-language", "en-us"))
            .Add(IppAttribute.Uri("printer-uri", "ipp://printer.example/ipp/print"))
            .Add(IppAttribute.NameWithoutLanguage("requesting-user-name", "Jürgen Ωmega 🖨"))
            .Add(IppAttribute.MimeMediaType("document-format", "application/pdf"))
            .Add(IppAttribute.Text("job-message", ""));

        var media = new IppCollection(
            IppAttribute.Collection("media-size", new IppCollection(
                IppAttribute.Integer("x-dimension", 21000),
                IppAttribute.Integer("y-dimension", 29700))),
            IppAttribute.Keyword("media-type", "stationery", "letterhead"),
            IppAttribute.Collection("media-source-properties", new IppCollection(
                IppAttribute.Collection("deeper", new IppCollection(IppAttribute.Boolean("deepest", true))),
                IppAttribute.Keyword("media-source-feed-direction", "short-edge-first"))));

        message.AddGroup(IppTag.JobAttributes)
            .Add(IppAttribute.Integer("copies", 1, -1, int.MinValue, int.MaxValue))
            .Add(IppAttribute.Enum("print-quality", 3, 4, 5))
            .Add(IppAttribute.Boolean("page-delivery-reversed", false))
            .Add(IppAttribute.Boolean("job-hold", true))
            .Add(IppAttribute.OctetString("job-password", [0x00, 0xFF, 0x7F, 0x80, 0x00]))
            .Add(IppAttribute.OctetString("empty-octets", []))
            .Add(IppAttribute.DateTime("date-time-at-creation", new DateTimeOffset(2024, 2, 29, 23, 59, 58, 700, TimeSpan.FromMinutes(-330))))
            .Add(IppAttribute.DateTime("date-time-utc", new DateTimeOffset(1999, 12, 31, 0, 0, 0, TimeSpan.FromHours(14))))
            .Add(IppAttribute.Resolution("printer-resolution", new IppResolution(600, 600, 3), new IppResolution(118, 236, 4)))
            .Add(IppAttribute.Range("page-ranges", 1, 5))
            .Add(new IppAttribute("mixed-ranges", new IppValue(IppTag.Integer, 7), new IppValue(IppTag.RangeOfInteger, new IppRange(int.MinValue, int.MaxValue))))
            .Add(IppAttribute.TextWithLanguage("job-description", "de", "Grüße"))
            .Add(IppAttribute.NameWithLanguage("job-name", "fr-ca", "Déjà vu"))
            .Add(IppAttribute.Keyword("sides", "two-sided-long-edge"))
            .Add(IppAttribute.UriScheme("uri-schemes", "ipp", "ipps", "http"))
            .Add(IppAttribute.Collection("media-col", media, new IppCollection(), new IppCollection(IppAttribute.NoValue("media-key"))))
            .Add(IppAttribute.NoValue("finishings"))
            .Add(IppAttribute.Unknown("job-priority"))
            .Add(IppAttribute.Unsupported("job-sheets"))
            .Add(new IppAttribute("not-settable", new IppValue((IppTag)0x15, null)))
            .Add(new IppAttribute("vendor-tag", new IppValue((IppTag)0x38, new byte[] { 1, 2, 3 })))
            .Add(new IppAttribute("extension", new IppValue((IppTag)0x7F, new byte[] { 0x00, 0x00, 0x40, 0x00, 0xAB })));

        message.AddGroup(IppTag.PrinterAttributes); // empty groups are legal and must survive
        message.AddGroup((IppTag)0x06).Add(IppAttribute.Integer("notify-lease-duration", 3600)); // subscription group
        return message;
    }

    [Fact]
    public void EveryValueType_RoundTripsThroughParse()
    {
        var original = EveryValueType();
        byte[] bytes = IppWriter.Write(original);

        var parsed = IppParser.Parse(bytes, out int documentOffset);

        Assert.Equal(bytes.Length, documentOffset);
        IppAssert.Equivalent(original, parsed);
        Assert.Equal(bytes, IppWriter.Write(parsed)); // re-encoding is byte-identical
    }

    [Fact]
    public async Task EveryValueType_RoundTripsThroughStreams()
    {
        var original = EveryValueType();
        using var buffer = new MemoryStream();
        await IppWriter.WriteAsync(original, buffer);
        Assert.Equal(IppWriter.Write(original), buffer.ToArray());

        buffer.Position = 0;
        var result = await IppParser.ReadAsync(buffer);

        IppAssert.Equivalent(original, result.Message);
        Assert.Equal(-1, result.Document.ReadByte());
    }

    [Fact]
    public void ParsedValues_HaveDocumentedClrTypes()
    {
        var parsed = IppParser.Parse(IppWriter.Write(EveryValueType()), out _);
        var job = parsed.JobAttributes!;

        Assert.Equal([1, -1, int.MinValue, int.MaxValue], job.Find("copies")!.Values.Select(v => v.AsInt()));
        Assert.False(job.Find("page-delivery-reversed")!.Value.AsBool());
        Assert.Equal("Grüße", job.Find("job-description")!.Value.AsString());
        Assert.Equal(new IppStringWithLanguage("fr-ca", "Déjà vu"), job.Find("job-name")!.Value.Value);
        Assert.Equal(new IppRange(1, 5), job.Find("page-ranges")!.Value.Value);
        Assert.Null(job.Find("finishings")!.Value.Value);
        Assert.True(job.Find("finishings")!.Value.IsOutOfBand);
        Assert.Equal("Jürgen Ωmega 🖨", parsed.FindOperationAttribute("requesting-user-name")!.Value.AsString());

        var mediaCol = job.Find("media-col")!;
        Assert.Equal(3, mediaCol.Values.Count);
        var size = mediaCol.Values[0].AsCollection().Find("media-size")!.Value.AsCollection();
        Assert.Equal(29700, size.Find("y-dimension")!.Value.AsInt());
        Assert.Empty(mediaCol.Values[1].AsCollection().Members);
        var deepest = mediaCol.Values[0].AsCollection().Find("media-source-properties")!.Value.AsCollection()
            .Find("deeper")!.Value.AsCollection().Find("deepest")!;
        Assert.True(deepest.Value.AsBool());
    }

    [Fact]
    public void CollectionsNestedSixteenDeep_RoundTrip()
    {
        var innermost = new IppCollection(IppAttribute.Integer("leaf", 16));
        var current = innermost;
        for (int depth = 15; depth >= 1; depth--)
            current = new IppCollection(IppAttribute.Collection("level", current));
        var message = new IppMessage();
        message.AddGroup(IppTag.JobAttributes).Add(IppAttribute.Collection("outer", current));

        var parsed = IppParser.Parse(IppWriter.Write(message), out _);

        IppAssert.Equivalent(message, parsed);
    }
}
