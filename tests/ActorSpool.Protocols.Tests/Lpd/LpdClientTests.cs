using System.Security.Cryptography;
using System.Text;
using ActorSpool.Protocols.AppSocket;
using ActorSpool.Protocols.Lpd;
using ActorSpool.Simulators;
using ActorSpool.TestSupport;
using ActorSpool.TestSupport.Lpd;
using static ActorSpool.Protocols.Tests.Lpd.LpdTestSupport;

namespace ActorSpool.Protocols.Tests.Lpd;

/// <summary>
/// <see cref="LpdClient"/> against the strict <see cref="LpdPrinterSimulator"/> on real loopback sockets: every test that
/// delivers also asserts the simulator saw no protocol violation.
/// </summary>
public sealed class LpdClientTests
{
    private static readonly LpdOptions Options = new() { ConnectTimeout = TimeSpan.FromSeconds(10), AckTimeout = TimeSpan.FromSeconds(30) };

    [Fact]
    public async Task A_document_arrives_byte_exact_with_its_control_file()
    {
        await using var simulator = await StartSimulatorAsync();
        var bytes = RandomBytes(100_000, seed: 1);

        var sent = await LpdClient.SendAsync("127.0.0.1", simulator.Port, "lp", [Document(bytes, "report.pcl")], Info, Options, CancellationToken.None);

        Assert.Equal(bytes.Length, sent);
        var job = Assert.Single(await simulator.WaitForJobsAsync(1, Patience));
        Assert.Empty(simulator.ProtocolErrors);
        Assert.Equal("lp", job.Queue);
        Assert.Equal("cfA123spoolhost", job.ControlFileName);
        Assert.Equal(123, job.JobNumber);
        Assert.Equal("spoolhost", job.Host);
        Assert.Equal("alice", job.User);
        Assert.Equal("quarterly report", job.JobName);
        var file = Assert.Single(job.DataFiles);
        Assert.Equal("dfA123spoolhost", file.Name);
        Assert.Equal('l', file.PrintCommand);
        Assert.Equal("report.pcl", file.SourceName);
        Assert.Equal(bytes, file.Data);
        Assert.Equal(
            "Hspoolhost\nPalice\nJquarterly report\nldfA123spoolhost\nUdfA123spoolhost\nNreport.pcl\n",
            Encoding.ASCII.GetString(job.ControlFileBytes));
    }

    [Fact]
    public async Task Several_documents_become_data_files_A_B_C_of_one_job_in_order()
    {
        await using var simulator = await StartSimulatorAsync();
        var documents = new[] { RandomBytes(10, 2), RandomBytes(70_000, 3), RandomBytes(1, 4) };

        var sent = await LpdClient.SendAsync("127.0.0.1", simulator.Port, "raw",
            documents.Select((d, i) => Document(d, $"part{i}")).ToList(), Info with { JobNumber = 7 }, Options, CancellationToken.None);

        Assert.Equal(documents.Sum(d => d.Length), sent);
        var job = Assert.Single(await simulator.WaitForJobsAsync(1, Patience));
        Assert.Empty(simulator.ProtocolErrors);
        Assert.Equal(["dfA007spoolhost", "dfB007spoolhost", "dfC007spoolhost"], job.DataFiles.Select(f => f.Name));
        Assert.Equal(["part0", "part1", "part2"], job.DataFiles.Select(f => f.SourceName));
        for (var i = 0; i < documents.Length; i++)
        {
            Assert.Equal(documents[i], job.DataFiles[i].Data);
        }
    }

    [Fact]
    public async Task The_control_file_may_go_first()
    {
        await using var simulator = await StartSimulatorAsync();
        var documents = new[] { RandomBytes(5000, 5), RandomBytes(6000, 6) };

        await LpdClient.SendAsync("127.0.0.1", simulator.Port, "lp", documents.Select(d => Document(d)).ToList(), Info,
            Options with { SendControlFileFirst = true }, CancellationToken.None);

        var job = Assert.Single(await simulator.WaitForJobsAsync(1, Patience));
        Assert.Empty(simulator.ProtocolErrors);
        Assert.Equal(documents, job.DataFiles.Select(f => f.Data!));
    }

