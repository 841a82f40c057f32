using System.Text;
using ActorSpool.Actors.Storage;
using ActorSpool.Domain.Jobs;
using ActorSpool.Domain.Topology;
using ActorSpool.Node.Ingress;
using ActorSpool.Node.Ingress.Lpd;
using ActorSpool.Node.Spool;
using ActorSpool.Node.Tests.Ingress.Ipp;
using ActorSpool.Protocols.Lpd;
using Microsoft.Extensions.Logging.Abstractions;
using static ActorSpool.Domain.Messages.JobQueueProtocol;

namespace ActorSpool.Node.Tests.Ingress;

/// <summary>
/// The LPD listener's protocol over a real socket, against an in-memory spooler (<see cref="FakeSpoolGateway"/>):
/// the durability rule, document numbering, several jobs per connection, lenient control files, refusals, idle
/// clients and queue state.
/// </summary>
public sealed class LpdProtocolTests : IAsyncLifetime
{
    private readonly GatedGateway _gateway = new(new FakeSpoolGateway());
    private LpdIngressService _service = null!;

    private FakeSpoolGateway Fake => _gateway.Inner;

    public async Task InitializeAsync()
    {
        _service = new LpdIngressService(_gateway,
            new LpdIngressOptions { Enabled = true, Host = "127.0.0.1", Port = 0, IdleTimeout = TimeSpan.FromSeconds(2) },
            NullLogger<LpdIngressService>.Instance);
        await _service.StartAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _service.StopAsync(CancellationToken.None);
        _service.Dispose();
    }

    private async Task<WireClient> ReceiveJobAsync(string queue = "office")
    {
        var client = await WireClient.ConnectAsync(_service.Port);
        await client.SendAsync($"\u0002{queue}\n");
        Assert.Equal(0, await client.ReadAckAsync());
        return client;
    }

    [Fact]
    public async Task The_last_files_ack_is_sent_only_after_the_queue_accepted_the_job()
    {
        _gateway.HoldSubmissions();
        await using var client = await ReceiveJobAsync();
        var data = Encoding.ASCII.GetBytes("durable\n");
        Assert.Equal(0, await client.SendFileAsync(LpdWire.ReceiveDataFile, "dfA007tester", data));

        // The control file completes the job: its bytes are acknowledged only once SubmitJob was answered.
        await client.SendAsync($"\u0002{WireClient.ControlFile("alice", "report", "dfA007tester").Length} cfA007tester\n");
        Assert.Equal(0, await client.ReadAckAsync());
        await client.SendAsync([.. WireClient.ControlFile("alice", "report", "dfA007tester"), 0]);
        await Wait.UntilAsync(() => _gateway.SubmissionsWaiting == 1, "the job to be submitted");
        Assert.Equal(0, client.Socket.Available); // the queue has not answered: no acknowledgement yet

        _gateway.ReleaseSubmissions();
        Assert.Equal(0, await client.ReadAckAsync());
        var submitted = Assert.Single(Fake.Submitted);
        Assert.Equal("alice", submitted.Owner);
        Assert.Equal("report", submitted.Name);
        Assert.Equal(data, Fake.Document(submitted.JobId, 1));
    }

    [Fact]
    public async Task A_job_the_queue_rejects_gets_a_negative_ack()
    {
        Fake.RejectWith = "the queue is closed";
        await using var client = await ReceiveJobAsync();
        Assert.Equal(0, await client.SendFileAsync(LpdWire.ReceiveDataFile, "dfA007tester", [1, 2, 3]));
        Assert.NotEqual(0, await client.SendFileAsync(LpdWire.ReceiveControlFile, "cfA007tester", WireClient.ControlFile("alice", null, "dfA007tester")));
        Assert.True(await client.EndsNormallyAsync());
    }

