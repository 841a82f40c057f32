using System.Net.Http.Headers;
using ActorSpool.Node.Hosting;
using ActorSpool.Node.Ingress.Ipp;
using ActorSpool.Node.Spool;
using ActorSpool.Protocols.Ipp;
using static ActorSpool.Node.Tests.Ingress.Ipp.IppTestSupport;

namespace ActorSpool.Node.Tests.Ingress.Ipp;

/// <summary>
/// What one IPP request may take (actorspool.limits): attributes per request, jobs per Get-Jobs, and no new work while
/// the spool disk is below its free-space floor. Each refusal is a precise IPP status and harms nothing accepted.
/// </summary>
public sealed class IppLimitsTests
{
    private readonly FakeSpoolGateway _gateway = new();

    /// <summary>The probe: a Print-Job whose operation group holds 96,000 attributes (under the 1 MiB byte limit).</summary>
    private static byte[] PrintJobWithAttributes(int count)
    {
        var request = PrintJob(printerUri: null);
        var group = request.Groups[0];
        for (int i = 0; i < count; i++)
            group.Add(IppAttribute.Integer(((char)('a' + i % 26)).ToString(), i));
        return Encode(request, TextDocument);
    }

    [Fact]
    public async Task A_request_with_96000_attributes_is_refused_over_http_with_a_short_answer_and_nothing_stored()
    {
        await using var server = await IppTestServer.StartAsync(_gateway);
        using var client = new HttpClient { BaseAddress = server.BaseAddress };
        var body = PrintJobWithAttributes(96_000);
        Assert.True(body.Length < IppParser.DefaultMaxAttributeBytes, $"{body.Length} bytes");

        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(IppEndpoints.ContentType);
        using var http = await client.PostAsync("/printers/office", content);
        var answer = await http.Content.ReadAsByteArrayAsync();

        var response = IppParser.Parse(answer, out _);
        response.AssertStatus(IppStatusCode.ClientErrorRequestEntityTooLarge);
        Assert.Contains("more than 1000 attributes", response.StatusMessage());
        Assert.True(answer.Length < 1024, $"the refusal echoed the request: {answer.Length} bytes");
        Assert.Equal(0, _gateway.AllocatedCount);
        Assert.Empty(_gateway.Submitted);

        // The node goes on serving: a normal Print-Job right after is accepted.
        using var ok = new ByteArrayContent(Encode(PrintJob(printerUri: server.PrinterUri()), TextDocument));
        ok.Headers.ContentType = new MediaTypeHeaderValue(IppEndpoints.ContentType);
        using var printed = await client.PostAsync("/printers/office", ok);
        IppParser.Parse(await printed.Content.ReadAsByteArrayAsync(), out _).AssertStatus(IppStatusCode.SuccessfulOk);
    }

    [Fact]
    public async Task Get_jobs_returns_the_default_without_limit_and_never_more_than_the_maximum()
    {
        var service = new IppPrintService(_gateway, _gateway.Clock, limits: new LimitsSettings { GetJobsDefault = 3, GetJobsMax = 5 });
        for (int i = 0; i < 8; i++)
            await service.PrintAsync();

        async Task<int> JobsListed(int? limit)
        {
            var request = Request(IppOperation.GetJobs);
            if (limit is { } value) request.Op(IppAttribute.Integer("limit", value));
            var response = await service.SendAsync(request);
            response.AssertStatus(IppStatusCode.SuccessfulOk);
            return response.JobGroups().Count;
        }

        Assert.Equal(3, await JobsListed(null));
        Assert.Equal(5, await JobsListed(1_000_000));
        Assert.Equal(2, await JobsListed(2));
    }

    [Fact]
    public async Task While_the_spool_disk_is_low_new_jobs_and_documents_get_temporary_error_and_nothing_is_stored()
    {
        long free = 500L * 1024 * 1024;
        var disk = new DiskSpaceGuard(100L * 1024 * 1024, () => free);
        var service = new IppPrintService(_gateway, _gateway.Clock, intake: new JobIntake(_gateway, disk: disk));
        var created = await service.SendAsync(Request(IppOperation.CreateJob).Op(IppAttribute.NameWithoutLanguage("requesting-user-name", "alice")));
        created.AssertStatus(IppStatusCode.SuccessfulOk);
        long openJob = created.Job("job-id").Value.AsInt();
        long printed = await service.PrintAsync();
        int allocated = _gateway.AllocatedCount;

        free = 99L * 1024 * 1024;
        var refusedPrint = await service.SendAsync(PrintJob(), TextDocument);
        var refusedCreate = await service.SendAsync(Request(IppOperation.CreateJob).Op(IppAttribute.NameWithoutLanguage("requesting-user-name", "alice")));
        var refusedSend = await service.SendAsync(
            JobRequest(IppOperation.SendDocument, openJob).Op(IppAttribute.Boolean("last-document", true)), TextDocument);

        foreach (var refused in new[] { refusedPrint, refusedCreate, refusedSend })
        {
            refused.AssertStatus(IppStatusCode.ServerErrorTemporaryError);
            Assert.Contains("min-free-disk", refused.StatusMessage());
        }
        Assert.Equal(allocated, _gateway.AllocatedCount);
        Assert.Null(_gateway.Document(openJob));
        Assert.Equal(TextDocument, _gateway.Document(printed)); // what was accepted stays

        free = 101L * 1024 * 1024; // space is back: accepted again
        await service.PrintAsync();
        (await service.SendAsync(JobRequest(IppOperation.SendDocument, openJob).Op(IppAttribute.Boolean("last-document", true)), TextDocument))
            .AssertStatus(IppStatusCode.SuccessfulOk);
    }
}
