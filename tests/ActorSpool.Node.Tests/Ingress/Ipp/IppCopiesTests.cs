using ActorSpool.Domain.Jobs;
using ActorSpool.Node.Ingress.Ipp;
using ActorSpool.Protocols.Ipp;
using static ActorSpool.Domain.Messages.JobQueueProtocol;
using static ActorSpool.Node.Tests.Ingress.Ipp.IppTestSupport;

namespace ActorSpool.Node.Tests.Ingress.Ipp;

/// <summary>copies and multiple-document-handling (RFC 8011 §5.2.4–5.2.5) go into the job and come back in its attributes.</summary>
public sealed class IppCopiesTests
{
    private readonly FakeSpoolGateway _gateway = new();
    private readonly IppPrintService _service;

    public IppCopiesTests() => _service = new IppPrintService(_gateway, _gateway.Clock);

    private async Task<IppMessage> JobAttributesAsync(long jobId) =>
        await _service.SendAsync(JobRequest(IppOperation.GetJobAttributes, jobId).Op(IppAttribute.Keyword("requested-attributes", "all")));

    [Fact]
    public async Task Print_job_submits_the_copies_it_asks_for()
    {
        var response = await _service.SendAsync(PrintJob().JobAttr(IppAttribute.Integer("copies", 3)), TextDocument);

        response.AssertStatus(IppStatusCode.SuccessfulOk);
        var submitted = Assert.Single(_gateway.Submitted);
        Assert.Equal(new Copies(3, Uncollated: false), submitted.Copies);
    }

    [Fact]
    public async Task Print_job_without_copies_is_one_copy()
    {
        (await _service.SendAsync(PrintJob(), TextDocument)).AssertStatus(IppStatusCode.SuccessfulOk);

        Assert.Equal(Copies.One, Assert.Single(_gateway.Submitted).Copies);
    }

    [Fact]
    public async Task Create_job_carries_copies_and_uncollated_handling_into_the_job()
    {
        var request = Request(IppOperation.CreateJob)
            .Op(IppAttribute.NameWithoutLanguage("job-name", "binder"))
            .JobAttr(IppAttribute.Integer("copies", 2))
            .JobAttr(IppAttribute.Keyword("multiple-document-handling", "separate-documents-uncollated-copies"));

        var response = await _service.SendAsync(request);

        response.AssertStatus(IppStatusCode.SuccessfulOk);
        var create = Assert.Single(_gateway.Requests.OfType<Commands.CreateJob>());
        Assert.Equal(new Copies(2, Uncollated: true), create.Copies);
    }

    [Fact]
    public async Task Get_job_attributes_shows_the_copies_and_how_they_are_collated()
    {
        long id = await _service.PrintAsync(tweak: r => r
            .JobAttr(IppAttribute.Integer("copies", 4))
            .JobAttr(IppAttribute.Keyword("multiple-document-handling", "separate-documents-uncollated-copies")));

        var response = await JobAttributesAsync(id);

        Assert.Equal(4, response.Job("copies").Value.AsInt());
        Assert.Equal("separate-documents-uncollated-copies", response.Job("multiple-document-handling").Value.AsString());
    }

    [Fact]
    public async Task A_job_of_one_copy_reports_copies_1_collated()
    {
        long id = await _service.PrintAsync();

        var response = await JobAttributesAsync(id);

        Assert.Equal(1, response.Job("copies").Value.AsInt());
        Assert.Equal("separate-documents-collated-copies", response.Job("multiple-document-handling").Value.AsString());
    }

    [Fact]
    public async Task A_completed_job_counts_an_impression_and_a_sheet_per_copy()
    {
        long id = await _service.PrintAsync(tweak: r => r.JobAttr(IppAttribute.Integer("copies", 3)));
        _gateway.SetState(id, JobState.Completed);

        var response = await JobAttributesAsync(id);

        Assert.Equal(3, response.Job("job-impressions-completed").Value.AsInt());
        Assert.Equal(3, response.Job("job-media-sheets-completed").Value.AsInt());
    }

    [Fact]
    public async Task An_unsupported_multiple_document_handling_is_ignored_and_reported()
    {
        var request = PrintJob()
            .JobAttr(IppAttribute.Integer("copies", 2))
            .JobAttr(IppAttribute.Keyword("multiple-document-handling", "single-document-new-sheet"));

        var response = await _service.SendAsync(request, TextDocument);

        response.AssertStatus(IppStatusCode.SuccessfulOkIgnoredOrSubstitutedAttributes);
        Assert.Equal("single-document-new-sheet", response.Unsupported("multiple-document-handling")!.Value.AsString());
        var submitted = Assert.Single(_gateway.Submitted);
        Assert.Equal(new Copies(2, Uncollated: false), submitted.Copies);
    }
}
