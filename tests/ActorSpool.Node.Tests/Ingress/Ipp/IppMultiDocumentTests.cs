using System.IO.Compression;
using System.Text;
using ActorSpool.Domain.Jobs;
using ActorSpool.Node.Ingress.Ipp;
using ActorSpool.Protocols.Ipp;
using static ActorSpool.Domain.Messages.JobQueueProtocol;
using static ActorSpool.Node.Tests.Ingress.Ipp.IppTestSupport;

namespace ActorSpool.Node.Tests.Ingress.Ipp;

/// <summary>
/// Create-Job, Send-Document, Close-Job (RFC 8011 §4.2.4, §4.3.1; PWG 5100.11), Restart-Job (§4.3.7) and
/// job-hold-until periods and times, through the service over the fake spooler.
/// </summary>
public sealed class IppMultiDocumentTests
{
    private readonly FakeSpoolGateway _gateway = new();
    private readonly IppPrintService _service;

    public IppMultiDocumentTests() => _service = new IppPrintService(_gateway, _gateway.Clock);

    private static IppMessage CreateJob(string user = "alice") =>
        Request(IppOperation.CreateJob)
            .Op(IppAttribute.NameWithoutLanguage("requesting-user-name", user))
            .Op(IppAttribute.NameWithoutLanguage("job-name", "binder"));

    private static IppMessage SendDocument(long jobId, bool? last, string format = "text/plain", string user = "alice")
    {
        var request = JobRequest(IppOperation.SendDocument, jobId, user).Op(IppAttribute.MimeMediaType("document-format", format));
        return last is { } value ? request.Op(IppAttribute.Boolean("last-document", value)) : request;
    }

    private async Task<long> CreateAsync(Action<IppMessage>? tweak = null)
    {
        var request = CreateJob();
        tweak?.Invoke(request);
        var response = await _service.SendAsync(request);
        response.AssertStatus(IppStatusCode.SuccessfulOk);
        return response.Job("job-id").Value.AsInt();
    }

    private async Task<IppMessage> SendAsync(long jobId, string text, bool last) =>
        await _service.SendAsync(SendDocument(jobId, last), Encoding.UTF8.GetBytes(text));

    private async Task<IppMessage> JobAttributesAsync(long jobId) =>
        await _service.SendAsync(JobRequest(IppOperation.GetJobAttributes, jobId).Op(IppAttribute.Keyword("requested-attributes", "all")));

    [Fact]
    public async Task Create_job_records_an_incoming_job_without_a_document()
    {
        var response = await _service.SendAsync(CreateJob().JobAttr(IppAttribute.Integer("job-priority", 70)));

        response.AssertStatus(IppStatusCode.SuccessfulOk);
        long id = response.Job("job-id").Value.AsInt();
        Assert.Equal($"ipp://{Authority}/jobs/{id}", response.Job("job-uri").Value.AsString());
        Assert.Equal((int)JobState.PendingHeld, response.Job("job-state").Value.AsInt());
        Assert.Equal("job-incoming", response.Job("job-state-reasons").Value.AsString());
        var create = Assert.IsType<Commands.CreateJob>(Assert.Single(_gateway.Requests));
        Assert.Equal(("alice", "binder", 70, (JobHold?)null), (create.Owner, create.Name, create.Priority, create.HoldUntil));
        Assert.Null(_gateway.Document(id));
        Assert.Empty(_gateway.Submitted);
    }

    [Fact]
    public async Task Send_document_stores_each_document_and_the_last_one_closes_the_job()
    {
        long id = await CreateAsync();

        var first = await SendAsync(id, "page one", last: false);
        var second = await _service.SendAsync(SendDocument(id, last: true, "application/postscript")
            .Op(IppAttribute.NameWithoutLanguage("document-name", "cover.ps")), "%!PS\n"u8.ToArray());

        first.AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.Equal("job-incoming", first.Job("job-state-reasons").Value.AsString());
        second.AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.Equal((int)JobState.Pending, second.Job("job-state").Value.AsInt());
        Assert.Equal("page one", Encoding.UTF8.GetString(_gateway.Document(id, 1)!));
        Assert.Equal("%!PS\n", Encoding.UTF8.GetString(_gateway.Document(id, 2)!));
        var job = _gateway.Job(id);
        Assert.False(job.Incoming);
        Assert.Equal([("text/plain", (string?)null), ("application/postscript", "cover.ps")], job.Documents.Select(d => (d.Format, d.Name)));

        var attributes = await JobAttributesAsync(id);
        Assert.Equal(2, attributes.Job("number-of-documents").Value.AsInt());
    }

