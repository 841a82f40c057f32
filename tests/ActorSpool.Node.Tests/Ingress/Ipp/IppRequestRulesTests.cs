using ActorSpool.Node.Ingress.Ipp;
using ActorSpool.Protocols.Ipp;
using static ActorSpool.Node.Tests.Ingress.Ipp.IppTestSupport;

namespace ActorSpool.Node.Tests.Ingress.Ipp;

/// <summary>The checks every request passes (RFC 8011 §4.1) and how requests find their target.</summary>
public sealed class IppRequestRulesTests
{
    private readonly FakeSpoolGateway _gateway = new();
    private readonly IppPrintService _service;

    public IppRequestRulesTests() => _service = new IppPrintService(_gateway, _gateway.Clock);

    [Theory]
    [InlineData(1, 0)]
    [InlineData(1, 1)]
    [InlineData(2, 0)]
    [InlineData(2, 1)]
    [InlineData(2, 2)]
    public async Task Supported_versions_are_accepted_and_echoed(byte major, byte minor)
    {
        var request = Request(IppOperation.GetPrinterAttributes);
        (request.VersionMajor, request.VersionMinor) = (major, minor);

        var response = await _service.SendAsync(request);

        response.AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.Equal((major, minor), (response.VersionMajor, response.VersionMinor));
        Assert.Equal(42, response.RequestId);
    }

    [Theory]
    [InlineData(0, 0, 1, 1)]
    [InlineData(3, 0, 1, 1)]
    [InlineData(1, 5, 1, 1)]
    [InlineData(2, 9, 2, 0)]
    public async Task Unsupported_version_gets_version_not_supported_in_a_version_the_server_speaks(
        byte major, byte minor, byte answerMajor, byte answerMinor)
    {
        var request = Request(IppOperation.GetPrinterAttributes);
        (request.VersionMajor, request.VersionMinor) = (major, minor);

        var response = await _service.SendAsync(request);

        response.AssertStatus(IppStatusCode.ServerErrorVersionNotSupported);
        Assert.Equal((answerMajor, answerMinor), (response.VersionMajor, response.VersionMinor));
        Assert.Null(response.FindGroup(IppTag.PrinterAttributes));
    }

    [Fact]
    public async Task Request_id_zero_is_a_bad_request()
    {
        var response = await _service.SendAsync(Request(IppOperation.GetPrinterAttributes, requestId: 0));

        response.AssertStatus(IppStatusCode.ClientErrorBadRequest);
    }

    [Fact]
    public async Task Empty_operation_group_is_a_bad_request()
    {
        var request = new IppMessage { Code = (short)IppOperation.GetPrinterAttributes, RequestId = 1 };
        request.AddGroup(IppTag.OperationAttributes);

        var response = await _service.SendAsync(request);

        response.AssertStatus(IppStatusCode.ClientErrorBadRequest);
    }

    [Fact]
    public async Task Natural_language_before_charset_is_a_bad_request()
    {
        var request = new IppMessage { Code = (short)IppOperation.GetPrinterAttributes, RequestId = 1 };
        request.AddGroup(IppTag.OperationAttributes)
            .Add(IppAttribute.NaturalLanguage("attributes-natural-language", "en"))
            .Add(IppAttribute.Charset("attributes-charset", "utf-8"))
            .Add(IppAttribute.Uri("printer-uri", OfficeUri));

        var response = await _service.SendAsync(request);

        response.AssertStatus(IppStatusCode.ClientErrorBadRequest);
        Assert.Contains("first two", response.StatusMessage());
    }

    [Fact]
    public async Task Missing_natural_language_is_a_bad_request()
    {
        var request = new IppMessage { Code = (short)IppOperation.GetPrinterAttributes, RequestId = 1 };
        request.AddGroup(IppTag.OperationAttributes)
            .Add(IppAttribute.Charset("attributes-charset", "utf-8"))
            .Add(IppAttribute.Uri("printer-uri", OfficeUri));

        var response = await _service.SendAsync(request);

        response.AssertStatus(IppStatusCode.ClientErrorBadRequest);
    }

