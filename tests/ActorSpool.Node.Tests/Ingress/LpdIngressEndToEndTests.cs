using System.Text;
using ActorSpool.Actors.Storage;
using ActorSpool.Domain.Jobs;
using ActorSpool.Node.Ingress;
using ActorSpool.Node.Ingress.Lpd;
using ActorSpool.Node.Spool;
using ActorSpool.Node.Tests.EndToEnd;
using ActorSpool.Protocols.Lpd;
using ActorSpool.Simulators;
using ActorSpool.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using static ActorSpool.Domain.Messages.JobQueueProtocol;

namespace ActorSpool.Node.Tests.Ingress;

/// <summary>
/// A whole node in the test process with its LPD listener on: jobs come in over RFC 1179 (from Debian's real BSD
/// lpr, and byte by byte from a test client) and go out over AppSocket to a simulated printer.
/// </summary>
public sealed class LpdIngressEndToEndTests : IAsyncLifetime
{
    private readonly TempDirectory _data = new();
    private AppSocketPrinterSimulator _printer = null!;
    private InProcessNode _node = null!;

    public async Task InitializeAsync()
    {
        _printer = await Printers.SimulatorAsync("lj-1");
        var printersFile = Path.Combine(_data.Path, "printers.conf");
        await File.WriteAllTextAsync(printersFile, $$"""
            actorspool.printers {
              lj-1 { uri = "socket://127.0.0.1:{{_printer.Port}}" }
              dead { uri = "socket://127.0.0.1:{{FreePort.Next()}}" }
            }
            actorspool.queues {
              office { printers = [lj-1] }
              small { printers = [lj-1], max-document-size = 1K }
              stuck { printers = [dead] }
            }
            """);
        // Port 0: any free port. The configured host (0.0.0.0) also takes BSD lpd's connections to 127.0.0.2.
        _node = await InProcessNode.StartAsync(InProcessNode.Options(_data.Path, printersFile) with { LpdPort = 0 });
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        await _printer.DisposeAsync();
        _data.Dispose();
    }

    private LpdIngressService Lpd => _node.Services.GetRequiredService<LpdIngressService>();
    private ISpoolGateway Gateway => _node.Services.GetRequiredService<ISpoolGateway>();
    private IDocumentStore Documents => _node.Services.GetRequiredService<IDocumentStore>();

    private Task<JobRecord[]> JobsAsync(string queue) => Gateway.GetJobsAsync(queue, JobFilter.All, null, 0);

    private Task<JobRecord[]> WaitForCompletedAsync(string queue, int count) =>
        Wait.ForAsync(() => JobsAsync(queue), jobs => jobs.Length == count && jobs.All(j => j.State == JobState.Completed),
            $"{count} completed job(s) in {queue}");

    private async Task<string> WriteFileAsync(string name, byte[] content)
    {
        var path = Path.Combine(_data.Path, name);
        await File.WriteAllBytesAsync(path, content);
        return path;
    }

    private Task SendWithLpdClientAsync(string queue, byte[] content, string user = "carol") =>
        LpdClient.SendAsync("127.0.0.1", Lpd.Port, queue,
            [new LpdDocument(content.Length, _ => Task.FromResult<Stream>(new MemoryStream(content)), "note.txt")],
            new LpdJobInfo(42, "client", user, "lpd client job"), LpdOptions.Default, CancellationToken.None);

    [Fact]
    public async Task A_file_printed_with_bsd_lpr_is_spooled_and_printed()
    {
        var content = Encoding.ASCII.GetBytes("Hello from BSD lpr through ActorSpool's LPD listener.\n");
        var file = await WriteFileAsync("hello.txt", content);

        var output = await BsdLpr.PrintAsync(Lpd.Port, "office", "hello job", file);

        Assert.Contains("lpd handed the job over", output);
        var job = Assert.Single(await WaitForCompletedAsync("office", 1));
        Assert.Equal("root", job.Owner);
        Assert.Equal("hello job", job.Name);
        var document = Assert.Single(job.Documents);
        Assert.Equal(content.Length, document.Length);
        Assert.Equal(file, document.Name);
        var printed = await _printer.WaitForJobsAsync(1, WireClient.Patience);
        Assert.Equal(content, Assert.Single(printed).Data);
    }

