using ActorSpool.Domain.Topology;
using ActorSpool.Node.Ingress.Ipp;
using ActorSpool.Protocols.Ipp;
using static ActorSpool.Node.Tests.Ingress.Ipp.IppTestSupport;

namespace ActorSpool.Node.Tests.Ingress.Ipp;

/// <summary>
/// CUPS's own operations as lpstat and lpadmin send them, against the fake spooler and an in-memory live topology:
/// a CUPS printer is a queue, its device-uri its first printer's uri; changes are an admin's and all or nothing.
/// </summary>
public sealed class IppAdminOperationsTests
{
    private const string NewUri = "ipp://spool.example:8631/printers/lj-9";
    private readonly FakeSpoolGateway _gateway = new();
    private readonly InMemoryTopologyAdmin _admin;
    private readonly IppPrintService _service;

    public IppAdminOperationsTests()
    {
        _admin = new InMemoryTopologyAdmin(_gateway);
        _service = new IppPrintService(_gateway, _gateway.Clock, topology: _admin.Live, topologyAdmin: _admin);
    }

    private SpoolTopology Topology => _admin.Live.Current;

    private static IppMessage AddModify(string printerUri, params IppAttribute[] printerAttributes)
    {
        var request = Request(IppOperation.CupsAddModifyPrinter, printerUri)
            .Op(IppAttribute.NameWithoutLanguage("requesting-user-name", "admin"));
        var group = request.AddGroup(IppTag.PrinterAttributes);
        foreach (var attribute in printerAttributes) group.Add(attribute);
        return request;
    }

    private static IppAttribute Device(string uri) => IppAttribute.Uri("device-uri", uri);

    private static IppAttribute Enable => IppAttribute.Enum("printer-state", (int)IppPrinterState.Idle);

    private static List<(string Name, string? Device)> Printers(IppMessage response) =>
        [.. response.Groups.Where(g => g.Tag == IppTag.PrinterAttributes)
            .Select(g => (g.Find("printer-name")!.Value.AsString(), g.Find("device-uri") is { Tag: IppTag.Uri } d ? d.Value.AsString() : null))];

    [Fact]
    public async Task Get_printers_lists_every_queue_with_the_uri_of_its_first_printer_as_device()
    {
        var response = await _service.SendAsync(Request(IppOperation.CupsGetPrinters, printerUri: null)
            .Op(IppAttribute.Keyword("requested-attributes", "printer-name", "device-uri", "printer-uri-supported", "printer-type")));

        response.AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.Equal([("lab", "socket://127.0.0.1:9102"), ("office", "socket://127.0.0.1:9101")], Printers(response));
        var types = response.Groups.Where(g => g.Tag == IppTag.PrinterAttributes).Select(g => g.Find("printer-type")!.Value.AsInt()).ToArray();
        Assert.Equal([0, 0x20000], types.Select(t => t & 0x20000)); // office is the default queue
        Assert.All(types, t => Assert.Equal(0, t & 0x3)); // neither a class nor remote: lpadmin treats it as a printer
    }

    [Fact]
    public async Task Get_printers_honours_limit_first_printer_name_and_the_printer_type_filter()
    {
        var limited = await _service.SendAsync(Request(IppOperation.CupsGetPrinters, printerUri: null)
            .Op(IppAttribute.Integer("limit", 1)).Op(IppAttribute.Keyword("requested-attributes", "printer-name")));
        var fromOffice = await _service.SendAsync(Request(IppOperation.CupsGetPrinters, printerUri: null)
            .Op(IppAttribute.NameWithoutLanguage("first-printer-name", "m")).Op(IppAttribute.Keyword("requested-attributes", "printer-name")));
        var classes = await _service.SendAsync(Request(IppOperation.CupsGetPrinters, printerUri: null)
            .Op(IppAttribute.Enum("printer-type", 0x1)).Op(IppAttribute.Enum("printer-type-mask", 0x1)));

        Assert.Equal(["lab"], Printers(limited).Select(p => p.Name));
        Assert.Equal(["office"], Printers(fromOffice).Select(p => p.Name));
        Assert.Empty(Printers(classes));
    }

