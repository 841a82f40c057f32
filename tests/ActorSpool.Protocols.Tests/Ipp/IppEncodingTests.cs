using ActorSpool.Protocols.Ipp;

namespace ActorSpool.Protocols.Tests.Ipp;

/// <summary>Byte-exact checks against encodings written out by hand from the RFC 8010 layout.</summary>
public sealed class IppEncodingTests
{
    private static readonly byte[] PrintJobBytes =
    [
        0x01, 0x01,             // version-number 1.1
        0x00, 0x02,             // operation-id Print-Job
        0x00, 0x00, 0x00, 0x2A, // request-id 42
        0x01,                   // operation-attributes-tag
        0x47, 0x00, 0x12, .. "attributes-charset"u8, 0x00, 0x05, .. "utf-8"u8,
        0x48, 0x00, 0x1B, .. "attributes-natural-language"u8, 0x00, 0x05, .. "en-us"u8,
        0x45, 0x00, 0x0B, .. "printer-uri"u8, 0x00, 0x19, .. "ipp://localhost/ipp/print"u8,
        0x42, 0x00, 0x14, .. "requesting-user-name"u8, 0x00, 0x05, .. "alice"u8,
        0x49, 0x00, 0x0F, .. "document-format"u8, 0x00, 0x0F, .. "application/pdf"u8,
        0x02,                   // job-attributes-tag
        0x21, 0x00, 0x06, .. "copies"u8, 0x00, 0x04, 0x00, 0x00, 0x00, 0x02,
        0x44, 0x00, 0x05, .. "sides"u8, 0x00, 0x13, .. "two-sided-long-edge"u8,
        0x03,                   // end-of-attributes-tag
    ];

    private static IppMessage PrintJob()
    {
        var message = new IppMessage { VersionMajor = 1, VersionMinor = 1, Code = (short)IppOperation.PrintJob, RequestId = 42 };
        message.AddGroup(IppTag.OperationAttributes)
            .Add(IppAttribute.Charset("attributes-charset", "utf-8"))
            .Add(IppAttribute.NaturalLanguage("attributes-natural-language", "en-us"))
            .Add(IppAttribute.Uri("printer-uri", "ipp://localhost/ipp/print"))
            .Add(IppAttribute.NameWithoutLanguage("requesting-user-name", "alice"))
            .Add(IppAttribute.MimeMediaType("document-format", "application/pdf"));
        message.AddGroup(IppTag.JobAttributes)
            .Add(IppAttribute.Integer("copies", 2))
            .Add(IppAttribute.Keyword("sides", "two-sided-long-edge"));
        return message;
    }

    [Fact]
    public void PrintJobRequest_EncodesExactly()
    {
        Assert.Equal(PrintJobBytes, IppWriter.Write(PrintJob()));
    }

    [Fact]
    public void PrintJobRequest_DecodesFromHandWrittenBytes()
    {
        byte[] document = "%PDF-1.7\n"u8.ToArray();
        byte[] input = [.. PrintJobBytes, .. document];

        var message = IppParser.Parse(input, out int documentOffset);

        Assert.Equal(PrintJobBytes.Length, documentOffset);
        Assert.Equal(document, input[documentOffset..]);
        Assert.Equal(IppOperation.PrintJob, message.Operation);
        Assert.Equal(42, message.RequestId);
        Assert.Equal("ipp://localhost/ipp/print", message.FindOperationAttribute("printer-uri")!.Value.AsString());
        Assert.Equal(IppTag.NameWithoutLanguage, message.FindOperationAttribute("requesting-user-name")!.Tag);
        Assert.Equal(2, message.JobAttributes!.Find("copies")!.Value.AsInt());
        IppAssert.Equivalent(PrintJob(), message);
    }