    [Fact]
    public async Task Several_files_from_bsd_lpr_become_one_multi_document_job_printed_in_order()
    {
        var random = new Random(7);
        var first = Encoding.ASCII.GetBytes("first document\n");
        var second = new byte[300 * 1024 + 5]; // more than one 256 KiB chunk of the document store
        random.NextBytes(second);
        var third = Encoding.ASCII.GetBytes("third document\n");
        var files = new[]
        {
            await WriteFileAsync("a-first.txt", first),
            await WriteFileAsync("b-second.bin", second),
            await WriteFileAsync("c-third.txt", third),
        };

        await BsdLpr.PrintAsync(Lpd.Port, "office", "three files", files);

        var job = Assert.Single(await WaitForCompletedAsync("office", 1));
        Assert.Equal([first.Length, second.Length, third.Length], job.Documents.Select(d => d.Length));
        Assert.Equal([1, 2, 3], job.Documents.Select(d => d.Number));
        Assert.Equal(files, job.Documents.Select(d => d.Name));
        var printed = Assert.Single(await _printer.WaitForJobsAsync(1, WireClient.Patience));
        Assert.Equal([.. first, .. second, .. third], printed.Data!);
    }

    [Fact]
    public async Task Bsd_lpr_minus_hash_2_is_one_job_of_two_copies_not_two_documents()
    {
        var first = Encoding.ASCII.GetBytes("first of two files\n");
        var second = Encoding.ASCII.GetBytes("second of two files\n");
        var files = new[] { await WriteFileAsync("copy-a.txt", first), await WriteFileAsync("copy-b.txt", second) };

        await BsdLpr.PrintCopiesAsync(Lpd.Port, "office", "two copies", 2, files);

        // lpr -#2 writes each file's print command twice in a row (uncollated), and that is how the job prints.
        var job = Assert.Single(await WaitForCompletedAsync("office", 1));
        Assert.Equal([1, 2], job.Documents.Select(d => d.Number));
        Assert.Equal(new Copies(2, Uncollated: true), job.Copies);
        var printed = Assert.Single(await _printer.WaitForJobsAsync(1, WireClient.Patience));
        Assert.Equal([.. first, .. first, .. second, .. second], printed.Data!);
    }

    [Fact]
    public async Task Collated_copies_from_an_lpd_client_are_one_job_of_copies()
    {
        var content = Encoding.ASCII.GetBytes("collated page\n");
        var documents = new[] { content, Encoding.ASCII.GetBytes("cover\n") }
            .Select((c, i) => new LpdDocument(c.Length, _ => Task.FromResult<Stream>(new MemoryStream(c)), $"part{i}"))
            .ToList();

        await LpdClient.SendAsync("127.0.0.1", Lpd.Port, "office", documents, new LpdJobInfo(43, "client", "erin", "collated") { Copies = 3 },
            LpdOptions.Default, CancellationToken.None);

        var job = Assert.Single(await WaitForCompletedAsync("office", 1));
        Assert.Equal(2, job.Documents.Length);
        Assert.Equal(new Copies(3, Uncollated: false), job.Copies);
        var printed = Assert.Single(await _printer.WaitForJobsAsync(1, WireClient.Patience));
        Assert.Equal("collated page\ncover\ncollated page\ncover\ncollated page\ncover\n", Encoding.ASCII.GetString(printed.Data!));
    }

    [Fact]
    public async Task A_job_for_an_unknown_queue_gets_a_negative_ack_and_nothing_is_stored()
    {
        await using (var client = await WireClient.ConnectAsync(Lpd.Port))
        {
            await client.SendAsync("\u0002no-such-queue\n");
            Assert.NotEqual(0, await client.ReadAckAsync());
        }

        // Refused without a job id: the first job the spooler takes afterwards gets the very first id.
        await SendWithLpdClientAsync("office", Encoding.ASCII.GetBytes("after the refusal\n"));
        var job = Assert.Single(await WaitForCompletedAsync("office", 1));
        Assert.Equal(1, job.JobId);
    }

    [Fact]
    public async Task An_oversized_data_file_is_refused_before_its_bytes_and_nothing_is_stored()
    {
        await using (var client = await WireClient.ConnectAsync(Lpd.Port))
        {
            await client.SendAsync("\u0002small\n");
            Assert.Equal(0, await client.ReadAckAsync());
            await client.SendAsync("\u00032048 dfA007tester\n"); // queue "small" takes at most 1K
            Assert.NotEqual(0, await client.ReadAckAsync());
        }

        await SendWithLpdClientAsync("small", Encoding.ASCII.GetBytes("small enough\n"));
        var job = Assert.Single(await WaitForCompletedAsync("small", 1));
        Assert.Equal(1, job.JobId);
    }

