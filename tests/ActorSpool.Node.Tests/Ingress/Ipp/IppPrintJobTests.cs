using ActorSpool.Domain.Jobs;
using ActorSpool.Node.Ingress.Ipp;
using ActorSpool.Protocols.Ipp;
using static ActorSpool.Node.Tests.Ingress.Ipp.IppTestSupport;

namespace ActorSpool.Node.Tests.Ingress.Ipp;

/// <summary>Print-Job and Validate-Job (RFC 8011 §4.2.1, §4.2.3).</summary>
public sealed class IppPrintJobTests
{
    private readonly FakeSpoolGateway _gateway = new();
    private readonly IppPrintService _service;

    public IppPrintJobTests() => _service = new IppPrintService(_gateway, _gateway.Clock);

    [Fact]
    public async Task Print_job_stores_the_document_submits_the_job_and_answers_its_attributes()
    {
        var response = await _service.SendAsync(PrintJob(), TextDocument);

        response.AssertStatus(IppStatusCode.SuccessfulOk);
        int id = response.Job("job-id").Value.AsInt();
        Assert.Equal($"ipp://{Authority}/jobs/{id}", response.Job("job-uri").Value.AsString());
        Assert.Equal((int)JobState.Pending, response.Job("job-state").Value.AsInt());
        Assert.Equal("job-queued", response.Job("job-state-reasons").Value.AsString());
        Assert.Equal("Queued.", response.Job("job-state-message").Value.AsString());

        Assert.Equal(TextDocument, _gateway.Document(id));
        var submitted = Assert.Single(_gateway.Submitted);
        Assert.Equal(("office", "alice", "report", (int?)null, false), (submitted.Queue, submitted.Owner, submitted.Name, submitted.Priority, submitted.Hold));
        var document = Assert.Single(submitted.Documents);
        Assert.Equal((1, TextDocument.Length, "text/plain"), (document.Number, document.Length, document.Format));
    }

    [Fact]
    public async Task Print_job_streams_a_large_document_in_chunks()
    {
        var big = new byte[3 * 1024 * 1024 + 17];
        new Random(3).NextBytes(big);

        var response = await _service.SendAsync(PrintJob(), big);

        response.AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.Equal(big, _gateway.Document(response.Job("job-id").Value.AsInt()));
        Assert.True(_gateway.LargestRead <= FakeSpoolGateway.ChunkSize);
    }

    [Fact]
    public async Task Print_job_defaults_owner_to_anonymous_and_format_to_octet_stream()
    {
        var request = Request(IppOperation.PrintJob);

        var response = await _service.SendAsync(request, TextDocument);

        response.AssertStatus(IppStatusCode.SuccessfulOk);
        var submitted = Assert.Single(_gateway.Submitted);
        Assert.Equal("anonymous", submitted.Owner);
        Assert.Equal("Untitled", submitted.Name);
        Assert.Equal("application/octet-stream", submitted.Documents[0].Format);
    }

    [Fact]
    public async Task Print_job_names_the_job_after_the_document_when_job_name_is_missing()
    {
        var request = Request(IppOperation.PrintJob).Op(IppAttribute.NameWithoutLanguage("document-name", "q3.pdf"));

        await _service.SendAsync(request, TextDocument);

        var submitted = Assert.Single(_gateway.Submitted);
        Assert.Equal("q3.pdf", submitted.Name);
        Assert.Equal("q3.pdf", submitted.Documents[0].Name);
    }

    [Fact]
    public async Task Print_job_with_unsupported_document_format_is_refused()
    {
        var request = Request(IppOperation.PrintJob).Op(IppAttribute.MimeMediaType("document-format", "application/x-foo"));

        var response = await _service.SendAsync(request, TextDocument);

        response.AssertStatus(IppStatusCode.ClientErrorDocumentFormatNotSupported);
        Assert.Equal("application/x-foo", response.Unsupported("document-format")?.Value.AsString());
        Assert.Empty(_gateway.Submitted);
        Assert.Equal(0, _gateway.AllocatedCount);
    }

    [Fact]
    public async Task Print_job_with_unknown_compression_is_refused()
    {
        var request = PrintJob().Op(IppAttribute.Keyword("compression", "compress"));

        var response = await _service.SendAsync(request, TextDocument);

        response.AssertStatus(IppStatusCode.ClientErrorCompressionNotSupported);
        Assert.Equal("compress", response.Unsupported("compression")?.Value.AsString());
        Assert.Empty(_gateway.Submitted);
    }