    [Fact]
    public void MultiValuedAttributesAndCollections_EncodeExactly()
    {
        var message = new IppMessage { Code = (short)IppStatusCode.SuccessfulOk, RequestId = 7 };
        message.AddGroup(IppTag.PrinterAttributes)
            .Add(IppAttribute.Keyword("k", "a", "b"))
            .Add(IppAttribute.Collection("media-col", new IppCollection(
                IppAttribute.Collection("media-size", new IppCollection(
                    IppAttribute.Integer("x-dimension", 21000),
                    IppAttribute.Integer("y-dimension", 29700))),
                IppAttribute.Keyword("media-type", "stationery"))));

        byte[] expected =
        [
            0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07,
            0x04,                                              // printer-attributes-tag
            0x44, 0x00, 0x01, .. "k"u8, 0x00, 0x01, .. "a"u8,
            0x44, 0x00, 0x00, 0x00, 0x01, .. "b"u8,            // additional value: name-length 0
            0x34, 0x00, 0x09, .. "media-col"u8, 0x00, 0x00,    // begCollection
            0x4A, 0x00, 0x00, 0x00, 0x0A, .. "media-size"u8,   // memberAttrName
            0x34, 0x00, 0x00, 0x00, 0x00,                      // nested begCollection
            0x4A, 0x00, 0x00, 0x00, 0x0B, .. "x-dimension"u8,
            0x21, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x52, 0x08,
            0x4A, 0x00, 0x00, 0x00, 0x0B, .. "y-dimension"u8,
            0x21, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x74, 0x04,
            0x37, 0x00, 0x00, 0x00, 0x00,                      // endCollection (media-size)
            0x4A, 0x00, 0x00, 0x00, 0x0A, .. "media-type"u8,
            0x44, 0x00, 0x00, 0x00, 0x0A, .. "stationery"u8,
            0x37, 0x00, 0x00, 0x00, 0x00,                      // endCollection (media-col)
            0x03,
        ];

        Assert.Equal(expected, IppWriter.Write(message));
        IppAssert.Equivalent(message, IppParser.Parse(expected, out _));
    }

    [Fact]
    public void FixedSizeAndLanguageValues_EncodeExactly()
    {
        var message = new IppMessage { VersionMajor = 1, VersionMinor = 1, Code = 0x0009, RequestId = 1 };
        message.AddGroup(IppTag.JobAttributes)
            .Add(IppAttribute.DateTime("d", new DateTimeOffset(2024, 3, 5, 14, 7, 9, 300, TimeSpan.FromMinutes(-330))))
            .Add(IppAttribute.Resolution("r", 600, 300, IppResolution.DotsPerInch))
            .Add(IppAttribute.Range("g", -1, 256))
            .Add(IppAttribute.TextWithLanguage("t", "en", "hi"))
            .Add(IppAttribute.Boolean("b", true))
            .Add(IppAttribute.NoValue("n"));

        byte[] expected =
        [
            0x01, 0x01, 0x00, 0x09, 0x00, 0x00, 0x00, 0x01,
            0x02,
            0x31, 0x00, 0x01, .. "d"u8, 0x00, 0x0B, 0x07, 0xE8, 0x03, 0x05, 0x0E, 0x07, 0x09, 0x03, (byte)'-', 0x05, 0x1E,
            0x32, 0x00, 0x01, .. "r"u8, 0x00, 0x09, 0x00, 0x00, 0x02, 0x58, 0x00, 0x00, 0x01, 0x2C, 0x03,
            0x33, 0x00, 0x01, .. "g"u8, 0x00, 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x01, 0x00,
            0x35, 0x00, 0x01, .. "t"u8, 0x00, 0x08, 0x00, 0x02, .. "en"u8, 0x00, 0x02, .. "hi"u8,
            0x22, 0x00, 0x01, .. "b"u8, 0x00, 0x01, 0x01,
            0x13, 0x00, 0x01, .. "n"u8, 0x00, 0x00,
            0x03,
        ];

        Assert.Equal(expected, IppWriter.Write(message));
        IppAssert.Equivalent(message, IppParser.Parse(expected, out _));
    }
}