    [Fact]
    public async Task Get_default_describes_the_default_queue_and_get_classes_answers_none()
    {
        var fallback = await _service.SendAsync(Request(IppOperation.CupsGetDefault, printerUri: null));
        var classes = await _service.SendAsync(Request(IppOperation.CupsGetClasses, printerUri: null));

        Assert.Equal("office", fallback.Printer("printer-name").Value.AsString());
        classes.AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.DoesNotContain(classes.Groups, g => g.Tag == IppTag.PrinterAttributes);
    }

    [Fact]
    public async Task Add_modify_printer_with_a_device_uri_adds_a_printer_and_a_queue_of_that_name_in_one_change()
    {
        var response = await _service.SendAsync(AddModify(NewUri, Device("socket://10.0.0.9:9100"), Enable), context: AdminContext);

        response.AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.Equal("socket://10.0.0.9:9100", Topology.FindPrinter("lj-9")!.Uri.OriginalString);
        Assert.Equal(["lj-9"], Topology.FindQueue("lj-9")!.Printers);
        var (edits, by) = Assert.Single(_admin.Applied);
        Assert.Equal(2, edits.Count);
        Assert.Equal("admin", by);
        var described = await _service.SendAsync(Request(IppOperation.GetPrinterAttributes, NewUri));
        Assert.Equal("socket://10.0.0.9:9100", described.Printer("device-uri").Value.AsString());
    }

    [Fact]
    public async Task Add_modify_printer_of_a_queue_gives_its_own_printer_the_new_uri_and_refuses_to_rewire_a_pool()
    {
        await _service.SendAsync(AddModify(NewUri, Device("socket://10.0.0.9:9100")), context: AdminContext);

        var moved = await _service.SendAsync(AddModify(NewUri, Device("lpd://10.0.0.10/raw")), context: AdminContext);
        var pool = await _service.SendAsync(AddModify(OfficeUri, Device("socket://10.0.0.11:9100")), context: AdminContext);
        var samePool = await _service.SendAsync(AddModify(OfficeUri, Device("socket://127.0.0.1:9101"), Enable), context: AdminContext);

        moved.AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.Equal("lpd://10.0.0.10/raw", Topology.FindPrinter("lj-9")!.Uri.OriginalString);
        pool.AssertStatus(IppStatusCode.ClientErrorNotPossible);
        Assert.Contains("prints on p1, p2, none named office", pool.StatusMessage());
        Assert.Equal(["p1", "p2"], Topology.FindQueue("office")!.Printers);
        Assert.Equal("socket://127.0.0.1:9101", Topology.FindPrinter("p1")!.Uri.OriginalString);
        samePool.AssertStatus(IppStatusCode.SuccessfulOk); // the device it already has: no change to refuse
        Assert.Equal(2, _admin.Applied.Count);
    }

    [Fact]
    public async Task Add_modify_printer_with_a_device_the_spooler_cannot_drive_or_a_bad_name_changes_nothing()
    {
        var before = Topology;

        var http = await _service.SendAsync(AddModify(NewUri, Device("http://10.0.0.9/")), context: AdminContext);
        var upper = await _service.SendAsync(AddModify("ipp://spool.example:8631/printers/LJ-9", Device("socket://10.0.0.9:9100")), context: AdminContext);
        var notUri = await _service.SendAsync(AddModify(NewUri, IppAttribute.Uri("device-uri", "not a uri")), context: AdminContext);

        http.AssertStatus(IppStatusCode.ClientErrorBadRequest);
        Assert.Contains("http", http.StatusMessage());
        upper.AssertStatus(IppStatusCode.ClientErrorBadRequest);
        Assert.Contains("LJ-9", upper.StatusMessage());
        notUri.AssertStatus(IppStatusCode.ClientErrorAttributesOrValuesNotSupported);
        Assert.NotNull(notUri.Unsupported("device-uri"));
        Assert.Same(before, Topology);
        Assert.Empty(_admin.Applied);
    }

