using ActorSpool.Domain.Jobs;
using ActorSpool.Node.Ingress.Ipp;
using ActorSpool.Protocols.Ipp;
using static ActorSpool.Node.Tests.Ingress.Ipp.IppTestSupport;

namespace ActorSpool.Node.Tests.Ingress.Ipp;

/// <summary>Get-Printer-Attributes (RFC 8011 §4.2.5).</summary>
public sealed class IppPrinterAttributesTests
{
    private readonly FakeSpoolGateway _gateway = new();
    private readonly IppPrintService _service;

    public IppPrinterAttributesTests() => _service = new IppPrintService(_gateway, _gateway.Clock);

    [Fact]
    public async Task Answers_the_required_printer_attributes()
    {
        var response = await _service.SendAsync(Request(IppOperation.GetPrinterAttributes));

        response.AssertStatus(IppStatusCode.SuccessfulOk);
        string[] required =
        [
            "printer-uri-supported", "uri-security-supported", "uri-authentication-supported", "printer-name",
            "printer-info", "printer-location", "printer-make-and-model", "printer-more-info", "printer-state",
            "printer-state-reasons", "printer-state-message", "printer-is-accepting-jobs", "queued-job-count",
            "ipp-versions-supported", "operations-supported", "charset-configured", "charset-supported",
            "natural-language-configured", "generated-natural-language-supported", "document-format-default",
            "document-format-supported", "pdl-override-supported", "printer-up-time", "printer-current-time",
            "printer-state-change-time", "compression-supported", "job-priority-supported", "job-priority-default",
            "job-hold-until-supported", "job-hold-until-default", "copies-supported", "copies-default",
            "multiple-document-jobs-supported", "ipp-features-supported", "printer-uuid", "media-supported",
            "media-default", "media-col-default", "sides-supported", "sides-default", "color-supported",
            // PWG 5100.12 §6.2 (IPP/2.0).
            "copies-default", "finishings-default", "finishings-supported", "media-ready", "orientation-requested-default",
            "orientation-requested-supported", "output-bin-default", "output-bin-supported", "print-quality-default",
            "print-quality-supported", "printer-resolution-default", "printer-resolution-supported", "pages-per-minute",
            "pages-per-minute-color",
        ];
        var printer = response.FindGroup(IppTag.PrinterAttributes)!;
        var missing = required.Where(name => printer.Find(name) is null).ToList();
        Assert.True(missing.Count == 0, "missing: " + string.Join(", ", missing));

        Assert.Equal(OfficeUri, response.Printer("printer-uri-supported").Value.AsString());
        Assert.Equal("none", response.Printer("uri-security-supported").Value.AsString());
        Assert.Equal("requesting-user-name", response.Printer("uri-authentication-supported").Value.AsString());
        Assert.Equal("office", response.Printer("printer-name").Value.AsString());
        Assert.Equal("ActorSpool", response.Printer("printer-make-and-model").Value.AsString());
        Assert.StartsWith("http://spool.example:8631/", response.Printer("printer-more-info").Value.AsString());
        Assert.True(response.Printer("printer-is-accepting-jobs").Value.AsBool());
        Assert.Equal(["1.0", "1.1", "2.0"], response.Printer("ipp-versions-supported").Values.Select(v => v.AsString()));
        Assert.Equal(50, response.Printer("job-priority-default").Value.AsInt());
        Assert.Equal(100, response.Printer("job-priority-supported").Value.AsInt());
        Assert.Equal("not-attempted", response.Printer("pdl-override-supported").Value.AsString());
        Assert.Equal("application/octet-stream", response.Printer("document-format-default").Value.AsString());
        Assert.Contains("application/pdf", response.Printer("document-format-supported").Values.Select(v => v.AsString()));
        Assert.Equal(["none", "deflate", "gzip"], response.Printer("compression-supported").Values.Select(v => v.AsString()));
        Assert.Equal(new IppRange(1, 999), response.Printer("copies-supported").Value.Value);
        Assert.True(response.Printer("multiple-document-jobs-supported").Value.AsBool());
        Assert.Equal(300, response.Printer("multiple-operation-time-out").Value.AsInt());
        Assert.Equal("process-job", response.Printer("multiple-operation-time-out-action").Value.AsString());
        Assert.Equal(["no-hold", "indefinite", "day-time", "evening", "night", "second-shift", "third-shift", "weekend"],
            response.Printer("job-hold-until-supported").Values.Select(v => v.AsString()));
        Assert.InRange(response.Printer("printer-up-time").Value.AsInt(), 299, 400);
        var dpi600 = new IppResolution(600, 600, IppResolution.DotsPerInch);
        Assert.Equal(dpi600, Assert.Single(response.Printer("printer-resolution-default").Values).Value);
        Assert.Equal([dpi600], response.Printer("printer-resolution-supported").Values.Select(v => v.Value));
        Assert.Equal(1, response.Printer("pages-per-minute").Value.AsInt());
        Assert.Equal(1, response.Printer("pages-per-minute-color").Value.AsInt());
        Assert.Contains("printer-resolution",
            response.Printer("job-creation-attributes-supported").Values.Select(v => v.AsString()));
        Assert.Equal(
            [0x02, 0x04, 0x05, 0x06, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x10, 0x11, 0x12, 0x39, 0x3B, 0x3C,
                0x4001, 0x4002, 0x4003, 0x4004, 0x4005, 0x400A], // CUPS's, for lpstat and lpadmin
            response.Printer("operations-supported").Values.Select(v => v.AsInt()).Order());
    }