    [Fact]
    public async Task Unsupported_charset_gets_charset_not_supported()
    {
        var request = new IppMessage { Code = (short)IppOperation.GetPrinterAttributes, RequestId = 1 };
        request.AddGroup(IppTag.OperationAttributes)
            .Add(IppAttribute.Charset("attributes-charset", "iso-8859-1"))
            .Add(IppAttribute.NaturalLanguage("attributes-natural-language", "en"))
            .Add(IppAttribute.Uri("printer-uri", OfficeUri));

        var response = await _service.SendAsync(request);

        response.AssertStatus(IppStatusCode.ClientErrorCharsetNotSupported);
        Assert.Equal("iso-8859-1", response.Unsupported("attributes-charset")?.Value.AsString());
        // The response itself is always in utf-8.
        Assert.Equal("utf-8", response.FindOperationAttribute("attributes-charset")!.Value.AsString());
    }

    [Fact]
    public async Task Us_ascii_charset_is_accepted()
    {
        var request = new IppMessage { Code = (short)IppOperation.GetPrinterAttributes, RequestId = 1 };
        request.AddGroup(IppTag.OperationAttributes)
            .Add(IppAttribute.Charset("attributes-charset", "us-ascii"))
            .Add(IppAttribute.NaturalLanguage("attributes-natural-language", "en"))
            .Add(IppAttribute.Uri("printer-uri", OfficeUri));

        var response = await _service.SendAsync(request);

        response.AssertStatus(IppStatusCode.SuccessfulOk);
    }

    [Fact]
    public async Task Truncated_body_is_a_bad_request_that_echoes_the_request_id()
    {
        byte[] full = Encode(Request(IppOperation.GetPrinterAttributes, requestId: 1234));

        var response = await _service.SendRawAsync(full[..(full.Length - 5)]);

        response.AssertStatus(IppStatusCode.ClientErrorBadRequest);
        Assert.Equal(1234, response.RequestId);
        Assert.Equal((2, 0), (response.VersionMajor, response.VersionMinor));
    }

    [Fact]
    public async Task Body_shorter_than_the_header_is_a_bad_request()
    {
        var response = await _service.SendRawAsync([0x02, 0x00, 0x00]);

        response.AssertStatus(IppStatusCode.ClientErrorBadRequest);
        Assert.Equal((1, 1), (response.VersionMajor, response.VersionMinor));
    }

    [Fact]
    public async Task Empty_body_is_a_bad_request()
    {
        var response = await _service.SendRawAsync([]);

        response.AssertStatus(IppStatusCode.ClientErrorBadRequest);
    }

    [Fact]
    public async Task Garbage_body_is_a_bad_request()
    {
        // A valid-looking header followed by a value tag outside any group and nonsense lengths.
        byte[] garbage = [0x01, 0x01, 0x00, 0x0B, 0x00, 0x00, 0x00, 0x07, 0x47, 0x00, 0x02, 0x41];
        byte[] noise = new byte[200];
        new Random(7).NextBytes(noise);

        var response = await _service.SendRawAsync([.. garbage, .. noise]);

        response.AssertStatus(IppStatusCode.ClientErrorBadRequest);
        Assert.False(string.IsNullOrEmpty(response.StatusMessage()));
    }

    [Fact]
    public async Task Http_text_posted_as_ipp_is_a_bad_request()
    {
        var response = await _service.SendRawAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());