    [Fact]
    public async Task A_large_document_streams_to_disk_byte_exact()
    {
        var directory = Directory.CreateTempSubdirectory("actorspool-lpd-large-");
        try
        {
            await using var simulator = await StartSimulatorAsync(new LpdSimulatorOptions
            {
                Queues = ["lp"],
                OutputDirectory = directory.FullName,
                KeepInMemory = false,
            });
            const long length = 24L * 1024 * 1024 + 17;

            var sent = await LpdClient.SendAsync("127.0.0.1", simulator.Port, "lp", [PatternDocument(length)], Info, Options, CancellationToken.None);

            Assert.Equal(length, sent);
            var job = Assert.Single(await simulator.WaitForJobsAsync(1, Patience));
            var file = Assert.Single(job.DataFiles);
            Assert.Null(file.Data);
            Assert.NotNull(file.FilePath);
            Assert.Equal(length, new FileInfo(file.FilePath).Length);
            await using (var written = File.OpenRead(file.FilePath))
            await using (var expected = new PatternStream(length))
            {
                Assert.Equal(await SHA256.HashDataAsync(expected), await SHA256.HashDataAsync(written));
            }

            Assert.True(File.Exists(job.ControlFilePath));
            Assert.DoesNotContain(Directory.EnumerateFiles(directory.FullName), f => f.EndsWith(".tmp", StringComparison.Ordinal));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Concurrent_jobs_all_arrive()
    {
        await using var simulator = await StartSimulatorAsync();
        var payloads = Enumerable.Range(0, 12).Select(i => RandomBytes(20_000 + i, 100 + i)).ToArray();

        await Task.WhenAll(payloads.Select((p, i) =>
            LpdClient.SendAsync("127.0.0.1", simulator.Port, "lp", [Document(p)], Info with { JobNumber = i }, Options, CancellationToken.None)));

        var jobs = await simulator.WaitForJobsAsync(payloads.Length, Patience);
        Assert.Empty(simulator.ProtocolErrors);
        Assert.Equal(payloads.Length, jobs.Count);
        foreach (var (payload, i) in payloads.Select((p, i) => (p, i)))
        {
            var job = Assert.Single(jobs, j => j.JobNumber == i);
            Assert.Equal(payload, job.DataFiles[0].Data);
        }
    }

    [Fact]
    public async Task An_unknown_queue_is_refused_with_the_servers_code()
    {
        await using var simulator = await StartSimulatorAsync();

        var e = await Assert.ThrowsAsync<PrinterDeliveryException>(() =>
            LpdClient.SendAsync("127.0.0.1", simulator.Port, "nosuchqueue", [Document([1, 2, 3])], Info, Options, CancellationToken.None));

        Assert.Equal(DeliveryFailureKind.Other, e.Kind);
        Assert.False(e.IsDocumentFailure);
        Assert.Contains("LPD server", e.Message);
        Assert.Contains("refused", e.Message);
        Assert.Contains("nosuchqueue", e.Message);
        Assert.Contains("(code 1", e.Message);
        Assert.Equal(1, simulator.RejectedJobs);
        Assert.Empty(simulator.ReceivedJobs);
    }

    [Fact]
    public async Task A_server_that_rejects_jobs_fails_the_delivery()
    {
        await using var simulator = await StartSimulatorAsync(new LpdSimulatorOptions { Queues = ["lp"], Fault = SimulatedFault.RejectJobs });

        var e = await Assert.ThrowsAsync<PrinterDeliveryException>(() =>
            LpdClient.SendAsync("127.0.0.1", simulator.Port, "lp", [Document([1, 2, 3])], Info, Options, CancellationToken.None));

        Assert.Equal(DeliveryFailureKind.Other, e.Kind);
        Assert.Contains("(code 1", e.Message);
        Assert.Empty(simulator.ReceivedJobs);
    }

    [Fact]
    public async Task A_file_too_large_for_the_server_is_refused_with_code_2()
    {
        await using var simulator = await StartSimulatorAsync(new LpdSimulatorOptions { Queues = ["lp"], MaxDataFileBytes = 1000 });

        var e = await Assert.ThrowsAsync<PrinterDeliveryException>(() =>
            LpdClient.SendAsync("127.0.0.1", simulator.Port, "lp", [Document(RandomBytes(1001, 7))], Info, Options, CancellationToken.None));

        Assert.Equal(DeliveryFailureKind.Other, e.Kind);
        Assert.Contains("(code 2", e.Message);
        Assert.Contains("dfA123spoolhost", e.Message);
        await WaitUntilAsync(() => simulator.ActiveConnections == 0, "the refused connection to end");
        Assert.Empty(simulator.ReceivedJobs);
    }

    [Fact]
    public async Task A_document_that_cannot_be_opened_is_withdrawn_with_the_abort_subcommand()
    {
        await using var simulator = await StartSimulatorAsync();
        var broken = new LpdDocument(10, _ => throw new FileNotFoundException("document 2 is gone"));

        var e = await Assert.ThrowsAsync<PrinterDeliveryException>(() =>
            LpdClient.SendAsync("127.0.0.1", simulator.Port, "lp", [Document(RandomBytes(500, 8)), broken], Info, Options, CancellationToken.None));

        Assert.True(e.IsDocumentFailure);
        Assert.Equal(DeliveryFailureKind.Other, e.Kind);
        Assert.Contains("document 2 of 2", e.Message);
        await WaitUntilAsync(() => simulator.AbortedJobs == 1, "the simulator to see the abort subcommand");
        await WaitUntilAsync(() => simulator.ActiveConnections == 0, "the connection to end");
        Assert.Empty(simulator.ReceivedJobs);
        Assert.Empty(simulator.ProtocolErrors);
    }

    [Theory]
    [InlineData(999, 1000)] // shorter than announced
    [InlineData(1001, 1000)] // longer than announced
    public async Task A_document_whose_length_differs_from_the_announced_one_is_not_delivered(int actual, int announced)
    {
        await using var simulator = await StartSimulatorAsync();
        var bytes = RandomBytes(actual, 9);
        var lying = new LpdDocument(announced, _ => Task.FromResult<Stream>(new MemoryStream(bytes)));

        var e = await Assert.ThrowsAsync<PrinterDeliveryException>(() =>
            LpdClient.SendAsync("127.0.0.1", simulator.Port, "lp", [lying], Info, Options, CancellationToken.None));

        Assert.True(e.IsDocumentFailure);
        Assert.Contains($"{announced} bytes announced", e.Message);
        await WaitUntilAsync(() => simulator.ActiveConnections == 0, "the reset connection to end");
        Assert.Empty(simulator.ReceivedJobs);
        Assert.Equal(1, simulator.IncompleteJobs);
    }

    [Fact]
    public async Task A_document_that_fails_mid_read_resets_the_connection_and_nothing_is_recorded()
    {
        await using var simulator = await StartSimulatorAsync();
        var failing = new LpdDocument(100_000, _ => Task.FromResult<Stream>(new FailingStream(30_000)));

        var e = await Assert.ThrowsAsync<PrinterDeliveryException>(() =>
            LpdClient.SendAsync("127.0.0.1", simulator.Port, "lp", [failing], Info, Options, CancellationToken.None));

        Assert.True(e.IsDocumentFailure);
        Assert.Contains("simulated", e.Message);
        await WaitUntilAsync(() => simulator.ActiveConnections == 0, "the reset connection to end");
        Assert.Empty(simulator.ReceivedJobs);
    }

    [Fact]
    public async Task Nothing_listening_is_connection_refused()
    {
        var port = UnusedPort();

        var e = await Assert.ThrowsAsync<PrinterDeliveryException>(() =>
            LpdClient.SendAsync("127.0.0.1", port, "lp", [Document([1])], Info, Options, CancellationToken.None));

        Assert.Equal(DeliveryFailureKind.ConnectionRefused, e.Kind);
        var probe = await Assert.ThrowsAsync<PrinterDeliveryException>(() => LpdClient.ProbeAsync("127.0.0.1", port));
        Assert.Equal(DeliveryFailureKind.ConnectionRefused, probe.Kind);
    }

    [Fact]
    public async Task The_probe_connects_and_leaves_no_job()
    {
        await using var simulator = await StartSimulatorAsync();

        await LpdClient.ProbeAsync("127.0.0.1", simulator.Port);

        await WaitUntilAsync(() => simulator.AcceptedConnections == 1 && simulator.ActiveConnections == 0, "the probe connection to end");
        Assert.Empty(simulator.ReceivedJobs);
        Assert.Empty(simulator.ProtocolErrors);
        Assert.Equal(0, simulator.AbortedConnections);
    }

    [Fact]
    public async Task A_server_that_never_answers_times_out_waiting_for_the_acknowledgement()
    {
        await using var simulator = await StartSimulatorAsync(new LpdSimulatorOptions { Queues = ["lp"], Fault = SimulatedFault.HangAfterAccept });

        var e = await Assert.ThrowsAsync<PrinterDeliveryException>(() =>
            LpdClient.SendAsync("127.0.0.1", simulator.Port, "lp", [Document([1, 2])], Info,
                Options with { AckTimeout = TimeSpan.FromMilliseconds(500) }, CancellationToken.None));

        Assert.Equal(DeliveryFailureKind.IdleTimeout, e.Kind);
        Assert.Contains("did not acknowledge", e.Message);
    }

    [Fact]
    public async Task A_server_that_resets_mid_job_is_connection_reset()
    {
        await using var simulator = await StartSimulatorAsync(new LpdSimulatorOptions { Queues = ["lp"], Fault = SimulatedFault.ResetMidJob });

        var e = await Assert.ThrowsAsync<PrinterDeliveryException>(() =>
            LpdClient.SendAsync("127.0.0.1", simulator.Port, "lp", [PatternDocument(8L * 1024 * 1024)], Info, Options, CancellationToken.None));

        Assert.Equal(DeliveryFailureKind.ConnectionReset, e.Kind);
        Assert.Empty(simulator.ReceivedJobs);
    }

    [Fact]
    public async Task A_slow_server_still_gets_the_whole_job()
    {
        await using var simulator = await StartSimulatorAsync(new LpdSimulatorOptions { Queues = ["lp"], Fault = SimulatedFault.SlowTrickle });
        var bytes = RandomBytes(20_000, 10);

        await LpdClient.SendAsync("127.0.0.1", simulator.Port, "lp", [Document(bytes)], Info, Options, CancellationToken.None);

        var job = Assert.Single(await simulator.WaitForJobsAsync(1, Patience));
        Assert.Equal(bytes, job.DataFiles[0].Data);
    }

    [Fact]
    public async Task A_server_that_drops_jobs_acknowledges_but_records_nothing()
    {
        await using var simulator = await StartSimulatorAsync(new LpdSimulatorOptions { Queues = ["lp"], Fault = SimulatedFault.DropJobs });

        await LpdClient.SendAsync("127.0.0.1", simulator.Port, "lp", [Document([1, 2, 3])], Info, Options, CancellationToken.None);

        await WaitUntilAsync(() => simulator.DroppedJobs == 1, "the simulator to drop the job");
        Assert.Empty(simulator.ReceivedJobs);
    }

    [Fact]
    public async Task Cancellation_resets_the_connection_and_leaves_no_job()
    {
        await using var simulator = await StartSimulatorAsync(new LpdSimulatorOptions { Queues = ["lp"], Fault = SimulatedFault.SlowTrickle });
        using var cts = new CancellationTokenSource();
        var started = new TaskCompletionSource();
        var document = new LpdDocument(50L * 1024 * 1024, _ =>
        {
            started.TrySetResult();
            return Task.FromResult<Stream>(new PatternStream(50L * 1024 * 1024));
        });

        var send = LpdClient.SendAsync("127.0.0.1", simulator.Port, "lp", [document], Info, Options, cts.Token);
        await started.Task.WaitAsync(Patience);
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send);
        await WaitUntilAsync(() => simulator.ActiveConnections == 0, "the cancelled connection to end");
        Assert.Empty(simulator.ReceivedJobs);
    }

    [Fact]
    public async Task Text_the_protocol_cannot_carry_is_replaced_not_injected()
    {
        await using var simulator = await StartSimulatorAsync();
        var info = new LpdJobInfo(5, "host with spaces", "bob smith", "evil\nPmallory\nJ\u00e9t\u00e9 " + new string('x', 200));

        await LpdClient.SendAsync("127.0.0.1", simulator.Port, "lp", [Document([42], "na\u00efve\nname.txt")], info, Options, CancellationToken.None);

        var job = Assert.Single(await simulator.WaitForJobsAsync(1, Patience));
        Assert.Empty(simulator.ProtocolErrors);
        Assert.Equal("bob_smith", job.User);
        Assert.Equal("host_with_spaces", job.Host);
        Assert.Equal("cfA005host_with_space", job.ControlFileName);
        Assert.Equal(99, job.JobName!.Length);
        Assert.StartsWith("evil?Pmallory?J?t? xxx", job.JobName);
        Assert.Equal("na?ve?name.txt", job.DataFiles[0].SourceName);
        Assert.Single(job.ControlFile.Lines, l => l.Command == 'P');
    }

    [Fact]
    public async Task Arguments_are_checked_before_connecting()
    {
        var port = UnusedPort();
        await Assert.ThrowsAsync<ArgumentException>(() =>
            LpdClient.SendAsync("127.0.0.1", port, "lp", [], Info, Options, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() =>
            LpdClient.SendAsync("127.0.0.1", port, "lp", [Document([])], Info, Options, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            LpdClient.SendAsync("127.0.0.1", port, "lp", [Document([1])], Info with { JobNumber = 1000 }, Options, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() =>
            LpdClient.SendAsync("127.0.0.1", port, "my queue", [Document([1])], Info, Options, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() =>
            LpdClient.SendAsync("127.0.0.1", port, "lp", Enumerable.Range(0, 53).Select(_ => Document([1])).ToList(), Info, Options, CancellationToken.None));
    }
}
