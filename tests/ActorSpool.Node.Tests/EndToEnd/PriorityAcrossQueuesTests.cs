using System.Text;
using ActorSpool.Node.Ingress.Lpd;
using ActorSpool.Node.Spool;
using ActorSpool.Protocols.Ipp;
using ActorSpool.Protocols.Lpd;
using ActorSpool.Simulators;
using ActorSpool.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using static ActorSpool.Domain.Messages.JobQueueProtocol;

namespace ActorSpool.Node.Tests.EndToEnd;

/// <summary>
/// Priority across queues with a whole node: queues sharing the node's workers get them by job priority (then age),
/// not first come first served; a department's users get its priority when their client asks for none.
/// </summary>
public sealed class PriorityAcrossQueuesTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string DepartmentA = "actorspool.departments { a { priority = 90, users = [alice] } }";

    private readonly TempDirectory _data = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };
    private readonly List<AppSocketPrinterSimulator> _simulators = [];
    private InProcessNode? _node;

    private IppClient Client => new(_http);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_node is not null) await _node.DisposeAsync();
        foreach (var simulator in _simulators) await simulator.DisposeAsync();
        _http.Dispose();
        _data.Dispose();
    }

    private async Task<InProcessNode> StartAsync(string[] printers, string queues, TimeSpan delayPerJob, int workers, int? lpdPort = null)
    {
        foreach (var name in printers) _simulators.Add(await Printers.SimulatorAsync(name, delayPerJob));
        var printersFile = Printers.WriteFile(_data.Path, _simulators, queues);
        _node = await InProcessNode.StartAsync(InProcessNode.Options(_data.Path, printersFile) with { Workers = workers, LpdPort = lpdPort }, DepartmentA);
        return _node;
    }

    private AppSocketPrinterSimulator Simulator(string name) => _simulators.Single(s => s.Name == name);

    [Fact]
    public async Task A_department_job_in_another_queue_prints_next_not_after_a_low_priority_flood()
    {
        // One worker for both queues; the flood's queue has four printers, so four of its jobs wait at the balancer
        // at once (one request per printer), all of them asked for before the urgent job.
        string[] floodPrinters = ["flood-1", "flood-2", "flood-3", "flood-4"];
        var node = await StartAsync([.. floodPrinters, "urgent-1"],
            "  flood { printers = [flood-1, flood-2, flood-3, flood-4], mode = balance }\n  urgent { printers = [urgent-1] }",
            delayPerJob: TimeSpan.FromMilliseconds(600), workers: 1);
        const int floodJobs = 20;
        for (var i = 1; i <= floodJobs; i++)
        {
            var flood = await Client.PrintJobAsync(node.QueueUri("flood"), new MemoryStream(Encoding.ASCII.GetBytes($"flood-{i}")), "bob", $"flood {i}",
                priority: 10);
            Assert.Equal(IppStatusCode.SuccessfulOk, flood.Status);
        }
        IEnumerable<ReceivedJob> FloodPrinted() => floodPrinters.SelectMany(p => Simulator(p).ReceivedJobs);
        await Eventually.WaitUntilAsync(() => FloodPrinted().Any(), "the flood printing");

        var printedBefore = FloodPrinted().Count();
        // alice asks for no priority: her department's 90 applies.
        var urgent = await Client.PrintJobAsync(node.QueueUri("urgent"), new MemoryStream("urgent"u8.ToArray()), "alice", "urgent");
        Assert.Equal(IppStatusCode.SuccessfulOk, urgent.Status);
        await Eventually.WaitUntilAsync(() => Simulator("urgent-1").ReceivedJobs.Count == 1, "the urgent job printed");

        // One worker: deliveries do not overlap, so the printers' receive times give the order the jobs printed in.
        var urgentAt = Simulator("urgent-1").ReceivedJobs.Single().ReceivedAt;
        var floodBeforeUrgent = FloodPrinted().Count(j => j.ReceivedAt < urgentAt);
        output.WriteLine($"flood jobs printed when the urgent job was submitted: {printedBefore}; before it printed: {floodBeforeUrgent}");
        // The job in delivery when the urgent one came, and at most one more that started while its submission was on
        // its way, print before it; first come first served would print the four waiting flood jobs first.
        Assert.True(floodBeforeUrgent <= printedBefore + 2,
            $"{floodBeforeUrgent} flood jobs printed before the urgent job; {printedBefore} had printed when it was submitted");
        Assert.True(floodBeforeUrgent < floodJobs, "the flood was over before the urgent job printed: the test proves nothing");
    }

    [Fact]
    public async Task A_department_user_gets_the_department_priority_unless_the_client_asks_for_one()
    {
        var node = await StartAsync(["lj-1"], "  office { printers = [lj-1], default-priority = 40 }", TimeSpan.Zero, workers: 2, lpdPort: 0);
        var office = node.QueueUri("office");

        var aliceDefault = await Client.PrintJobAsync(office, new MemoryStream("a"u8.ToArray()), "alice", "alice, no priority");
        var aliceAsked = await Client.PrintJobAsync(office, new MemoryStream("b"u8.ToArray()), "alice", "alice asks 20", priority: 20);
        var bobDefault = await Client.PrintJobAsync(office, new MemoryStream("c"u8.ToArray()), "bob", "bob, no department");

        Assert.Equal(90, await JobPriorityAsync(office, aliceDefault.JobId));
        Assert.Equal(20, await JobPriorityAsync(office, aliceAsked.JobId));
        Assert.Equal(40, await JobPriorityAsync(office, bobDefault.JobId));

        // LPD carries no priority at all: the department decides.
        var lpd = node.Services.GetRequiredService<LpdIngressService>();
        await LpdClient.SendAsync("127.0.0.1", lpd.Port, "office",
            [new LpdDocument(1, _ => Task.FromResult<Stream>(new MemoryStream("d"u8.ToArray())), "note.txt")],
            new LpdJobInfo(7, "client", "alice", "alice over lpd"), LpdOptions.Default, CancellationToken.None);
        var gateway = node.Services.GetRequiredService<ISpoolGateway>();
        var overLpd = await Eventually.ValueAsync(() => gateway.GetJobsAsync("office", JobFilter.All, null, 0),
            jobs => jobs.Any(j => j.Name == "alice over lpd"), what: "the LPD job accepted");
        Assert.Equal(90, overLpd.Single(j => j.Name == "alice over lpd").Priority);
    }

    private async Task<int> JobPriorityAsync(Uri queue, int jobId)
    {
        Assert.True(jobId > 0);
        var request = Client.NewRequest(IppOperation.GetJobAttributes, queue, "alice");
        request.OperationAttributes!.Add(IppAttribute.Integer("job-id", jobId));
        var response = await Client.SendAsync(queue, request);
        Assert.Equal(IppStatusCode.SuccessfulOk, response.Status);
        return response.FindGroup(IppTag.JobAttributes)!.Find("job-priority")!.Values[0].AsInt();
    }
}