    [Fact]
    public async Task Aborted_and_broken_transfers_store_nothing()
    {
        var data = Encoding.ASCII.GetBytes("this job will be withdrawn\n");

        // 1: a complete data file, then the abort subcommand: job id 1 was allocated and must vanish.
        await using (var client = await WireClient.ConnectAsync(Lpd.Port))
        {
            await client.SendAsync("\u0002office\n");
            Assert.Equal(0, await client.ReadAckAsync());
            Assert.Equal(0, await client.SendFileAsync(LpdWire.ReceiveDataFile, "dfA007tester", data));
            await client.SendAsync("\u0001\n"); // abort: no acknowledgement; our close then ends the connection
        }

        // 2: a data file cut off by a reset halfway: job id 2 was allocated (the announcement was acknowledged).
        await using (var client = await WireClient.ConnectAsync(Lpd.Port))
        {
            await client.SendAsync("\u0002office\n");
            Assert.Equal(0, await client.ReadAckAsync());
            await client.SendAsync($"\u0003{100_000} dfA008tester\n");
            Assert.Equal(0, await client.ReadAckAsync());
            await client.SendAsync(new byte[40_000]);
            client.Reset();
        }

        // 3: the control file arrives, its data file never does (the client closes).
        await using (var client = await WireClient.ConnectAsync(Lpd.Port))
        {
            await client.SendAsync("\u0002office\n");
            Assert.Equal(0, await client.ReadAckAsync());
            Assert.Equal(0, await client.SendFileAsync(LpdWire.ReceiveDataFile, "dfA009tester", data));
            Assert.Equal(0, await client.SendFileAsync(LpdWire.ReceiveControlFile, "cfA009tester", WireClient.ControlFile("dave", "two files", "dfA009tester", "dfB009tester")));
        }

        await Wait.UntilAsync(() => Lpd.ActiveConnections == 0, "the broken connections to be done with");
        await SendWithLpdClientAsync("office", Encoding.ASCII.GetBytes("the one real job\n"));
        var job = Assert.Single(await WaitForCompletedAsync("office", 1));
        Assert.Equal(4, job.JobId);
        for (var discarded = 1L; discarded < job.JobId; discarded++)
        {
            Assert.Null(await Documents.FindQueueOfJobAsync(discarded));
            Assert.Empty(await Documents.ListDocumentsAsync(discarded));
        }

        Assert.Equal(job.Documents.Length, (await Documents.ListDocumentsAsync(job.JobId)).Count);
    }

    [Fact]
    public async Task Garbage_is_refused_and_the_listener_keeps_serving()
    {
        var random = new Random(3);
        for (var i = 0; i < 5; i++)
        {
            var junk = new byte[1 + random.Next(3000)];
            random.NextBytes(junk);
            await using var client = await WireClient.ConnectAsync(Lpd.Port);
            try
            {
                await client.SendAsync(junk);
                await client.EndsNormallyAsync();
            }
            catch (System.Net.Sockets.SocketException)
            {
                // The server may reset while we still send: that is a refusal too.
            }
        }

        await using (var client = await WireClient.ConnectAsync(Lpd.Port))
        {
            await client.SendAsync("\u0002office\n");
            Assert.Equal(0, await client.ReadAckAsync());
            await client.SendAsync("\u0003ten dfA007tester\n");
            Assert.NotEqual(0, await client.ReadAckAsync());
        }

        await SendWithLpdClientAsync("office", Encoding.ASCII.GetBytes("still serving\n"));
        var job = Assert.Single(await WaitForCompletedAsync("office", 1));
        Assert.Equal(1, job.JobId);
    }

    [Fact]
    public async Task Queue_state_requests_list_the_waiting_jobs()
    {
        await SendWithLpdClientAsync("stuck", Encoding.ASCII.GetBytes("waits for a printer that is down\n"), user: "erin");
        var waiting = Assert.Single(await Wait.ForAsync(() => JobsAsync("stuck"), jobs => jobs.Length == 1, "the job in stuck"));

        string Ask(byte command, string operand) => $"{(char)command}{operand}\n";
        async Task<string> QueryAsync(string request)
        {
            await using var client = await WireClient.ConnectAsync(Lpd.Port);
            await client.SendAsync(request);
            return await client.ReadToEndAsync();
        }

        var shortState = await QueryAsync(Ask(LpdWire.SendQueueStateShort, "stuck"));
        Assert.Contains("Rank", shortState);
        Assert.Matches($@"1st\s+erin\s+{waiting.JobId}\s+lpd client job\s+{waiting.TotalBytes} bytes", shortState);

        var longState = await QueryAsync(Ask(LpdWire.SendQueueStateLong, "stuck erin"));
        Assert.Contains($"erin: 1st", longState);
        Assert.Contains($"[job {waiting.JobId}]", longState);
        Assert.Contains("note.txt", longState);

        // What BSD lpq shows is the listener's answer.
        var lpq = await BsdLpr.LpqAsync(Lpd.Port, "stuck", longFormat: false);
        Assert.Matches($@"1st\s+erin\s+{waiting.JobId}\s+lpd client job", lpq);
        Assert.Contains($"[job {waiting.JobId}]", await BsdLpr.LpqAsync(Lpd.Port, "stuck", longFormat: true));

        Assert.Equal("office: no entries\n", await QueryAsync(Ask(LpdWire.SendQueueStateShort, "office")));
        Assert.Equal("nope: unknown printer\n", await QueryAsync(Ask(LpdWire.SendQueueStateShort, "nope")));
    }
}