    [Fact]
    public async Task Attributes_the_spooler_does_not_keep_are_reported_unsupported_and_the_rest_is_done()
    {
        var response = await _service.SendAsync(AddModify(NewUri, Device("socket://10.0.0.9:9100"),
            IppAttribute.Text("printer-info", "Laser on floor 2"), IppAttribute.Text("printer-location", "floor 2"),
            IppAttribute.Boolean("printer-is-accepting-jobs", false)), context: AdminContext);

        response.AssertStatus(IppStatusCode.SuccessfulOkIgnoredOrSubstitutedAttributes);
        Assert.NotNull(response.Unsupported("printer-info"));
        Assert.NotNull(response.Unsupported("printer-location"));
        Assert.False(response.Unsupported("printer-is-accepting-jobs")!.Value.AsBool());
        Assert.NotNull(Topology.FindQueue("lj-9"));
    }

    [Fact]
    public async Task Printer_state_stopped_pauses_the_queue_and_idle_resumes_it()
    {
        var stop = await _service.SendAsync(AddModify(OfficeUri, IppAttribute.Enum("printer-state", (int)IppPrinterState.Stopped)), context: AdminContext);
        Assert.Equal(["office"], _gateway.PausedQueues);

        var enable = await _service.SendAsync(AddModify(OfficeUri, Enable), context: AdminContext);

        stop.AssertStatus(IppStatusCode.SuccessfulOk);
        enable.AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.Empty(_gateway.PausedQueues);
        Assert.Empty(_admin.Applied); // the topology did not change
    }

    [Fact]
    public async Task Enabling_a_queue_that_does_not_exist_yet_succeeds_without_a_change_and_an_empty_request_is_not_found()
    {
        // lpadmin -p NAME -v URI -E sends the -E request first, before the device-uri creates the queue.
        var early = await _service.SendAsync(AddModify(NewUri, Enable, IppAttribute.Boolean("printer-is-accepting-jobs", true)), context: AdminContext);
        var empty = await _service.SendAsync(AddModify(NewUri), context: AdminContext);

        early.AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.Contains("no queue lj-9 yet", early.StatusMessage());
        empty.AssertStatus(IppStatusCode.ClientErrorNotFound);
        Assert.Null(Topology.FindQueue("lj-9"));
        Assert.Empty(_admin.Applied);
    }

    [Fact]
    public async Task Changes_are_refused_to_users_who_are_not_admins_and_nothing_changes()
    {
        var user = Context with { AuthenticatedUser = "alice" };
        var before = Topology;

        var added = await _service.SendAsync(AddModify(NewUri, Device("socket://10.0.0.9:9100")), context: user);
        var deleted = await _service.SendAsync(Request(IppOperation.CupsDeletePrinter, LabUri), context: user);
        var defaulted = await _service.SendAsync(Request(IppOperation.CupsSetDefault, LabUri), context: user);
        var anonymous = await _service.SendAsync(AddModify(NewUri, Device("socket://10.0.0.9:9100")), context: Context);

        added.AssertStatus(IppStatusCode.ClientErrorNotAuthorized);
        Assert.Contains("alice is not one", added.StatusMessage());
        deleted.AssertStatus(IppStatusCode.ClientErrorNotAuthorized);
        defaulted.AssertStatus(IppStatusCode.ClientErrorNotAuthorized);
        anonymous.AssertStatus(IppStatusCode.ClientErrorNotAuthenticated); // the endpoint turns it into the 401 challenge
        Assert.Same(before, Topology);
        Assert.Empty(_admin.Applied);
    }

