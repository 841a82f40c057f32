using ActorSpool.Domain.Jobs;
using ActorSpool.Node.Ingress.Ipp;
using ActorSpool.Protocols.Ipp;
using static ActorSpool.Node.Tests.Ingress.Ipp.IppTestSupport;

namespace ActorSpool.Node.Tests.Ingress.Ipp;

/// <summary>Identify-Printer, Pause-Printer, Resume-Printer, Cancel-My-Jobs and Purge-Jobs.</summary>
public sealed class IppPrinterOperationsTests
{
    private readonly FakeSpoolGateway _gateway = new();
    private readonly IppPrintService _service;

    public IppPrinterOperationsTests() => _service = new IppPrintService(_gateway, _gateway.Clock);

    private static IppMessage As(IppMessage request, string user) =>
        request.Op(IppAttribute.NameWithoutLanguage("requesting-user-name", user));

    private async Task<(int State, string[] Reasons)> PrinterStateAsync()
    {
        var response = await _service.SendAsync(Request(IppOperation.GetPrinterAttributes)
            .Op(IppAttribute.Keyword("requested-attributes", "printer-state", "printer-state-reasons")));
        return (response.Printer("printer-state").Value.AsInt(),
            response.Printer("printer-state-reasons").Values.Select(v => v.AsString()).ToArray());
    }

    [Fact]
    public async Task Identify_printer_succeeds_for_a_queue()
    {
        var response = await _service.SendAsync(Request(IppOperation.IdentifyPrinter)
            .Op(IppAttribute.Keyword("identify-actions", "display")));

        response.AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.Null(response.Unsupported("identify-actions"));
    }

    [Fact]
    public async Task Identify_printer_of_an_unknown_queue_is_not_found()
    {
        var response = await _service.SendAsync(Request(IppOperation.IdentifyPrinter, "ipp://spool.example:8631/printers/nope"));

        response.AssertStatus(IppStatusCode.ClientErrorNotFound);
    }

    [Fact]
    public async Task Pause_printer_pauses_the_queue_and_its_printer_state_is_stopped_paused()
    {
        var response = await _service.SendAsync(Request(IppOperation.PausePrinter), context: AdminContext);

        response.AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.Contains("office", _gateway.PausedQueues);
        Assert.DoesNotContain("lab", _gateway.PausedQueues);
        var (state, reasons) = await PrinterStateAsync();
        Assert.Equal(5, state); // stopped
        Assert.Equal(["paused"], reasons);
    }

    [Theory]
    [InlineData(IppOperation.PausePrinter)]
    [InlineData(IppOperation.ResumePrinter)]
    [InlineData(IppOperation.PurgeJobs)]
    public async Task Queue_administration_without_logging_in_is_not_authenticated_and_changes_nothing(IppOperation operation)
    {
        long id = await _service.PrintAsync("alice");

        // Claiming to be the admin is not enough: CUPS's default policy asks an admin to authenticate, from any address.
        var response = await _service.SendAsync(As(Request(operation), "admin"));

        response.AssertStatus(IppStatusCode.ClientErrorNotAuthenticated);
        Assert.Empty(_gateway.PausedQueues);
        Assert.Equal(JobState.Pending, _gateway.Job(id).State);
    }

    [Theory]
    [InlineData(IppOperation.PausePrinter)]
    [InlineData(IppOperation.PurgeJobs)]
    public async Task Queue_administration_by_a_logged_in_user_who_is_no_admin_is_not_authorized(IppOperation operation)
    {
        long id = await _service.PrintAsync("alice");

        var response = await _service.SendAsync(Request(operation), context: Context with { AuthenticatedUser = "alice" });

        response.AssertStatus(IppStatusCode.ClientErrorNotAuthorized);
        Assert.Contains("only an admin", response.StatusMessage());
        Assert.Empty(_gateway.PausedQueues);
        Assert.Equal(JobState.Pending, _gateway.Job(id).State);
    }

    [Fact]
    public async Task A_paused_queue_still_accepts_jobs()
    {
        (await _service.SendAsync(Request(IppOperation.PausePrinter), context: AdminContext)).AssertStatus(IppStatusCode.SuccessfulOk);

        long id = await _service.PrintAsync();

        Assert.Equal(JobState.Pending, _gateway.Job(id).State);
    }

    [Fact]
    public async Task Resume_printer_resumes_the_queue()
    {
        await _service.SendAsync(Request(IppOperation.PausePrinter), context: AdminContext);
        Assert.NotEmpty(_gateway.PausedQueues);

        var response = await _service.SendAsync(Request(IppOperation.ResumePrinter), context: AdminContext);

        response.AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.Empty(_gateway.PausedQueues);
        var (state, reasons) = await PrinterStateAsync();
        Assert.Equal(3, state); // idle
        Assert.Equal(["none"], reasons);
    }

    [Fact]
    public async Task Pausing_twice_and_resuming_a_running_queue_succeed()
    {
        (await _service.SendAsync(Request(IppOperation.ResumePrinter), context: AdminContext)).AssertStatus(IppStatusCode.SuccessfulOk);
        (await _service.SendAsync(Request(IppOperation.PausePrinter), context: AdminContext)).AssertStatus(IppStatusCode.SuccessfulOk);
        (await _service.SendAsync(Request(IppOperation.PausePrinter), context: AdminContext)).AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.Contains("office", _gateway.PausedQueues);
    }