    [Fact]
    public async Task Print_job_with_compression_none_is_accepted()
    {
        var request = PrintJob().Op(IppAttribute.Keyword("compression", "none"));

        var response = await _service.SendAsync(request, TextDocument);

        response.AssertStatus(IppStatusCode.SuccessfulOk);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(101)]
    public async Task Print_job_with_priority_out_of_range_is_refused(int priority)
    {
        var request = PrintJob().JobAttr(IppAttribute.Integer("job-priority", priority));

        var response = await _service.SendAsync(request, TextDocument);

        response.AssertStatus(IppStatusCode.ClientErrorAttributesOrValuesNotSupported);
        Assert.Equal(priority, response.Unsupported("job-priority")?.Value.AsInt());
        Assert.Empty(_gateway.Submitted);
    }

    [Fact]
    public async Task Print_job_passes_priority_to_the_queue()
    {
        var request = PrintJob().JobAttr(IppAttribute.Integer("job-priority", 90));

        await _service.SendAsync(request, TextDocument);

        Assert.Equal(90, Assert.Single(_gateway.Submitted).Priority);
    }

    [Theory]
    [InlineData("indefinite", true)]
    [InlineData("weekend", true)]
    [InlineData("no-hold", false)]
    public async Task Print_job_with_job_hold_until_holds_the_job(string holdUntil, bool held)
    {
        var request = PrintJob().JobAttr(IppAttribute.Keyword("job-hold-until", holdUntil));

        var response = await _service.SendAsync(request, TextDocument);

        response.AssertStatus(IppStatusCode.SuccessfulOk);
        var submitted = Assert.Single(_gateway.Submitted);
        Assert.Equal(held, submitted.Hold);
        Assert.Equal(held ? holdUntil : null, submitted.HoldUntil?.Until);
        Assert.Equal(held ? (int)JobState.PendingHeld : (int)JobState.Pending, response.Job("job-state").Value.AsInt());
    }