    [Fact]
    public async Task Requested_attributes_filter_the_answer()
    {
        var request = Request(IppOperation.GetPrinterAttributes)
            .Op(IppAttribute.Keyword("requested-attributes", "printer-uri-supported", "queued-job-count"));

        var response = await _service.SendAsync(request);

        Assert.Equal(["printer-uri-supported", "queued-job-count"],
            response.FindGroup(IppTag.PrinterAttributes)!.Attributes.Select(a => a.Name));
    }

    [Fact]
    public async Task Job_template_group_returns_only_template_attributes()
    {
        var request = Request(IppOperation.GetPrinterAttributes)
            .Op(IppAttribute.Keyword("requested-attributes", "job-template"));

        var response = await _service.SendAsync(request);

        var names = response.FindGroup(IppTag.PrinterAttributes)!.Attributes.Select(a => a.Name).ToList();
        Assert.Contains("copies-supported", names);
        Assert.Contains("job-priority-default", names);
        Assert.DoesNotContain("printer-name", names);
        Assert.DoesNotContain("media-col-database", names); // only when asked for by name
    }

    [Fact]
    public async Task Printer_description_group_returns_no_template_attributes()
    {
        var request = Request(IppOperation.GetPrinterAttributes)
            .Op(IppAttribute.Keyword("requested-attributes", "printer-description"));

        var response = await _service.SendAsync(request);

        var names = response.FindGroup(IppTag.PrinterAttributes)!.Attributes.Select(a => a.Name).ToList();
        Assert.Contains("printer-name", names);
        Assert.DoesNotContain("copies-supported", names);
    }

    [Fact]
    public async Task Media_col_database_is_returned_when_named()
    {
        var request = Request(IppOperation.GetPrinterAttributes)
            .Op(IppAttribute.Keyword("requested-attributes", "all", "media-col-database"));

        var response = await _service.SendAsync(request);

        Assert.True(response.Printer("media-col-database").Values.Count >= 2);
    }

    [Fact]
    public async Task Idle_queue_is_idle()
    {
        var response = await _service.SendAsync(Request(IppOperation.GetPrinterAttributes));

        Assert.Equal(3, response.Printer("printer-state").Value.AsInt());
        Assert.Equal("none", response.Printer("printer-state-reasons").Value.AsString());
    }

    [Fact]
    public async Task Queue_with_a_job_in_delivery_is_processing_and_counts_its_jobs()
    {
        long printing = await _service.PrintAsync();
        await _service.PrintAsync();
        _gateway.SetState(printing, JobState.Processing);

        var response = await _service.SendAsync(Request(IppOperation.GetPrinterAttributes));

        Assert.Equal(4, response.Printer("printer-state").Value.AsInt());
        Assert.Equal(2, response.Printer("queued-job-count").Value.AsInt());
    }

    [Fact]
    public async Task Queue_without_an_accepting_printer_is_stopped_but_still_accepts_jobs()
    {
        _gateway.OfflineQueues.Add("office");

        var response = await _service.SendAsync(Request(IppOperation.GetPrinterAttributes));

        Assert.Equal(5, response.Printer("printer-state").Value.AsInt());
        Assert.Equal("offline-report", response.Printer("printer-state-reasons").Value.AsString());
        Assert.Contains("No printer", response.Printer("printer-state-message").Value.AsString());
        Assert.True(response.Printer("printer-is-accepting-jobs").Value.AsBool());
    }

    [Fact]
    public async Task Printer_uuid_is_stable_per_queue_and_distinct_between_queues()
    {
        var office1 = await _service.SendAsync(Request(IppOperation.GetPrinterAttributes));
        var office2 = await new IppPrintService(new FakeSpoolGateway()).SendAsync(Request(IppOperation.GetPrinterAttributes));
        var lab = await _service.SendAsync(Request(IppOperation.GetPrinterAttributes, LabUri));

        string uuid = office1.Printer("printer-uuid").Value.AsString();
        Assert.Matches("^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", uuid);
        Assert.Equal(uuid, office2.Printer("printer-uuid").Value.AsString());
        Assert.NotEqual(uuid, lab.Printer("printer-uuid").Value.AsString());
    }

    [Fact]
    public async Task Uris_follow_the_host_the_client_used()
    {
        var response = await _service.SendAsync(
            Request(IppOperation.GetPrinterAttributes, "ipp://10.1.2.3:631/printers/lab"),
            context: new IppRequestContext("10.1.2.3:631", "/printers/lab"));

        Assert.Equal("ipp://10.1.2.3:631/printers/lab", response.Printer("printer-uri-supported").Value.AsString());
        Assert.Equal(30, response.Printer("job-priority-default").Value.AsInt());
    }
}
