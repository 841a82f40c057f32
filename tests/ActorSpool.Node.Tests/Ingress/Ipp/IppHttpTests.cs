using System.Net;
using System.Net.Http.Headers;
using ActorSpool.Node.Ingress.Ipp;
using ActorSpool.Protocols.Ipp;
using static ActorSpool.Node.Tests.Ingress.Ipp.IppTestSupport;

namespace ActorSpool.Node.Tests.Ingress.Ipp;

/// <summary>The IPP endpoints over real HTTP (Kestrel on loopback, HttpClient).</summary>
public sealed class IppHttpTests : IAsyncLifetime
{
    private IppTestServer _server = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await IppTestServer.StartAsync();
        _client = new HttpClient { BaseAddress = _server.BaseAddress };
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Print_job_over_http_stores_the_document_and_answers_application_ipp()
    {
        var request = PrintJob(printerUri: _server.PrinterUri());

        var (http, response) = await PostAsync("/printers/office", Encode(request, TextDocument));

        Assert.Equal(HttpStatusCode.OK, http.StatusCode);
        Assert.Equal(IppEndpoints.ContentType, http.Content.Headers.ContentType?.MediaType);
        response.AssertStatus(IppStatusCode.SuccessfulOk);
        int id = response.Job("job-id").Value.AsInt();
        Assert.Equal($"ipp://127.0.0.1:{_server.Port}/jobs/{id}", response.Job("job-uri").Value.AsString());
        Assert.Equal(TextDocument, _server.Gateway.Document(id));
    }

    [Fact]
    public async Task Large_document_streams_through_chunked_transfer()
    {
        var document = new byte[40 * 1024 * 1024]; // beyond Kestrel's default 30 MB body limit
        new Random(11).NextBytes(document);
        var body = new ConcatenatedStream(IppWriter.Write(PrintJob(printerUri: _server.PrinterUri())), document);
        using var content = new StreamContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(IppEndpoints.ContentType);

        using var http = await _client.PostAsync("/printers/office", content);
        var response = IppParser.Parse(await http.Content.ReadAsByteArrayAsync(), out _);

        response.AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.Equal(document.Length, _server.Gateway.Document(response.Job("job-id").Value.AsInt())!.Length);
        Assert.True(_server.Gateway.LargestRead <= FakeSpoolGateway.ChunkSize);
    }

    [Fact]
    public async Task Ipp_print_path_serves_the_default_queue()
    {
        var request = Request(IppOperation.GetPrinterAttributes, $"ipp://127.0.0.1:{_server.Port}/ipp/print");

        var (_, response) = await PostAsync("/ipp/print", Encode(request));

        response.AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.Equal("office", response.Printer("printer-name").Value.AsString());
        Assert.Equal(_server.PrinterUri(), response.Printer("printer-uri-supported").Value.AsString());
    }

    [Fact]
    public async Task Root_path_uses_the_printer_uri_attribute()
    {
        var request = Request(IppOperation.GetPrinterAttributes, _server.PrinterUri("lab"));

        var (_, response) = await PostAsync("/", Encode(request));

        response.AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.Equal("lab", response.Printer("printer-name").Value.AsString());
    }

    [Fact]
    public async Task Garbage_body_is_http_200_with_an_ipp_bad_request()
    {
        var (http, response) = await PostAsync("/printers/office", [0x01, 0x01, 0x00, 0x0B, 0x00, 0x00, 0x00, 0x09, 0x99]);

        Assert.Equal(HttpStatusCode.OK, http.StatusCode);
        response.AssertStatus(IppStatusCode.ClientErrorBadRequest);
        Assert.Equal(9, response.RequestId);
    }

    [Fact]
    public async Task Wrong_version_is_http_200_with_version_not_supported()
    {
        var request = Request(IppOperation.GetPrinterAttributes, _server.PrinterUri());
        request.VersionMajor = 9;

        var (http, response) = await PostAsync("/printers/office", Encode(request));

        Assert.Equal(HttpStatusCode.OK, http.StatusCode);
        response.AssertStatus(IppStatusCode.ServerErrorVersionNotSupported);
    }

    [Fact]
    public async Task Gateway_failure_is_http_200_with_internal_error_not_an_exception_page()
    {
        _server.Gateway.FailWith = new InvalidOperationException("boom");

        var (http, response) = await PostAsync("/printers/office", Encode(Request(IppOperation.GetJobs, _server.PrinterUri())));

        Assert.Equal(HttpStatusCode.OK, http.StatusCode);
        response.AssertStatus(IppStatusCode.ServerErrorInternalError);
    }

    [Fact]
    public async Task Other_content_types_are_not_ipp()
    {
        using var content = new ByteArrayContent(Encode(Request(IppOperation.GetPrinterAttributes, _server.PrinterUri())));
        content.Headers.ContentType = new MediaTypeHeaderValue("text/plain");

        using var http = await _client.PostAsync("/printers/office", content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, http.StatusCode);
    }

    [Fact]
    public async Task The_printer_more_info_link_opens_a_page_of_the_queue()
    {
        await PostAsync("/printers/office", Encode(PrintJob(printerUri: _server.PrinterUri()), TextDocument));
        var (_, attributes) = await PostAsync("/printers/office", Encode(Request(IppOperation.GetPrinterAttributes, _server.PrinterUri())));
        var moreInfo = new Uri(attributes.Printer("printer-more-info").Value.AsString());

        using var page = await _client.GetAsync(moreInfo.PathAndQuery);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("<h1>Queue office</h1>", html);
        Assert.Contains($"ipp://127.0.0.1:{_server.Port}/printers/office", html);
        Assert.Contains("<th scope=\"row\">pending</th><td data-count=\"pending\">1</td>", html);
    }

    [Fact]
    public async Task A_page_of_an_unknown_queue_is_not_found()
    {
        using var page = await _client.GetAsync("/printers/no-such-queue");

        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        Assert.Contains("No queue named no-such-queue", await page.Content.ReadAsStringAsync());
    }

    private async Task<(HttpResponseMessage Http, IppMessage Response)> PostAsync(string path, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(IppEndpoints.ContentType);
        var http = await _client.PostAsync(path, content);
        var bytes = await http.Content.ReadAsByteArrayAsync();
        return (http, IppParser.Parse(bytes, out _));
    }

    /// <summary>Request body of unknown length (so HttpClient sends it chunked), like a spooling client.</summary>
    private sealed class ConcatenatedStream(byte[] first, byte[] second) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var source = _position < first.Length ? first.AsSpan((int)_position) : second.AsSpan((int)(_position - first.Length));
            int n = Math.Min(count, source.Length);
            source[..n].CopyTo(buffer.AsSpan(offset));
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