    [Fact]
    public async Task Send_document_without_last_document_is_a_bad_request_and_stores_nothing()
    {
        long id = await CreateAsync();

        var response = await _service.SendAsync(SendDocument(id, last: null), TextDocument);

        response.AssertStatus(IppStatusCode.ClientErrorBadRequest);
        Assert.Contains("last-document", response.StatusMessage());
        Assert.Null(_gateway.Document(id));
        Assert.True(_gateway.Job(id).Incoming);
    }

    [Fact]
    public async Task Send_document_to_an_unknown_job_is_not_found()
    {
        var response = await _service.SendAsync(SendDocument(4711, last: true), TextDocument);

        response.AssertStatus(IppStatusCode.ClientErrorNotFound);
    }

    [Fact]
    public async Task Send_document_to_another_users_job_is_not_authorized_and_stores_nothing()
    {
        long id = await CreateAsync();

        var response = await _service.SendAsync(SendDocument(id, last: true, user: "mallory"), Encoding.UTF8.GetBytes("not yours"));

        response.AssertStatus(IppStatusCode.ClientErrorNotAuthorized);
        Assert.Null(_gateway.Document(id, 1));
        Assert.Equal((true, 0), (_gateway.Job(id).Incoming, _gateway.Job(id).Documents.Length));
    }

    [Fact]
    public async Task Send_document_to_a_closed_job_is_not_possible_and_stores_nothing()
    {
        long id = await CreateAsync();
        await SendAsync(id, "only", last: true);

        var response = await SendAsync(id, "too late", last: true);

        response.AssertStatus(IppStatusCode.ClientErrorNotPossible);
        Assert.Null(_gateway.Document(id, 2));
        Assert.Single(_gateway.Job(id).Documents);
    }

    [Theory]
    [InlineData(JobState.Completed)]
    [InlineData(JobState.Canceled)]
    [InlineData(JobState.Aborted)]
    public async Task Send_document_to_a_finished_job_is_not_possible(JobState state)
    {
        long id = await CreateAsync();
        await SendAsync(id, "only", last: true);
        _gateway.SetState(id, state);

        var response = await SendAsync(id, "more", last: false);

        response.AssertStatus(IppStatusCode.ClientErrorNotPossible);
    }

    [Fact]
    public async Task Send_document_is_answered_job_canceled_when_the_job_was_canceled_while_its_data_arrived()
    {
        long id = await CreateAsync();
        _gateway.OnStore = jobId => _gateway.CancelJobAsync("office", jobId, Requester.Operator).GetAwaiter().GetResult();

        var response = await SendAsync(id, "in flight", last: true);

        response.AssertStatus(IppStatusCode.ServerErrorJobCanceled);
        Assert.Empty(_gateway.Job(id).Documents);
    }

    [Fact]
    public async Task Send_document_with_last_document_and_no_data_closes_a_job_that_has_documents()
    {
        long id = await CreateAsync();
        await SendAsync(id, "the document", last: false);

        var response = await _service.SendAsync(SendDocument(id, last: true));

        response.AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.Equal((int)JobState.Pending, response.Job("job-state").Value.AsInt());
        Assert.Single(_gateway.Job(id).Documents);
    }

    [Fact]
    public async Task Send_document_with_no_data_on_a_job_without_documents_is_a_bad_request_and_the_job_stays_open()
    {
        long id = await CreateAsync();

        var closing = await _service.SendAsync(SendDocument(id, last: true));
        var notLast = await _service.SendAsync(SendDocument(id, last: false));

        closing.AssertStatus(IppStatusCode.ClientErrorBadRequest);
        notLast.AssertStatus(IppStatusCode.ClientErrorBadRequest);
        Assert.True(_gateway.Job(id).Incoming);
        Assert.Empty(_gateway.Job(id).Documents);
        (await SendAsync(id, "finally", last: true)).AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.Equal("finally", Encoding.UTF8.GetString(_gateway.Document(id, Assert.Single(_gateway.Job(id).Documents).Number)!));
    }