        Assert.True(response.Status is IppStatusCode.ClientErrorBadRequest or IppStatusCode.ServerErrorVersionNotSupported,
            response.Status.ToString());
    }

    [Fact]
    public async Task Oversized_attribute_section_gets_request_entity_too_large()
    {
        var request = Request(IppOperation.GetPrinterAttributes);
        for (int i = 0; i < 20; i++)
            request.Op(IppAttribute.Text($"filler-{i}", new string('x', 60_000)));

        var response = await _service.SendAsync(request);

        response.AssertStatus(IppStatusCode.ClientErrorRequestEntityTooLarge);
    }

    [Fact]
    public async Task Unsupported_operation_gets_operation_not_supported()
    {
        var response = await _service.SendAsync(Request(IppOperation.SendUri));

        response.AssertStatus(IppStatusCode.ServerErrorOperationNotSupported);
    }

    [Fact]
    public async Task Unknown_operation_attributes_are_ignored_and_reported()
    {
        var request = Request(IppOperation.GetPrinterAttributes).Op(IppAttribute.Keyword("x-frobnicate", "yes"));

        var response = await _service.SendAsync(request);

        response.AssertStatus(IppStatusCode.SuccessfulOkIgnoredOrSubstitutedAttributes);
        Assert.Equal(IppTag.Unsupported, response.Unsupported("x-frobnicate")!.Tag);
        Assert.NotNull(response.FindGroup(IppTag.PrinterAttributes));
    }

    [Fact]
    public async Task Printer_operation_without_printer_uri_is_a_bad_request()
    {
        var response = await _service.SendAsync(Request(IppOperation.GetPrinterAttributes, printerUri: null));

        response.AssertStatus(IppStatusCode.ClientErrorBadRequest);
    }

    [Fact]
    public async Task Unknown_queue_is_not_found()
    {
        var response = await _service.SendAsync(
            Request(IppOperation.GetPrinterAttributes, "ipp://spool.example:8631/printers/nosuchqueue"));

        response.AssertStatus(IppStatusCode.ClientErrorNotFound);
    }

    [Fact]
    public async Task Printer_uri_that_is_not_a_printer_path_is_not_found()
    {
        var response = await _service.SendAsync(
            Request(IppOperation.GetPrinterAttributes, "ipp://spool.example:8631/admin/office"));

        response.AssertStatus(IppStatusCode.ClientErrorNotFound);
    }

    [Fact]
    public async Task Ipp_print_names_the_default_queue()
    {
        var response = await _service.SendAsync(
            Request(IppOperation.GetPrinterAttributes, "ipp://spool.example:8631/ipp/print"));

        response.AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.Equal("office", response.Printer("printer-name").Value.AsString());
    }

    [Fact]
    public async Task Queue_names_are_case_insensitive()
    {
        var response = await _service.SendAsync(
            Request(IppOperation.GetPrinterAttributes, "ipp://spool.example:8631/printers/LAB"));

        response.AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.Equal("lab", response.Printer("printer-name").Value.AsString());
    }

    [Fact]
    public async Task Root_printer_uri_posted_to_a_queue_path_uses_that_queue()
    {
        var response = await _service.SendAsync(
            Request(IppOperation.GetPrinterAttributes, "ipp://spool.example:8631/"),
            context: new IppRequestContext(Authority, "/printers/lab"));

        response.AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.Equal("lab", response.Printer("printer-name").Value.AsString());
    }

    [Fact]
    public async Task Malformed_printer_uri_is_a_bad_request()
    {
        var response = await _service.SendAsync(Request(IppOperation.GetPrinterAttributes, "not a uri"));

        response.AssertStatus(IppStatusCode.ClientErrorBadRequest);
    }

    [Fact]
    public async Task Job_operation_by_job_uri()
    {
        long id = await _service.PrintAsync();
        var request = Request(IppOperation.GetJobAttributes, printerUri: null)
            .Op(IppAttribute.Uri("job-uri", $"ipp://elsewhere:631/jobs/{id}"));

        var response = await _service.SendAsync(request);

        response.AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.Equal((int)id, response.Job("job-id").Value.AsInt());
    }

    [Fact]
    public async Task Job_operation_by_printer_uri_and_job_id()
    {
        long id = await _service.PrintAsync();

        var response = await _service.SendAsync(JobRequest(IppOperation.GetJobAttributes, id));

        response.AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.Equal((int)id, response.Job("job-id").Value.AsInt());
    }

    [Fact]
    public async Task Job_operation_without_job_uri_or_job_id_is_a_bad_request()
    {
        var response = await _service.SendAsync(Request(IppOperation.GetJobAttributes));

        response.AssertStatus(IppStatusCode.ClientErrorBadRequest);
    }

    [Fact]
    public async Task Unknown_job_is_not_found()
    {
        var response = await _service.SendAsync(JobRequest(IppOperation.GetJobAttributes, 999));

        response.AssertStatus(IppStatusCode.ClientErrorNotFound);
    }

    [Fact]
    public async Task Job_uri_that_names_no_job_is_not_found()
    {
        var request = Request(IppOperation.GetJobAttributes, printerUri: null)
            .Op(IppAttribute.Uri("job-uri", "ipp://spool.example:8631/jobs/abc"));

        var response = await _service.SendAsync(request);

        response.AssertStatus(IppStatusCode.ClientErrorNotFound);
    }

    [Fact]
    public async Task Job_id_of_another_queue_is_not_found_on_this_queue()
    {
        long id = await _service.PrintAsync();
        var request = Request(IppOperation.GetJobAttributes, LabUri).Op(IppAttribute.Integer("job-id", (int)id));

        var response = await _service.SendAsync(request);

        response.AssertStatus(IppStatusCode.ClientErrorNotFound);
    }

    [Fact]
    public async Task Gateway_failure_gets_internal_error_with_a_status_message()
    {
        _gateway.FailWith = new InvalidOperationException("database on fire");

        var response = await _service.SendAsync(Request(IppOperation.GetPrinterAttributes));

        response.AssertStatus(IppStatusCode.ServerErrorInternalError);
        Assert.Contains("Internal server error", response.StatusMessage());
        Assert.Equal(42, response.RequestId);
    }

    [Fact]
    public async Task Gateway_timeout_gets_service_unavailable()
    {
        _gateway.FailWith = new TimeoutException();

        var response = await _service.SendAsync(Request(IppOperation.GetPrinterAttributes));

        response.AssertStatus(IppStatusCode.ServerErrorServiceUnavailable);
    }

    [Fact]
    public async Task Wrong_syntax_for_an_operation_attribute_is_a_bad_request()
    {
        var request = Request(IppOperation.GetJobs).Op(IppAttribute.Keyword("my-jobs", "true"));

        var response = await _service.SendAsync(request);

        response.AssertStatus(IppStatusCode.ClientErrorBadRequest);
    }

    [Theory]
    [InlineData("job-name", 255, true)]
    [InlineData("job-name", 256, false)]
    [InlineData("requesting-user-name", 300, false)]
    public async Task Name_values_longer_than_255_octets_are_refused_and_nothing_is_stored(string attribute, int octets, bool accepted)
    {
        var value = new string('x', octets);
        var request = attribute == "job-name"
            ? PrintJob().Op(IppAttribute.NameWithoutLanguage("job-name", value))
            : PrintJob(user: value);

        var response = await _service.SendAsync(request, TextDocument);

        response.AssertStatus(accepted ? IppStatusCode.SuccessfulOk : IppStatusCode.ClientErrorRequestValueTooLong);
        Assert.Equal(accepted ? 1 : 0, _gateway.Submitted.Count);
        Assert.True(accepted || response.StatusMessage()!.Length < 200, "the refusal does not echo the value");
    }

    [Fact]
    public async Task Lengths_count_utf8_octets_not_characters()
    {
        var request = PrintJob().Op(IppAttribute.NameWithoutLanguage("job-name", new string('é', 128))); // 256 octets

        var response = await _service.SendAsync(request, TextDocument);

        response.AssertStatus(IppStatusCode.ClientErrorRequestValueTooLong);
        Assert.Empty(_gateway.Submitted);
    }

    [Fact]
    public async Task Text_values_may_be_up_to_1023_octets()
    {
        var fits = Request(IppOperation.GetPrinterAttributes).Op(IppAttribute.Text("message", new string('t', 1023)));
        var tooLong = Request(IppOperation.GetPrinterAttributes).Op(IppAttribute.Text("message", new string('t', 1024)));

        (await _service.SendAsync(fits)).AssertStatus(IppStatusCode.SuccessfulOk);
        (await _service.SendAsync(tooLong)).AssertStatus(IppStatusCode.ClientErrorRequestValueTooLong);
    }
}