    [Fact]
    public async Task Pause_printer_of_an_unknown_queue_is_not_found()
    {
        var response = await _service.SendAsync(Request(IppOperation.PausePrinter, "ipp://spool.example:8631/printers/nope"), context: AdminContext);

        response.AssertStatus(IppStatusCode.ClientErrorNotFound);
        Assert.Empty(_gateway.PausedQueues);
    }

    [Fact]
    public async Task Cancel_my_jobs_cancels_the_users_not_completed_jobs_of_the_queue_only()
    {
        long alice1 = await _service.PrintAsync("alice");
        long alice2 = await _service.PrintAsync("alice", r => r.JobAttr(IppAttribute.Keyword("job-hold-until", "indefinite")));
        long aliceDone = await _service.PrintAsync("alice");
        _gateway.SetState(aliceDone, JobState.Completed);
        long bob = await _service.PrintAsync("bob");
        var labRequest = PrintJob("alice", LabUri);
        long aliceLab = (await _service.SendAsync(labRequest, TextDocument)).Job("job-id").Value.AsInt();

        var response = await _service.SendAsync(As(Request(IppOperation.CancelMyJobs), "alice"));

        response.AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.Equal(JobState.Canceled, _gateway.Job(alice1).State);
        Assert.Equal(JobState.Canceled, _gateway.Job(alice2).State);
        Assert.Equal("alice", _gateway.Job(alice1).CanceledBy);
        Assert.Equal(JobState.Completed, _gateway.Job(aliceDone).State);
        Assert.Equal(JobState.Pending, _gateway.Job(bob).State);
        Assert.Equal(JobState.Pending, _gateway.Job(aliceLab).State);
    }

    [Fact]
    public async Task Cancel_my_jobs_with_job_ids_cancels_only_those()
    {
        long first = await _service.PrintAsync("alice");
        long second = await _service.PrintAsync("alice");

        var response = await _service.SendAsync(As(Request(IppOperation.CancelMyJobs), "alice")
            .Op(IppAttribute.Integer("job-ids", (int)second)));

        response.AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.Null(response.Unsupported("job-ids"));
        Assert.Equal(JobState.Pending, _gateway.Job(first).State);
        Assert.Equal(JobState.Canceled, _gateway.Job(second).State);
    }

    [Fact]
    public async Task Cancel_my_jobs_with_someone_elses_job_id_cancels_nothing()
    {
        long mine = await _service.PrintAsync("alice");
        long bobs = await _service.PrintAsync("bob");

        var response = await _service.SendAsync(As(Request(IppOperation.CancelMyJobs), "alice")
            .Op(IppAttribute.Integer("job-ids", (int)mine, (int)bobs)));

        response.AssertStatus(IppStatusCode.ClientErrorNotPossible);
        Assert.Equal([(int)bobs], response.Unsupported("job-ids")!.Values.Select(v => v.AsInt()));
        Assert.Equal(JobState.Pending, _gateway.Job(mine).State);
        Assert.Equal(JobState.Pending, _gateway.Job(bobs).State);
    }

    [Fact]
    public async Task Cancel_my_jobs_with_nothing_to_cancel_succeeds()
    {
        var response = await _service.SendAsync(As(Request(IppOperation.CancelMyJobs), "carol"));

        response.AssertStatus(IppStatusCode.SuccessfulOk);
    }

    [Fact]
    public async Task Purge_jobs_cancels_every_not_completed_job_of_the_queue()
    {
        long alice = await _service.PrintAsync("alice");
        long bob = await _service.PrintAsync("bob", r => r.JobAttr(IppAttribute.Keyword("job-hold-until", "indefinite")));
        long printing = await _service.PrintAsync("carol");
        _gateway.SetState(printing, JobState.Processing);
        long done = await _service.PrintAsync("dave");
        _gateway.SetState(done, JobState.Completed);
        long lab = (await _service.SendAsync(PrintJob("alice", LabUri), TextDocument)).Job("job-id").Value.AsInt();

        var response = await _service.SendAsync(Request(IppOperation.PurgeJobs), context: AdminContext);

        response.AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.All([alice, bob, printing], id => Assert.Equal(JobState.Canceled, _gateway.Job(id).State));
        Assert.Equal(JobState.Completed, _gateway.Job(done).State);
        Assert.Equal(JobState.Pending, _gateway.Job(lab).State);
        Assert.Empty(await _gateway.GetJobsAsync("office", Domain.Messages.JobQueueProtocol.JobFilter.NotCompleted, null, 0));
    }

    [Fact]
    public async Task The_new_operations_are_listed_in_operations_supported()
    {
        var response = await _service.SendAsync(Request(IppOperation.GetPrinterAttributes)
            .Op(IppAttribute.Keyword("requested-attributes", "operations-supported")));

        var operations = response.Printer("operations-supported").Values.Select(v => (IppOperation)v.AsInt()).ToList();
        Assert.Contains(IppOperation.IdentifyPrinter, operations);
        Assert.Contains(IppOperation.PausePrinter, operations);
        Assert.Contains(IppOperation.ResumePrinter, operations);
        Assert.Contains(IppOperation.CancelMyJobs, operations);
        Assert.Contains(IppOperation.PurgeJobs, operations);
    }
}
