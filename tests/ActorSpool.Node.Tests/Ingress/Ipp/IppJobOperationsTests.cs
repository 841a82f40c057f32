using ActorSpool.Domain.Jobs;
using ActorSpool.Node.Ingress.Ipp;
using ActorSpool.Protocols.Ipp;
using static ActorSpool.Node.Tests.Ingress.Ipp.IppTestSupport;

namespace ActorSpool.Node.Tests.Ingress.Ipp;

/// <summary>Get-Jobs, Get-Job-Attributes, Cancel-Job, Hold-Job and Release-Job (RFC 8011 §4.2.6, §4.3).</summary>
public sealed class IppJobOperationsTests
{
    private readonly FakeSpoolGateway _gateway = new();
    private readonly IppPrintService _service;

    public IppJobOperationsTests() => _service = new IppPrintService(_gateway, _gateway.Clock);

    [Fact]
    public async Task Get_jobs_lists_not_completed_jobs_with_job_uri_and_job_id_by_default()
    {
        long first = await _service.PrintAsync();
        long second = await _service.PrintAsync();
        long done = await _service.PrintAsync();
        _gateway.SetState(done, JobState.Completed);

        var response = await _service.SendAsync(Request(IppOperation.GetJobs));

        response.AssertStatus(IppStatusCode.SuccessfulOk);
        var groups = response.JobGroups();
        Assert.Equal([(int)first, (int)second], groups.Select(g => g.Find("job-id")!.Value.AsInt()));
        Assert.All(groups, g => Assert.Equal(["job-id", "job-uri"], g.Attributes.Select(a => a.Name).Order(StringComparer.Ordinal)));
    }

    [Theory]
    [InlineData("completed", 1)]
    [InlineData("all", 2)]
    [InlineData("not-completed", 1)]
    public async Task Get_jobs_honours_which_jobs(string which, int expected)
    {
        await _service.PrintAsync();
        long done = await _service.PrintAsync();
        _gateway.SetState(done, JobState.Completed);

        var response = await _service.SendAsync(Request(IppOperation.GetJobs).Op(IppAttribute.Keyword("which-jobs", which)));

        response.AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.Equal(expected, response.JobGroups().Count);
    }

    [Fact]
    public async Task Get_jobs_with_unsupported_which_jobs_is_refused()
    {
        var response = await _service.SendAsync(
            Request(IppOperation.GetJobs).Op(IppAttribute.Keyword("which-jobs", "proof-print")));

        response.AssertStatus(IppStatusCode.ClientErrorAttributesOrValuesNotSupported);
        Assert.Equal("proof-print", response.Unsupported("which-jobs")?.Value.AsString());
    }

    [Fact]
    public async Task Get_jobs_with_my_jobs_lists_only_the_requesting_users_jobs()
    {
        long mine = await _service.PrintAsync("alice");
        await _service.PrintAsync("bob");
        var request = Request(IppOperation.GetJobs)
            .Op(IppAttribute.NameWithoutLanguage("requesting-user-name", "alice"))
            .Op(IppAttribute.Boolean("my-jobs", true));

        var response = await _service.SendAsync(request);

        Assert.Equal([(int)mine], response.JobGroups().Select(g => g.Find("job-id")!.Value.AsInt()));
    }

    [Fact]
    public async Task Get_jobs_honours_limit()
    {
        for (int i = 0; i < 5; i++)
            await _service.PrintAsync();

        var response = await _service.SendAsync(Request(IppOperation.GetJobs).Op(IppAttribute.Integer("limit", 2)));

        Assert.Equal(2, response.JobGroups().Count);
    }

    [Fact]
    public async Task Get_jobs_with_limit_zero_is_refused()
    {
        var response = await _service.SendAsync(Request(IppOperation.GetJobs).Op(IppAttribute.Integer("limit", 0)));

        response.AssertStatus(IppStatusCode.ClientErrorAttributesOrValuesNotSupported);
    }

    [Fact]
    public async Task Get_jobs_lists_only_the_addressed_queue()
    {
        await _service.PrintAsync();

        var response = await _service.SendAsync(Request(IppOperation.GetJobs, LabUri));

        response.AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.Empty(response.JobGroups());
    }

    [Fact]
    public async Task Get_jobs_with_all_attributes_describes_each_job()
    {
        long id = await _service.PrintAsync(tweak: r => r.JobAttr(IppAttribute.Integer("job-priority", 70)));
        var request = Request(IppOperation.GetJobs).Op(IppAttribute.Keyword("requested-attributes", "all"));

        var response = await _service.SendAsync(request);

        var job = Assert.Single(response.JobGroups());
        Assert.Equal((int)id, job.Find("job-id")!.Value.AsInt());
        Assert.Equal(OfficeUri, job.Find("job-printer-uri")!.Value.AsString());
        Assert.Equal("report", job.Find("job-name")!.Value.AsString());
        Assert.Equal("alice", job.Find("job-originating-user-name")!.Value.AsString());
        Assert.Equal(70, job.Find("job-priority")!.Value.AsInt());
        Assert.Equal(1, job.Find("job-k-octets")!.Value.AsInt());
        Assert.Equal(1, job.Find("number-of-documents")!.Value.AsInt());
        Assert.Equal("no-hold", job.Find("job-hold-until")!.Value.AsString());
        Assert.Equal(0, job.Find("job-impressions-completed")!.Value.AsInt());
        Assert.InRange(job.Find("time-at-creation")!.Value.AsInt(), 290, 400); // the fake node started 5 minutes ago
        Assert.Equal(IppTag.NoValue, job.Find("time-at-processing")!.Tag);
        Assert.Equal(IppTag.NoValue, job.Find("time-at-completed")!.Tag);
        Assert.Equal(IppTag.DateTime, job.Find("date-time-at-creation")!.Tag);
        Assert.Equal(IppTag.NoValue, job.Find("date-time-at-completed")!.Tag);
        Assert.NotNull(job.Find("job-printer-up-time"));
    }

