using ActorSpool.Protocols.Ipp;
using ActorSpool.Protocols.IppDelivery;

namespace ActorSpool.Protocols.Tests.IppDelivery;

/// <summary>
/// Copies over IPP: the printer is asked for them in the job template group when it says it can make them, and
/// otherwise the client sends the documents once per copy in the asked order (<see cref="IppCopyPlan"/>).
/// </summary>
public sealed class IppCopiesTests : IAsyncLifetime
{
    private static readonly IppDeliveryOptions Options = new()
    {
        PollInterval = TimeSpan.FromMilliseconds(50),
        JobTimeout = TimeSpan.FromSeconds(60),
        RequestTimeout = TimeSpan.FromSeconds(30),
    };

    private static readonly byte[] First = [1, 1, 1];
    private static readonly byte[] Second = [2, 2, 2, 2];

    private FakeIppPrinter _printer = null!;

    public async Task InitializeAsync() => _printer = await FakeIppPrinter.StartAsync();

    public async Task DisposeAsync() => await _printer.DisposeAsync();

    private Task<IppDeliveryResult> SendAsync(int copies, bool uncollated, params byte[][] documents) =>
        IppDeliveryClient.SendAsync(_printer.PrinterUri,
            documents.Select(d => (Func<CancellationToken, Task<Stream>>)(_ => Task.FromResult<Stream>(new MemoryStream(d, writable: false)))).ToList(),
            Options with { Copies = copies, UncollatedCopies = uncollated }, CancellationToken.None);

    private static IppAttribute? Template(FakeIppPrinter.ReceivedRequest request, string name) => request.Message.JobAttributes?.Find(name);

    private static IppPrinterStatus Printer(int? maxCopies, params string[] handling) =>
        new(IppPrinterState.Idle, [], true, null, null, [IppOperation.PrintJob, IppOperation.CreateJob, IppOperation.SendDocument], [], true)
        {
            MaxCopies = maxCopies,
            MultipleDocumentHandlingSupported = handling,
        };

    [Fact]
    public async Task A_printer_that_makes_copies_gets_one_Print_Job_with_copies_in_the_job_template_group()
    {
        _printer.MaxCopies = 999;

        var result = await SendAsync(3, false, First);

        var print = _printer.Requests.Single(r => r.Message.Operation == IppOperation.PrintJob);
        Assert.Equal(3, Template(print, "copies")!.Value.AsInt());
        Assert.Null(print.Message.FindOperationAttribute("copies"));
        Assert.Equal(First, print.Document);
        Assert.Equal(3, result.DeviceCopies);
        Assert.Equal(1, result.DocumentsSent);
    }

    [Fact]
    public async Task Several_documents_go_in_one_job_with_copies_and_the_asked_multiple_document_handling()
    {
        _printer.MaxCopies = 999;
        _printer.MultipleDocumentHandling = [IppCopyPlan.Uncollated, IppCopyPlan.Collated];

        var result = await SendAsync(2, true, First, Second);

        Assert.Equal(IppSubmissionMethod.CreateJobSendDocument, result.Method);
        var create = _printer.Requests.Single(r => r.Message.Operation == IppOperation.CreateJob);
        Assert.Equal(2, Template(create, "copies")!.Value.AsInt());
        Assert.Equal(IppCopyPlan.Uncollated, Template(create, "multiple-document-handling")!.Value.AsString());
        Assert.Equal([First, Second], Assert.Single(_printer.Jobs.Values).Documents);
        Assert.Equal(2, result.DeviceCopies);
    }

    [Fact]
    public async Task A_printer_with_copies_supported_one_to_one_gets_the_documents_once_per_copy_collated()
    {
        _printer.MaxCopies = 1;

        var result = await SendAsync(3, false, First, Second);

        // Still one job: Create-Job with the documents six times, d1 d2 d1 d2 d1 d2, and no copies attribute.
        var create = _printer.Requests.Single(r => r.Message.Operation == IppOperation.CreateJob);
        Assert.Null(create.Message.JobAttributes);
        Assert.Equal([First, Second, First, Second, First, Second], Assert.Single(_printer.Jobs.Values).Documents);
        Assert.Equal(1, result.DeviceCopies);
        Assert.Equal(6, result.DocumentsSent);
        Assert.Equal(3L * (First.Length + Second.Length), result.BytesSent);
    }