    [Fact]
    public async Task Print_job_with_unknown_hold_value_ignores_it()
    {
        var request = PrintJob().JobAttr(IppAttribute.Keyword("job-hold-until", "next-tuesday"));

        var response = await _service.SendAsync(request, TextDocument);

        response.AssertStatus(IppStatusCode.SuccessfulOkIgnoredOrSubstitutedAttributes);
        Assert.Equal("next-tuesday", response.Unsupported("job-hold-until")?.Value.AsString());
        Assert.False(Assert.Single(_gateway.Submitted).Hold);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1000)]
    public async Task Print_job_with_copies_out_of_range_is_refused(int copies)
    {
        var request = PrintJob().JobAttr(IppAttribute.Integer("copies", copies));

        var response = await _service.SendAsync(request, TextDocument);

        response.AssertStatus(IppStatusCode.ClientErrorAttributesOrValuesNotSupported);
        Assert.Equal(copies, response.Unsupported("copies")?.Value.AsInt());
    }

    [Fact]
    public async Task Print_job_with_supported_template_attributes_is_plain_ok()
    {
        var request = PrintJob()
            .JobAttr(IppAttribute.Integer("copies", 2))
            .JobAttr(IppAttribute.Keyword("media", "iso_a4_210x297mm"))
            .JobAttr(IppAttribute.Keyword("sides", "two-sided-long-edge"));

        var response = await _service.SendAsync(request, TextDocument);

        response.AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.Null(response.FindGroup(IppTag.UnsupportedAttributes));
    }

    [Fact]
    public async Task Print_job_with_the_advertised_printer_resolution_is_plain_ok()
    {
        var request = PrintJob().JobAttr(IppAttribute.Resolution("printer-resolution", 600, 600, IppResolution.DotsPerInch));

        var response = await _service.SendAsync(request, TextDocument);

        response.AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.Null(response.FindGroup(IppTag.UnsupportedAttributes));
    }

    [Fact]
    public async Task Print_job_with_another_printer_resolution_reports_it_and_fidelity_refuses_it()
    {
        var other = IppAttribute.Resolution("printer-resolution", 1200, 1200, IppResolution.DotsPerInch);

        var response = await _service.SendAsync(PrintJob().JobAttr(other), TextDocument);
        var refused = await _service.SendAsync(
            PrintJob().Op(IppAttribute.Boolean("ipp-attribute-fidelity", true)).JobAttr(other), TextDocument);

        response.AssertStatus(IppStatusCode.SuccessfulOkIgnoredOrSubstitutedAttributes);
        Assert.Equal(new IppResolution(1200, 1200, IppResolution.DotsPerInch), response.Unsupported("printer-resolution")!.Value.Value);
        refused.AssertStatus(IppStatusCode.ClientErrorAttributesOrValuesNotSupported);
        Assert.Single(_gateway.Submitted);
    }

    [Fact]
    public async Task Print_job_with_unknown_template_attribute_is_accepted_and_reports_it()
    {
        var request = PrintJob()
            .JobAttr(IppAttribute.Keyword("x-staple-twice", "yes"))
            .JobAttr(IppAttribute.Keyword("media", "roll_max_36x1000in"));

        var response = await _service.SendAsync(request, TextDocument);

        response.AssertStatus(IppStatusCode.SuccessfulOkIgnoredOrSubstitutedAttributes);
        Assert.Equal(IppTag.Unsupported, response.Unsupported("x-staple-twice")!.Tag);
        Assert.Equal("roll_max_36x1000in", response.Unsupported("media")!.Value.AsString());
        Assert.NotNull(response.Find(IppTag.JobAttributes, "job-id"));
        // RFC 8010: the unsupported group comes between the operation and the job group.
        Assert.Equal([IppTag.OperationAttributes, IppTag.UnsupportedAttributes, IppTag.JobAttributes],
            response.Groups.Select(g => g.Tag));
    }

    [Fact]
    public async Task Print_job_with_unknown_template_attribute_and_fidelity_is_refused()
    {
        var request = PrintJob()
            .Op(IppAttribute.Boolean("ipp-attribute-fidelity", true))
            .JobAttr(IppAttribute.Keyword("x-staple-twice", "yes"));

        var response = await _service.SendAsync(request, TextDocument);

        response.AssertStatus(IppStatusCode.ClientErrorAttributesOrValuesNotSupported);
        Assert.NotNull(response.Unsupported("x-staple-twice"));
        Assert.Empty(_gateway.Submitted);
        Assert.Equal(0, _gateway.AllocatedCount);
    }

    [Fact]
    public async Task Print_job_with_empty_document_is_a_bad_request_with_a_clear_message()
    {
        var response = await _service.SendAsync(PrintJob(), []);

        response.AssertStatus(IppStatusCode.ClientErrorBadRequest);
        Assert.Contains("document is empty", response.StatusMessage());
        Assert.Empty(_gateway.Submitted);
    }

    [Fact]
    public async Task Print_job_with_document_over_the_queue_limit_is_too_large()
    {
        var gateway = new FakeSpoolGateway(FakeSpoolGateway.DefaultTopology(maxDocumentBytes: 1000));
        var service = new IppPrintService(gateway, gateway.Clock);

        var response = await service.SendAsync(PrintJob(), new byte[1001]);

        response.AssertStatus(IppStatusCode.ClientErrorRequestEntityTooLarge);
        Assert.Contains("1000", response.StatusMessage());
        Assert.Empty(gateway.Submitted);
    }

    [Fact]
    public async Task Print_job_rejected_by_the_queue_is_not_acknowledged()
    {
        _gateway.RejectWith = "queue is being deleted";

        var response = await _service.SendAsync(PrintJob(), TextDocument);

        response.AssertStatus(IppStatusCode.ClientErrorNotPossible);
        Assert.Contains("queue is being deleted", response.StatusMessage());
        Assert.Null(response.FindGroup(IppTag.JobAttributes));
    }

    [Fact]
    public async Task Print_job_failing_in_the_store_is_an_internal_error_without_a_job_id()
    {
        _gateway.FailStoreWith = new InvalidOperationException("disk full");

        var response = await _service.SendAsync(PrintJob(), TextDocument);

        response.AssertStatus(IppStatusCode.ServerErrorInternalError);
        Assert.Null(response.FindGroup(IppTag.JobAttributes));
        Assert.Empty(_gateway.Submitted);
    }

    [Fact]
    public async Task Validate_job_accepts_a_good_request_without_creating_a_job()
    {
        var request = PrintJob();
        request.Code = (short)IppOperation.ValidateJob;

        var response = await _service.SendAsync(request);

        response.AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.Null(response.FindGroup(IppTag.JobAttributes));
        Assert.Equal(0, _gateway.AllocatedCount);
        Assert.Empty(_gateway.Submitted);
    }

    [Fact]
    public async Task Validate_job_runs_the_print_job_checks()
    {
        var request = PrintJob().JobAttr(IppAttribute.Integer("job-priority", 500));
        request.Code = (short)IppOperation.ValidateJob;

        var response = await _service.SendAsync(request);

        response.AssertStatus(IppStatusCode.ClientErrorAttributesOrValuesNotSupported);
        Assert.NotNull(response.Unsupported("job-priority"));
    }

    [Fact]
    public async Task Validate_job_reports_unsupported_format()
    {
        var request = Request(IppOperation.ValidateJob).Op(IppAttribute.MimeMediaType("document-format", "video/mp4"));

        var response = await _service.SendAsync(request);

        response.AssertStatus(IppStatusCode.ClientErrorDocumentFormatNotSupported);
    }
}
