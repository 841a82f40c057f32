using System.IO.Compression;
using System.Text;
using ActorSpool.Node.Ingress.Ipp;
using ActorSpool.Protocols.Ipp;
using static ActorSpool.Node.Tests.Ingress.Ipp.IppTestSupport;

namespace ActorSpool.Node.Tests.Ingress.Ipp;

/// <summary>The compression operation attribute of Print-Job and Validate-Job (RFC 8011 §4.2.1.1).</summary>
public sealed class IppCompressionTests
{
    private readonly FakeSpoolGateway _gateway = new();
    private readonly IppPrintService _service;

    public IppCompressionTests() => _service = new IppPrintService(_gateway, _gateway.Clock);

    private static byte[] Compress(string compression, byte[] data)
    {
        using var buffer = new MemoryStream();
        using (Stream compressor = compression == "gzip"
                   ? new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true)
                   : new ZLibStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
            compressor.Write(data);
        return buffer.ToArray();
    }

    private static byte[] LargeDocument()
    {
        var text = new StringBuilder();
        var random = new Random(7);
        for (int line = 0; text.Length < 2 * 1024 * 1024; line++)
            text.Append($"line {line}: {random.Next()} the quick brown fox jumps over the lazy dog\n");
        return Encoding.ASCII.GetBytes(text.ToString());
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("deflate")]
    public async Task Print_job_stores_the_decompressed_document(string compression)
    {
        var request = PrintJob().Op(IppAttribute.Keyword("compression", compression));

        var response = await _service.SendAsync(request, Compress(compression, TextDocument));

        response.AssertStatus(IppStatusCode.SuccessfulOk);
        int id = response.Job("job-id").Value.AsInt();
        Assert.Equal(TextDocument, _gateway.Document(id));
        Assert.Equal(TextDocument.Length, Assert.Single(Assert.Single(_gateway.Submitted).Documents).Length);
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("deflate")]
    public async Task A_large_compressed_document_is_decompressed_while_it_streams_into_the_store(string compression)
    {
        var document = LargeDocument();
        var compressed = Compress(compression, document);
        Assert.True(compressed.Length < document.Length / 2);
        var request = PrintJob().Op(IppAttribute.Keyword("compression", compression));

        var response = await _service.SendAsync(request, compressed);

        response.AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.Equal(document, _gateway.Document(response.Job("job-id").Value.AsInt()));
        Assert.InRange(_gateway.LargestRead, 1, FakeSpoolGateway.ChunkSize);
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("deflate")]
    public async Task Corrupt_compressed_data_is_a_compression_error_and_nothing_is_stored(string compression)
    {
        var request = PrintJob().Op(IppAttribute.Keyword("compression", compression));
        var corrupt = Encoding.ASCII.GetBytes("this is not compressed data at all, just plain text that claims to be.\n");

        var response = await _service.SendAsync(request, corrupt);

        response.AssertStatus(IppStatusCode.ClientErrorCompressionError);
        Assert.Contains(compression, response.StatusMessage());
        Assert.Empty(_gateway.Submitted);
        Assert.Null(_gateway.Document(1));
    }

    [Fact]
    public async Task Gzip_data_damaged_in_the_middle_is_a_compression_error()
    {
        var compressed = Compress("gzip", LargeDocument());
        for (int i = compressed.Length / 2; i < compressed.Length / 2 + 64; i++)
            compressed[i] ^= 0x5A;
        var request = PrintJob().Op(IppAttribute.Keyword("compression", "gzip"));

        var response = await _service.SendAsync(request, compressed);

        response.AssertStatus(IppStatusCode.ClientErrorCompressionError);
        Assert.Empty(_gateway.Submitted);
    }

    [Fact]
    public async Task Uncompressed_data_with_compression_none_is_stored_as_sent()
    {
        var request = PrintJob().Op(IppAttribute.Keyword("compression", "none"));

        var response = await _service.SendAsync(request, TextDocument);

        response.AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.Equal(TextDocument, _gateway.Document(response.Job("job-id").Value.AsInt()));
    }

    [Theory]
    [InlineData("none")]
    [InlineData("deflate")]
    [InlineData("gzip")]
    public async Task Validate_job_accepts_the_supported_compressions(string compression)
    {
        var request = Request(IppOperation.ValidateJob).Op(IppAttribute.Keyword("compression", compression));

        var response = await _service.SendAsync(request);

        response.AssertStatus(IppStatusCode.SuccessfulOk);
    }

    [Fact]
    public async Task Validate_job_refuses_an_unsupported_compression()
    {
        var request = Request(IppOperation.ValidateJob).Op(IppAttribute.Keyword("compression", "compress"));

        var response = await _service.SendAsync(request);

        response.AssertStatus(IppStatusCode.ClientErrorCompressionNotSupported);
        Assert.Equal("compress", response.Unsupported("compression")?.Value.AsString());
    }

    [Fact]
    public async Task Compression_supported_lists_none_deflate_and_gzip()
    {
        var response = await _service.SendAsync(Request(IppOperation.GetPrinterAttributes)
            .Op(IppAttribute.Keyword("requested-attributes", "compression-supported")));

        Assert.Equal(["none", "deflate", "gzip"], response.Printer("compression-supported").Values.Select(v => v.AsString()));
    }
}