    [Fact]
    public async Task Send_document_decompresses_gzip_and_refuses_an_unsupported_format_before_storing()
    {
        long id = await CreateAsync();
        var text = string.Concat(Enumerable.Repeat("compressed line\n", 500));
        using var packed = new MemoryStream();
        using (var gzip = new GZipStream(packed, CompressionLevel.Optimal, leaveOpen: true))
            gzip.Write(Encoding.ASCII.GetBytes(text));

        var badFormat = await _service.SendAsync(SendDocument(id, last: false, "application/x-unheard-of"), TextDocument);
        var gzipped = await _service.SendAsync(SendDocument(id, last: true).Op(IppAttribute.Keyword("compression", "gzip")), packed.ToArray());

        badFormat.AssertStatus(IppStatusCode.ClientErrorDocumentFormatNotSupported);
        gzipped.AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.Equal(text, Encoding.ASCII.GetString(_gateway.Document(id, 1)!));
        Assert.Equal(text.Length, Assert.Single(_gateway.Job(id).Documents).Length);
    }

    [Fact]
    public async Task Close_job_closes_an_incoming_job_with_documents()
    {
        long id = await CreateAsync();
        await SendAsync(id, "one", last: false);
        await SendAsync(id, "two", last: false);

        var response = await _service.SendAsync(JobRequest(IppOperation.CloseJob, id));

        response.AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.Equal((int)JobState.Pending, response.Job("job-state").Value.AsInt());
        Assert.Equal(2, _gateway.Job(id).Documents.Length);
    }

    [Fact]
    public async Task Close_job_is_refused_for_a_job_without_documents_a_finished_job_and_an_unknown_job()
    {
        long empty = await CreateAsync();
        long done = await _service.PrintAsync();
        _gateway.SetState(done, JobState.Completed);

        (await _service.SendAsync(JobRequest(IppOperation.CloseJob, empty))).AssertStatus(IppStatusCode.ClientErrorNotPossible);
        (await _service.SendAsync(JobRequest(IppOperation.CloseJob, done))).AssertStatus(IppStatusCode.ClientErrorNotPossible);
        (await _service.SendAsync(JobRequest(IppOperation.CloseJob, 4711))).AssertStatus(IppStatusCode.ClientErrorNotFound);
        Assert.True(_gateway.Job(empty).Incoming);
    }

    [Fact]
    public async Task Create_job_with_job_hold_until_holds_the_job_once_its_last_document_arrived()
    {
        long id = await CreateAsync(r => r.JobAttr(IppAttribute.Keyword("job-hold-until", "night")));

        var last = await SendAsync(id, "tonight", last: true);

        Assert.Equal(new JobHold("night", null), Assert.IsType<Commands.CreateJob>(_gateway.Requests[0]).HoldUntil);
        Assert.Equal((int)JobState.PendingHeld, last.Job("job-state").Value.AsInt());
        Assert.Equal("job-hold-until-specified", last.Job("job-state-reasons").Value.AsString());
        Assert.Equal("night", (await JobAttributesAsync(id)).Job("job-hold-until").Value.AsString());
    }

    [Fact]
    public async Task Restart_job_requeues_a_finished_job_and_refuses_an_unfinished_one()
    {
        long done = await _service.PrintAsync();
        _gateway.SetState(done, JobState.Completed);
        long waiting = await _service.PrintAsync();

        var restarted = await _service.SendAsync(JobRequest(IppOperation.RestartJob, done));
        var refused = await _service.SendAsync(JobRequest(IppOperation.RestartJob, waiting));
        var unknown = await _service.SendAsync(JobRequest(IppOperation.RestartJob, 4711));

        restarted.AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.Equal(JobState.Pending, _gateway.Job(done).State);
        refused.AssertStatus(IppStatusCode.ClientErrorNotPossible);
        unknown.AssertStatus(IppStatusCode.ClientErrorNotFound);
    }

