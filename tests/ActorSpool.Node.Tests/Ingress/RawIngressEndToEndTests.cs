using System.Net.Sockets;
using ActorSpool.Actors.Storage;
using ActorSpool.Domain.Jobs;
using ActorSpool.Node.Ingress;
using ActorSpool.Node.Ingress.Raw;
using ActorSpool.Node.Spool;
using ActorSpool.Node.Tests.EndToEnd;
using ActorSpool.Simulators;
using ActorSpool.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using static ActorSpool.Domain.Messages.JobQueueProtocol;

namespace ActorSpool.Node.Tests.Ingress;

/// <summary>
/// A whole node in the test process with raw (AppSocket) listeners on its queues' raw ports: a connection's bytes up
/// to the client's half-close are one job, closed normally only once the job is accepted, reset on any failure.
/// </summary>
public sealed class RawIngressEndToEndTests : IAsyncLifetime
{
    private readonly TempDirectory _data = new();
    private AppSocketPrinterSimulator _printer = null!;
    private InProcessNode _node = null!;
    private int _officePort;
    private int _smallPort;

    public async Task InitializeAsync()
    {
        _printer = await Printers.SimulatorAsync("lj-1");
        _officePort = FreePort.Next();
        _smallPort = FreePort.Next();
        var printersFile = Printers.WriteFile(_data.Path, [_printer],
            $"  office {{ printers = [lj-1], raw-port = {_officePort} }}\n  small {{ printers = [lj-1], raw-port = {_smallPort}, max-document-size = 1K }}");
        _node = await InProcessNode.StartAsync(InProcessNode.Options(_data.Path, printersFile));
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        await _printer.DisposeAsync();
        _data.Dispose();
    }

    private RawIngressService Raw => _node.Services.GetRequiredService<RawIngressService>();
    private ISpoolGateway Gateway => _node.Services.GetRequiredService<ISpoolGateway>();
    private IDocumentStore Documents => _node.Services.GetRequiredService<IDocumentStore>();

    private Task<JobRecord[]> JobsAsync(string queue) => Gateway.GetJobsAsync(queue, JobFilter.All, null, 0);

    private static byte[] Document(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Sends a whole job the way a raw client does: write, half-close, wait for the server's close.</summary>
    private static async Task<bool> SendJobAsync(int port, byte[] document)
    {
        await using var client = await WireClient.ConnectAsync(port);
        try
        {
            await client.SendAsync(document);
            client.HalfClose();
        }
        catch (SocketException)
        {
            return false; // reset while sending
        }

        return await client.EndsNormallyAsync();
    }

    [Fact]
    public void Both_raw_ports_listen()
    {
        Assert.Equal([("office", _officePort), ("small", _smallPort)], Raw.Listeners.Select(l => (l.Queue, l.Port)));
    }

    [Fact]
    public async Task A_raw_connection_is_one_job_acknowledged_by_a_normal_close_and_printed()
    {
        var document = Document(3 * 256 * 1024 + 123, seed: 1); // several chunks of the document store

        Assert.True(await SendJobAsync(_officePort, document), "the server should close normally once the job is accepted");

        // Acknowledged by the close: the job is in the queue already.
        var job = Assert.Single(await JobsAsync("office"));
        Assert.Equal(RawIngressService.Owner, job.Owner);
        Assert.Equal("raw job from 127.0.0.1", job.Name);
        Assert.Equal(document.Length, Assert.Single(job.Documents).Length);

        var printed = Assert.Single(await _printer.WaitForJobsAsync(1, WireClient.Patience));
        Assert.Equal(document, printed.Data);
        await Wait.ForAsync(() => JobsAsync("office"), jobs => jobs.Single().State == JobState.Completed, "the raw job to complete");
    }

    [Fact]
    public async Task A_connection_reset_mid_document_or_a_mere_probe_creates_no_job()
    {
        await using (var client = await WireClient.ConnectAsync(_officePort))
        {
            await client.SendAsync(Document(200_000, seed: 2));
            client.Reset(); // the client crashed: no half-close, no job
        }

        await using (await WireClient.ConnectAsync(_officePort))
        {
            // connect and close: a probe, as printer heartbeats do
        }

        await Wait.UntilAsync(() => Raw.ActiveConnections == 0, "the broken connections to be done with");
        var good = Document(5000, seed: 3);
        Assert.True(await SendJobAsync(_officePort, good));

        var job = Assert.Single(await JobsAsync("office"));
        Assert.Equal(good.Length, job.TotalBytes);
        for (var discarded = 1L; discarded < job.JobId; discarded++)
        {
            Assert.Null(await Documents.FindQueueOfJobAsync(discarded));
            Assert.Empty(await Documents.ListDocumentsAsync(discarded));
        }

        var printed = Assert.Single(await _printer.WaitForJobsAsync(1, WireClient.Patience));
        Assert.Equal(good, printed.Data);
    }

    [Fact]
    public async Task A_document_over_the_queue_limit_is_answered_with_a_reset_and_stores_nothing()
    {
        Assert.False(await SendJobAsync(_smallPort, Document(64 * 1024, seed: 4)), "the client must see an error, not a normal close");

        await Wait.UntilAsync(() => Raw.ActiveConnections == 0, "the refused connection to be done with");
        Assert.Empty(await JobsAsync("small"));
        Assert.True(await SendJobAsync(_smallPort, Document(1000, seed: 5)));
        var job = Assert.Single(await JobsAsync("small"));
        for (var discarded = 1L; discarded < job.JobId; discarded++)
        {
            Assert.Null(await Documents.FindQueueOfJobAsync(discarded));
        }
    }
}