    [Fact]
    public async Task Control_file_first_numbers_documents_in_print_order_and_one_connection_carries_several_jobs()
    {
        await using var client = await ReceiveJobAsync();

        // Job 1: control file first, printing dfB before dfA; the data files arrive in yet another order.
        var control = Encoding.ASCII.GetBytes("Htester\nPbob\nJswapped\nldfB001tester\nNsecond.txt\nldfA001tester\nNfirst.txt\nUdfA001tester\nUdfB001tester\n");
        Assert.Equal(0, await client.SendFileAsync(LpdWire.ReceiveControlFile, "cfA001tester", control));
        Assert.Equal(0, await client.SendFileAsync(LpdWire.ReceiveDataFile, "dfA001tester", Encoding.ASCII.GetBytes("A")));
        Assert.Equal(0, await client.SendFileAsync(LpdWire.ReceiveDataFile, "dfB001tester", Encoding.ASCII.GetBytes("BB")));

        // Job 2 on the same connection, data files first (BSD lpr's order).
        Assert.Equal(0, await client.SendFileAsync(LpdWire.ReceiveDataFile, "dfA002tester", Encoding.ASCII.GetBytes("second job")));
        Assert.Equal(0, await client.SendFileAsync(LpdWire.ReceiveControlFile, "cfA002tester", WireClient.ControlFile("bob", "plain", "dfA002tester")));

        Assert.Equal(2, Fake.Submitted.Count);
        var first = Fake.Submitted[0];
        Assert.Equal("swapped", first.Name);
        Assert.Equal([(1, 2L, "second.txt"), (2, 1L, "first.txt")], first.Documents.Select(d => (d.Number, d.Length, d.Name)));
        Assert.Equal("BB"u8.ToArray(), Fake.Document(first.JobId, 1));
        Assert.Equal("A"u8.ToArray(), Fake.Document(first.JobId, 2));
        Assert.Equal("plain", Fake.Submitted[1].Name);
        Assert.NotEqual(first.JobId, Fake.Submitted[1].JobId);
    }

    [Fact]
    public async Task Control_files_with_lines_rfc_1179_does_not_know_are_accepted()
    {
        await using var client = await ReceiveJobAsync();
        // LPRng writes A (identifier), Q (queue) and D (date); operands may be longer than the RFC's limits.
        var control = Encoding.ASCII.GetBytes(
            $"Htester\nPfrank\nAfrank@tester+7\nQoffice\nD2024-01-01-00:00:00.000\nJ{new string('x', 150)}\nodfA007tester\nNdoc.ps\n");
        Assert.Equal(0, await client.SendFileAsync(LpdWire.ReceiveDataFile, "dfA007tester", Encoding.ASCII.GetBytes("%!PS\n")));
        Assert.Equal(0, await client.SendFileAsync(LpdWire.ReceiveControlFile, "cfA007tester", control));
        var submitted = Assert.Single(Fake.Submitted);
        Assert.Equal("frank", submitted.Owner);
        Assert.Equal(150, submitted.Name.Length);
    }

    [Theory]
    [InlineData("\u00030 dfA007tester\n", "count 0 (length unknown)")]
    [InlineData("\u0003-5 dfA007tester\n", "negative count")]
    [InlineData("\u000312 not-a-data-file\n", "bad data file name")]
    [InlineData("\u000299999999 cfA007tester\n", "huge control file")]
    [InlineData("\u0009\n", "unknown subcommand")]
    public async Task Bad_subcommands_get_a_negative_ack_and_end_the_connection(string subcommand, string what)
    {
        await using var client = await ReceiveJobAsync();
        await client.SendAsync(subcommand);
        Assert.True(await client.ReadAckAsync() > 0, what);
        await client.EndsNormallyAsync(); // closed (a reset when the refused line was not read to its end)
        Assert.Empty(Fake.Submitted);
    }

    [Fact]
    public async Task A_control_file_naming_files_that_were_not_sent_and_a_wrong_terminator_are_refused()
    {
        await using (var client = await ReceiveJobAsync())
        {
            Assert.Equal(0, await client.SendFileAsync(LpdWire.ReceiveDataFile, "dfA007tester", [1]));
            Assert.Equal(0, await client.SendFileAsync(LpdWire.ReceiveDataFile, "dfB007tester", [2]));
            // The control file prints only dfA: dfB was sent for nothing, which a well-behaved client never does.
            Assert.NotEqual(0, await client.SendFileAsync(LpdWire.ReceiveControlFile, "cfA007tester", WireClient.ControlFile("x", null, "dfA007tester")));
        }

        await using (var client = await ReceiveJobAsync())
        {
            await client.SendAsync("\u00035 dfA008tester\n");
            Assert.Equal(0, await client.ReadAckAsync());
            await client.SendAsync("toolong"); // 5 announced, the sixth octet is not the zero octet
            Assert.NotEqual(0, await client.ReadAckAsync());
        }

        Assert.Empty(Fake.Submitted);
    }

    [Fact]
    public async Task An_idle_client_is_disconnected_and_its_job_discarded()
    {
        await using var client = await ReceiveJobAsync();
        await client.SendAsync("\u000310 dfA007tester\n");
        Assert.Equal(0, await client.ReadAckAsync());
        await client.SendAsync("abc"); // then nothing: the listener gives up after its idle timeout (2 s here)

        Assert.False(await client.EndsNormallyAsync());
        await Wait.UntilAsync(() => _service.ActiveConnections == 0, "the idle connection to be dropped");
        Assert.Empty(Fake.Submitted);
    }

