using System.Text;
using ActorSpool.Node.Tests.Management;
using ActorSpool.Protocols.Ipp;
using ActorSpool.Simulators;
using ActorSpool.TestSupport;

namespace ActorSpool.Node.Tests.EndToEnd;

/// <summary>
/// A multi-document job over real IPP on a real node (SQLite journal and document store): Create-Job, then
/// Send-Documents on either side of a node restart. The device writes what it prints to DATA/printed/PRINTER/ as
/// the demo printers do.
/// </summary>
public sealed class MultiDocumentEndToEndTests : IAsyncLifetime
{
    private readonly TempDirectory _data = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };
    private AppSocketPrinterSimulator _printer = null!;

    private string NodeData => Path.Combine(_data.Path, "node");

    private string PrintedDirectory => Path.Combine(NodeData, "printed", "lj-1");

    private IppClient Client => new(_http);

    public async Task InitializeAsync()
    {
        _printer = new AppSocketPrinterSimulator(new SimulatorOptions { Name = "lj-1", OutputDirectory = PrintedDirectory });
        await _printer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _printer.DisposeAsync();
        _http.Dispose();
        _data.Dispose();
    }

    private Task<InProcessNode> StartNodeAsync() =>
        InProcessNode.StartAsync(InProcessNode.Options(NodeData, Printers.WriteFile(_data.Path, [_printer], "  office { printers = [lj-1] }")));

    private async Task<IppMessage> SendDocumentAsync(Uri office, int jobId, string text, bool last)
    {
        var request = Client.NewRequest(IppOperation.SendDocument, office, "alice");
        request.OperationAttributes!.Add(IppAttribute.Integer("job-id", jobId));
        request.OperationAttributes!.Add(IppAttribute.Boolean("last-document", last));
        request.OperationAttributes!.Add(IppAttribute.MimeMediaType("document-format", "text/plain"));
        return await Client.SendAsync(office, request, new MemoryStream(Encoding.ASCII.GetBytes(text)));
    }

    private async Task<IppAttributeGroup?> JobAsync(Uri office, int jobId)
    {
        var request = Client.NewRequest(IppOperation.GetJobAttributes, office, "alice");
        request.OperationAttributes!.Add(IppAttribute.Integer("job-id", jobId));
        var response = await Client.SendAsync(office, request);
        return response.Status == IppStatusCode.SuccessfulOk ? response.FindGroup(IppTag.JobAttributes) : null;
    }

    private static int Int(IppAttributeGroup job, string name) => job.Find(name)!.Values[0].AsInt();

    [Fact]
    public async Task A_created_job_keeps_its_documents_across_a_node_restart_and_prints_them_in_order()
    {
        int jobId;
        await using (var node = await StartNodeAsync())
        {
            var office = node.QueueUri("office");
            var create = Client.NewRequest(IppOperation.CreateJob, office, "alice");
            create.OperationAttributes!.Add(IppAttribute.NameWithoutLanguage("job-name", "two documents"));
            var created = await Client.SendAsync(office, create);
            Assert.Equal(IppStatusCode.SuccessfulOk, created.Status);
            var job = created.FindGroup(IppTag.JobAttributes)!;
            jobId = Int(job, "job-id");
            Assert.Equal(4, Int(job, "job-state")); // pending-held
            Assert.Equal("job-incoming", job.Find("job-state-reasons")!.Values[0].AsString());

            var first = await SendDocumentAsync(office, jobId, "first document\n", last: false);
            Assert.Equal(IppStatusCode.SuccessfulOk, first.Status);
        }
        Assert.Empty(_printer.ReceivedJobs);

        // A new node on the same data: the journal replays the incoming job with its first document.
        await using (var node = await StartNodeAsync())
        {
            var office = node.QueueUri("office");
            var replayed = await Eventually.ValueAsync(() => JobAsync(office, jobId), j => j is not null, what: $"job {jobId} after the restart");
            Assert.Equal(1, Int(replayed!, "number-of-documents"));
            Assert.Equal("job-incoming", replayed!.Find("job-state-reasons")!.Values[0].AsString());

            var second = await SendDocumentAsync(office, jobId, "second document\n", last: true);
            Assert.Equal(IppStatusCode.SuccessfulOk, second.Status);

            var done = await Eventually.ValueAsync(() => JobAsync(office, jobId), j => j is not null && Int(j, "job-state") == 9,
                what: $"job {jobId} completed");
            Assert.Equal(2, Int(done!, "number-of-documents"));
        }

        // One job on the device, both documents in the order they were sent.
        var printed = Assert.Single(Directory.GetFiles(PrintedDirectory, "*.prn"));
        Assert.Equal("first document\nsecond document\n", await File.ReadAllTextAsync(printed));
        Assert.Single(_printer.ReceivedJobs);
    }

    [Fact]
    public async Task Restart_job_prints_a_completed_job_again_on_a_real_node()
    {
        await using var node = await StartNodeAsync();
        var office = node.QueueUri("office");
        var printed = await Client.PrintJobAsync(office, new MemoryStream("print me twice\n"u8.ToArray()), "alice", "twice", "text/plain");
        Assert.Equal(IppStatusCode.SuccessfulOk, printed.Status);
        await Eventually.ValueAsync(() => JobAsync(office, printed.JobId), j => j is not null && Int(j, "job-state") == 9, what: "first run completed");

        var restart = Client.NewRequest(IppOperation.RestartJob, office, "alice");
        restart.OperationAttributes!.Add(IppAttribute.Integer("job-id", printed.JobId));
        var restarted = await Client.SendAsync(office, restart);

        Assert.Equal(IppStatusCode.SuccessfulOk, restarted.Status);
        await _printer.WaitForJobsAsync(2, TimeSpan.FromSeconds(90));
        await Eventually.ValueAsync(() => JobAsync(office, printed.JobId), j => j is not null && Int(j, "job-state") == 9, what: "second run completed");
        Assert.All(_printer.ReceivedJobs, j => Assert.Equal("print me twice\n", Encoding.ASCII.GetString(j.Data!)));
    }
}