    [Fact]
    public async Task Restart_job_and_hold_job_take_a_job_hold_until_operation_attribute()
    {
        long done = await _service.PrintAsync();
        _gateway.SetState(done, JobState.Canceled);
        long pending = await _service.PrintAsync();

        var restarted = await _service.SendAsync(JobRequest(IppOperation.RestartJob, done).Op(IppAttribute.Keyword("job-hold-until", "weekend")));
        var held = await _service.SendAsync(JobRequest(IppOperation.HoldJob, pending).Op(IppAttribute.Keyword("job-hold-until", "evening")));
        var bad = await _service.SendAsync(JobRequest(IppOperation.HoldJob, pending).Op(IppAttribute.Keyword("job-hold-until", "lunch")));

        restarted.AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.Equal((JobState.PendingHeld, "weekend"), (_gateway.Job(done).State, _gateway.Job(done).HoldUntil));
        held.AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.Equal((JobState.PendingHeld, "evening"), (_gateway.Job(pending).State, _gateway.Job(pending).HoldUntil));
        bad.AssertStatus(IppStatusCode.ClientErrorAttributesOrValuesNotSupported);
        Assert.Equal("lunch", bad.Unsupported("job-hold-until")?.Value.AsString());
    }

    [Fact]
    public async Task Print_job_with_job_hold_until_time_holds_the_job_until_that_time()
    {
        var at = new DateTimeOffset(2030, 5, 17, 20, 30, 0, TimeSpan.Zero);

        long id = await _service.PrintAsync(tweak: r => r.JobAttr(IppAttribute.DateTime("job-hold-until-time", at)));

        Assert.Equal(JobHold.At(at), Assert.Single(_gateway.Submitted).HoldUntil);
        var attributes = await JobAttributesAsync(id);
        Assert.Equal(at, attributes.Job("job-hold-until-time").Value.Value);
        Assert.Null(attributes.Find(IppTag.JobAttributes, "job-hold-until"));
    }

    [Fact]
    public async Task Print_job_takes_job_hold_until_from_the_operation_group_as_cups_does()
    {
        long id = await _service.PrintAsync(tweak: r => r.Op(IppAttribute.Keyword("job-hold-until", "indefinite")));

        Assert.Equal(JobState.PendingHeld, _gateway.Job(id).State);
        Assert.Equal(JobHold.Indefinite, Assert.Single(_gateway.Submitted).HoldUntil);
    }

    [Fact]
    public async Task Job_hold_until_and_job_hold_until_time_together_conflict()
    {
        var request = PrintJob()
            .JobAttr(IppAttribute.Keyword("job-hold-until", "night"))
            .JobAttr(IppAttribute.DateTime("job-hold-until-time", DateTimeOffset.UtcNow.AddHours(1)));

        var response = await _service.SendAsync(request, TextDocument);

        response.AssertStatus(IppStatusCode.ClientErrorConflictingAttributes);
        Assert.Empty(_gateway.Submitted);
    }

    [Fact]
    public async Task The_printer_advertises_multiple_document_jobs_and_the_configured_time_out()
    {
        _gateway.MultipleOperationTimeout = TimeSpan.FromSeconds(120);

        var response = await _service.SendAsync(Request(IppOperation.GetPrinterAttributes).Op(IppAttribute.Keyword("requested-attributes", "all")));

        Assert.True(response.Printer("multiple-document-jobs-supported").Value.AsBool());
        Assert.Equal(120, response.Printer("multiple-operation-time-out").Value.AsInt());
        Assert.Equal(new IppRange(0, int.MaxValue), response.Printer("job-hold-until-time-supported").Value.Value);
        Assert.Contains("job-hold-until-time", response.Printer("job-creation-attributes-supported").Values.Select(v => v.AsString()));
        var operations = response.Printer("operations-supported").Values.Select(v => (IppOperation)v.AsInt()).ToList();
        Assert.Contains(IppOperation.CreateJob, operations);
        Assert.Contains(IppOperation.SendDocument, operations);
        Assert.Contains(IppOperation.CloseJob, operations);
        Assert.Contains(IppOperation.RestartJob, operations);
    }
}