    [Fact]
    public async Task Queue_state_lists_the_queues_unfinished_jobs()
    {
        await using (var client = await ReceiveJobAsync("lab"))
        {
            Assert.Equal(0, await client.SendFileAsync(LpdWire.ReceiveDataFile, "dfA007tester", new byte[1234]));
            Assert.Equal(0, await client.SendFileAsync(LpdWire.ReceiveControlFile, "cfA007tester", WireClient.ControlFile("gina", "plans", "dfA007tester")));
        }

        var jobId = Assert.Single(Fake.Submitted).JobId;
        await using var query = await WireClient.ConnectAsync(_service.Port);
        await query.SendAsync("\u0003lab\n");
        var text = await query.ReadToEndAsync();
        Assert.Equal(
            "Rank   Owner      Job  Files                                 Total Size\n" +
            $"1st    gina       {jobId,-5}{"plans",-38}1234 bytes\n",
            text);
    }

    /// <summary>Parses what LPD clients send and formats what they read, without a socket.</summary>
    [Fact]
    public void Wire_helpers_parse_headers_and_format_listings()
    {
        Assert.True(LpdWire.TryParseFileHeader("123 dfA001host", out var count, out var name, out _));
        Assert.Equal((123L, "dfA001host"), (count, name));
        Assert.False(LpdWire.TryParseFileHeader("12x dfA001host", out _, out _, out var problem));
        Assert.Contains("not a decimal number", problem);
        var (queue, list) = LpdWire.ParseQueueOperand("office alice\t12");
        Assert.Equal("office", queue);
        Assert.Equal(["alice", "12"], list);

        var content = LpdControlFile.ParseLenient("Hh\r\nPp\n\nXunknown\nldfA001h\n"u8);
        Assert.Equal("p", content.User);
        Assert.Equal(["dfA001h"], content.ReferencedDataFiles);
        Assert.Throws<FormatException>(() => LpdControlFile.ParseLenient("Hh\nPp\n"u8));

        var listing = LpdQueueListing.Format("q", [new(5, "ann", "a", 10, true, []), new(6, "bob", "b", 20, false, [])], longFormat: false);
        Assert.Contains("active ann", listing);
        Assert.Contains("1st    bob", listing);
    }

    /// <summary>The fake spooler, with SubmitJob held at a gate while a test looks at the connection.</summary>
    private sealed class GatedGateway(FakeSpoolGateway inner) : ISpoolGateway
    {
        private TaskCompletionSource? _gate;
        private int _waiting;

        public FakeSpoolGateway Inner => inner;

        public int SubmissionsWaiting => Volatile.Read(ref _waiting);

        public void HoldSubmissions() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void ReleaseSubmissions() => _gate?.TrySetResult();

        public SpoolTopology Topology => inner.Topology;

        public DateTimeOffset StartedAt => inner.StartedAt;

        public Task<long> AllocateJobIdAsync(string queue, CancellationToken ct = default) => inner.AllocateJobIdAsync(queue, ct);

        public Task<StoredDocument> StoreDocumentAsync(long jobId, int documentNumber, Stream content, string format, string? name, long maxBytes, CancellationToken ct = default) =>
            inner.StoreDocumentAsync(jobId, documentNumber, content, format, name, maxBytes, ct);

        public async Task<object> SubmitAsync(Commands.SubmitJob command, CancellationToken ct = default)
        {
            if (_gate is { } gate)
            {
                Interlocked.Increment(ref _waiting);
                await gate.Task.WaitAsync(ct);
            }

            return await inner.SubmitAsync(command, ct);
        }

        public Task<JobRecord?> GetJobAsync(string queue, long jobId, CancellationToken ct = default) => inner.GetJobAsync(queue, jobId, ct);

        public Task<string?> FindQueueOfJobAsync(long jobId, CancellationToken ct = default) => inner.FindQueueOfJobAsync(jobId, ct);

        public Task<JobRecord[]> GetJobsAsync(string queue, JobFilter which, string? owner, int limit, CancellationToken ct = default) =>
            inner.GetJobsAsync(queue, which, owner, limit, ct);

        public Task<Replies.CommandResult> CancelJobAsync(string queue, long jobId, Requester by, string? reason = null, CancellationToken ct = default) =>
            inner.CancelJobAsync(queue, jobId, by, reason, ct);

        public Task<Replies.CommandResult> HoldJobAsync(string queue, long jobId, Requester by, CancellationToken ct = default) => inner.HoldJobAsync(queue, jobId, by, ct);

        public Task<Replies.CommandResult> ReleaseJobAsync(string queue, long jobId, Requester by, CancellationToken ct = default) => inner.ReleaseJobAsync(queue, jobId, by, ct);

        public Task<Replies.QueueStatus> GetQueueStatusAsync(string queue, CancellationToken ct = default) => inner.GetQueueStatusAsync(queue, ct);
    }
}