    [Fact]
    public async Task A_printer_silent_about_copies_and_without_multi_document_jobs_gets_one_Print_Job_per_document_and_copy()
    {
        _printer.MaxCopies = null;
        _printer.MultipleDocumentJobs = false;

        var result = await SendAsync(2, true, First, Second);

        Assert.Equal(IppSubmissionMethod.PrintJobPerDocument, result.Method);
        Assert.Equal([First, First, Second, Second], result.JobIds.Select(id => _printer.Jobs[id].Documents.Single()));
        Assert.All(_printer.Requests.Where(r => r.Message.Operation == IppOperation.PrintJob), r => Assert.Null(r.Message.JobAttributes));
    }

    [Fact]
    public async Task Uncollated_copies_on_a_printer_without_multi_document_jobs_are_one_Print_Job_per_document_asking_for_the_copies()
    {
        _printer.MaxCopies = 10;
        _printer.MultipleDocumentJobs = false;

        var result = await SendAsync(4, true, First, Second);

        var prints = _printer.Requests.Where(r => r.Message.Operation == IppOperation.PrintJob).ToList();
        Assert.Equal([First, Second], prints.Select(p => p.Document));
        Assert.All(prints, p => Assert.Equal(4, Template(p, "copies")!.Value.AsInt()));
        Assert.Equal(4, result.DeviceCopies);
    }

    [Fact]
    public async Task Without_asking_the_printer_first_the_client_makes_the_copies_itself()
    {
        _printer.MaxCopies = 999;

        var result = await IppDeliveryClient.SendAsync(_printer.PrinterUri,
            [_ => Task.FromResult<Stream>(new MemoryStream(First, writable: false))],
            Options with { Copies = 2, CheckPrinterFirst = false }, CancellationToken.None);

        Assert.Equal([First, First], Assert.Single(_printer.Jobs.Values).Documents);
        Assert.Equal(1, result.DeviceCopies);
    }

    [Theory]
    // copies, uncollated, max copies, handling supported, one job per document → documents sent, copies attribute, handling attribute
    [InlineData(1, false, null, "", false, "0,1", 1, null)]
    [InlineData(3, false, 999, "", false, "0,1,0,1,0,1", 1, null)]
    [InlineData(3, false, 999, IppCopyPlan.Collated, false, "0,1", 3, IppCopyPlan.Collated)]
    [InlineData(3, true, 999, IppCopyPlan.Collated, false, "0,0,0,1,1,1", 1, null)]
    [InlineData(3, true, 999, "", true, "0,1", 3, null)]
    [InlineData(3, false, 999, IppCopyPlan.Collated, true, "0,1,0,1,0,1", 1, null)]
    [InlineData(3, false, 2, IppCopyPlan.Collated, false, "0,1,0,1,0,1", 1, null)]
    public void The_plan_asks_the_printer_only_for_copies_it_can_make_in_the_asked_order(
        int copies, bool uncollated, int? maxCopies, string handling, bool oneJobPerDocument, string documents, int copiesAttribute, string? handlingAttribute)
    {
        var plan = IppCopyPlan.For(2, copies, uncollated, Printer(maxCopies, handling.Length == 0 ? [] : [handling]), oneJobPerDocument);

        Assert.Equal(documents, string.Join(",", plan.Documents));
        Assert.Equal(copiesAttribute, plan.Copies);
        Assert.Equal(handlingAttribute, plan.MultipleDocumentHandling);
    }

    [Fact]
    public void One_document_needs_no_multiple_document_handling_and_an_unknown_printer_makes_no_copies()
    {
        var device = IppCopyPlan.For(1, 5, false, Printer(999), false);
        Assert.Equal([0], device.Documents);
        Assert.Equal(5, device.Copies);
        Assert.Null(device.MultipleDocumentHandling);

        var unknown = IppCopyPlan.For(1, 5, false, null, false);
        Assert.Equal([0, 0, 0, 0, 0], unknown.Documents);
        Assert.Equal(1, unknown.Copies);
    }
}