    [Fact]
    public async Task Get_jobs_job_description_group_leaves_out_template_attributes()
    {
        await _service.PrintAsync();
        var request = Request(IppOperation.GetJobs).Op(IppAttribute.Keyword("requested-attributes", "job-description"));

        var response = await _service.SendAsync(request);

        var job = Assert.Single(response.JobGroups());
        Assert.NotNull(job.Find("job-state"));
        Assert.Null(job.Find("job-priority"));
    }

    [Fact]
    public async Task Get_job_attributes_of_a_completed_job_has_its_times()
    {
        long id = await _service.PrintAsync();
        _gateway.SetState(id, JobState.Completed);

        var response = await _service.SendAsync(JobRequest(IppOperation.GetJobAttributes, id));

        response.AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.Equal((int)JobState.Completed, response.Job("job-state").Value.AsInt());
        Assert.Equal("job-completed-successfully", response.Job("job-state-reasons").Value.AsString());
        Assert.Equal(IppTag.Integer, response.Job("time-at-completed").Tag);
        Assert.Equal(IppTag.DateTime, response.Job("date-time-at-processing").Tag);
        Assert.Equal("p1", response.Job("output-device-assigned").Value.AsString());
        Assert.Equal(1, response.Job("job-media-sheets-completed").Value.AsInt());
    }

    [Fact]
    public async Task Get_job_attributes_honours_requested_attributes()
    {
        long id = await _service.PrintAsync();
        var request = JobRequest(IppOperation.GetJobAttributes, id)
            .Op(IppAttribute.Keyword("requested-attributes", "job-state"));

        var response = await _service.SendAsync(request);

        Assert.Equal(["job-state"], response.FindGroup(IppTag.JobAttributes)!.Attributes.Select(a => a.Name));
    }

    [Fact]
    public async Task Cancel_job_cancels_a_pending_job()
    {
        long id = await _service.PrintAsync();

        var response = await _service.SendAsync(JobRequest(IppOperation.CancelJob, id, "alice"));

        response.AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.Equal(JobState.Canceled, _gateway.Job(id).State);
        Assert.Equal("alice", _gateway.Job(id).CanceledBy);
    }

    [Theory]
    [InlineData(IppOperation.CancelJob)]
    [InlineData(IppOperation.HoldJob)]
    [InlineData(IppOperation.ReleaseJob)]
    [InlineData(IppOperation.RestartJob)]
    [InlineData(IppOperation.CloseJob)]
    public async Task Another_user_may_not_change_a_job_and_it_stays_as_it_was(IppOperation operation)
    {
        // Held, so release applies; completed, so restart applies: only the requester stands in the way.
        long id = operation == IppOperation.RestartJob
            ? await _service.PrintAsync("alice")
            : await _service.PrintAsync("alice", r => r.JobAttr(IppAttribute.Keyword("job-hold-until", "indefinite")));
        if (operation == IppOperation.RestartJob) _gateway.SetState(id, JobState.Completed);
        var before = _gateway.Job(id);

        var response = await _service.SendAsync(JobRequest(operation, id, "mallory"));

        response.AssertStatus(IppStatusCode.ClientErrorNotAuthorized);
        Assert.Contains("only its owner or an admin", response.StatusMessage());
        Assert.Equal(before, _gateway.Job(id));
    }

    [Fact]
    public async Task An_admin_may_cancel_anyones_job()
    {
        long id = await _service.PrintAsync("alice");

        var response = await _service.SendAsync(JobRequest(IppOperation.CancelJob, id, "mallory"), context: AdminContext);

        response.AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.Equal("admin", _gateway.Job(id).CanceledBy); // the authenticated name, not the claimed one
    }

    [Fact]
    public async Task Cancel_job_of_a_completed_job_is_not_possible()
    {
        long id = await _service.PrintAsync();
        _gateway.SetState(id, JobState.Completed);

        var response = await _service.SendAsync(JobRequest(IppOperation.CancelJob, id));

        response.AssertStatus(IppStatusCode.ClientErrorNotPossible);
        Assert.Contains("completed", response.StatusMessage());
    }

    [Fact]
    public async Task Cancel_job_of_an_unknown_job_is_not_found()
    {
        var response = await _service.SendAsync(JobRequest(IppOperation.CancelJob, 77));

        response.AssertStatus(IppStatusCode.ClientErrorNotFound);
    }

    [Fact]
    public async Task Hold_job_then_release_job()
    {
        long id = await _service.PrintAsync();

        var held = await _service.SendAsync(JobRequest(IppOperation.HoldJob, id));
        held.AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.Equal(JobState.PendingHeld, _gateway.Job(id).State);

        var released = await _service.SendAsync(JobRequest(IppOperation.ReleaseJob, id));
        released.AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.Equal(JobState.Pending, _gateway.Job(id).State);
    }

    [Fact]
    public async Task Hold_job_of_a_printing_job_is_not_possible()
    {
        long id = await _service.PrintAsync();
        _gateway.SetState(id, JobState.Processing);

        var response = await _service.SendAsync(JobRequest(IppOperation.HoldJob, id));

        response.AssertStatus(IppStatusCode.ClientErrorNotPossible);
    }

    [Fact]
    public async Task Release_job_of_a_job_that_is_not_held_is_not_possible()
    {
        long id = await _service.PrintAsync();

        var response = await _service.SendAsync(JobRequest(IppOperation.ReleaseJob, id));

        response.AssertStatus(IppStatusCode.ClientErrorNotPossible);
    }
}