    [Fact]
    public async Task Delete_printer_removes_the_queue_and_its_own_printer_but_keeps_a_printer_another_queue_uses()
    {
        await _service.SendAsync(AddModify(NewUri, Device("socket://10.0.0.9:9100")), context: AdminContext);

        var ownPrinter = await _service.SendAsync(Request(IppOperation.CupsDeletePrinter, NewUri), context: AdminContext);
        var lab = await _service.SendAsync(Request(IppOperation.CupsDeletePrinter, LabUri), context: AdminContext);
        var gone = await _service.SendAsync(Request(IppOperation.CupsDeletePrinter, LabUri), context: AdminContext);

        ownPrinter.AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.Null(Topology.FindQueue("lj-9"));
        Assert.Null(Topology.FindPrinter("lj-9"));
        lab.AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.Null(Topology.FindQueue("lab"));
        Assert.NotNull(Topology.FindPrinter("p2")); // office still prints on it
        gone.AssertStatus(IppStatusCode.ClientErrorNotFound);
        var printing = await _service.SendAsync(PrintJob(printerUri: LabUri), TextDocument);
        printing.AssertStatus(IppStatusCode.ClientErrorNotFound);
    }

    [Fact]
    public async Task Delete_printer_of_a_queue_with_unfinished_jobs_is_not_possible_and_says_how_many()
    {
        var held = PrintJob(printerUri: LabUri).JobAttr(IppAttribute.Keyword("job-hold-until", "indefinite"));
        (await _service.SendAsync(held, TextDocument)).AssertStatus(IppStatusCode.SuccessfulOk);

        var response = await _service.SendAsync(Request(IppOperation.CupsDeletePrinter, LabUri), context: AdminContext);

        response.AssertStatus(IppStatusCode.ClientErrorNotPossible);
        Assert.Contains("1 unfinished job", response.StatusMessage());
        Assert.NotNull(Topology.FindQueue("lab"));
    }

    [Fact]
    public async Task Deleting_the_last_queue_is_not_possible()
    {
        (await _service.SendAsync(Request(IppOperation.CupsDeletePrinter, LabUri), context: AdminContext)).AssertStatus(IppStatusCode.SuccessfulOk);

        var last = await _service.SendAsync(Request(IppOperation.CupsDeletePrinter, OfficeUri), context: AdminContext);

        last.AssertStatus(IppStatusCode.ClientErrorNotPossible);
        Assert.Contains("at least one queue", last.StatusMessage());
        Assert.NotNull(Topology.FindQueue("office"));
    }

    [Fact]
    public async Task Set_default_makes_the_queue_the_default()
    {
        var response = await _service.SendAsync(Request(IppOperation.CupsSetDefault, LabUri), context: AdminContext);

        response.AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.Equal("lab", Topology.DefaultQueue);
        var fallback = await _service.SendAsync(Request(IppOperation.CupsGetDefault, printerUri: null));
        Assert.Equal("lab", fallback.Printer("printer-name").Value.AsString());
    }

    [Fact]
    public async Task When_the_topology_cannot_be_changed_the_answer_is_service_unavailable()
    {
        _admin.Unavailable = "the topology keeper did not answer";
        var withoutAdmin = new IppPrintService(_gateway, _gateway.Clock);

        var unavailable = await _service.SendAsync(AddModify(NewUri, Device("socket://10.0.0.9:9100")), context: AdminContext);
        var notLive = await withoutAdmin.SendAsync(AddModify(NewUri, Device("socket://10.0.0.9:9100")), context: AdminContext);

        unavailable.AssertStatus(IppStatusCode.ServerErrorServiceUnavailable);
        Assert.Contains("did not answer", unavailable.StatusMessage());
        notLive.AssertStatus(IppStatusCode.ServerErrorServiceUnavailable);
        Assert.Null(Topology.FindQueue("lj-9"));
    }

    [Fact]
    public async Task Device_uri_shows_no_password()
    {
        var topology = FakeSpoolGateway.DefaultTopology();
        var printers = topology.Printers.ToDictionary(StringComparer.OrdinalIgnoreCase);
        printers["p1"] = printers["p1"] with { Uri = new Uri("ipp://scan:secret@10.0.0.9/ipp/print") };
        var service = new IppPrintService(new FakeSpoolGateway(topology with { Printers = printers }));

        var response = await service.SendAsync(Request(IppOperation.GetPrinterAttributes));

        Assert.Equal("ipp://scan@10.0.0.9/ipp/print", response.Printer("device-uri").Value.AsString());
    }
}
