using System.Net;
using System.Net.Sockets;
using System.Text;
using ActorSpool.Protocols.AppSocket;
using ActorSpool.Simulators;
using static ActorSpool.TestSupport.AppSocket.AppSocketTestSupport;

namespace ActorSpool.Simulators.Tests;

public sealed class AppSocketPrinterSimulatorTests : IDisposable
{
    private static readonly AppSocketOptions Options = new()
    {
        ConnectTimeout = TimeSpan.FromSeconds(30),
        IdleTimeout = TimeSpan.FromSeconds(30),
        CloseWaitTimeout = TimeSpan.FromSeconds(60),
    };

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "actorspool-sim-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private static async Task<AppSocketPrinterSimulator> StartAsync(SimulatorOptions options)
    {
        var simulator = new AppSocketPrinterSimulator(options);
        await simulator.StartAsync();
        return simulator;
    }

    private static Task<long> SendAsync(AppSocketPrinterSimulator simulator, byte[] data, AppSocketOptions? options = null) =>
        AppSocketClient.SendAsync("127.0.0.1", simulator.Port, [Document(data)], options ?? Options, CancellationToken.None);

    private static byte[] JobBytes(int id) => Encoding.ASCII.GetBytes($"job {id:D4}|" + new string((char)('a' + id % 26), 100 + id * 37));

    [Fact]
    public async Task Two_hundred_concurrent_jobs_are_all_recorded_with_distinct_sequences()
    {
        const int count = 200;
        await using var simulator = await StartAsync(new SimulatorOptions
        {
            Name = "lj-1",
            OutputDirectory = _directory,
            DelayPerJob = TimeSpan.FromMilliseconds(50),
        });
        var seen = 0;
        simulator.JobReceived += _ => Interlocked.Increment(ref seen);

        var sent = await Task.WhenAll(Enumerable.Range(0, count).Select(i => Task.Run(() => SendAsync(simulator, JobBytes(i)))));

        var jobs = await simulator.WaitForJobsAsync(count, Patience);
        Assert.Equal(count, jobs.Count);
        Assert.Equal(count, seen);
        Assert.Equal(Enumerable.Range(1, count).Select(i => (long)i), jobs.Select(j => j.Sequence).Order());
        Assert.Equal(Enumerable.Range(0, count).Select(i => (long)JobBytes(i).Length), sent);

        // Every sender's bytes arrived intact, once, in memory and on disk.
        var byId = jobs.ToDictionary(j => int.Parse(Encoding.ASCII.GetString(j.Data!, 4, 4)));
        Assert.Equal(count, byId.Count);
        foreach (var (id, job) in byId)
        {
            Assert.Equal("lj-1", job.Printer);
            Assert.Equal(JobBytes(id), job.Data);
            Assert.Equal(Path.Combine(Path.GetFullPath(_directory), $"{job.Sequence:D6}-lj-1.prn"), job.FilePath);
            Assert.Equal(JobBytes(id), await File.ReadAllBytesAsync(job.FilePath!));
        }

        Assert.Equal(count, Directory.GetFiles(_directory, "*.prn").Length);
        Assert.Empty(Directory.GetFiles(_directory, "*.tmp", SearchOption.AllDirectories));
        Assert.Equal(count, simulator.AcceptedConnections);
        Assert.Equal(0, simulator.AbortedConnections);
    }

    [Fact]
    public async Task Hundreds_of_sequential_jobs_are_recorded_in_order()
    {
        const int count = 300;
        await using var simulator = await StartAsync(new SimulatorOptions());

        for (var i = 0; i < count; i++)
        {
            await SendAsync(simulator, JobBytes(i));
        }

        var jobs = simulator.ReceivedJobs;
        Assert.Equal(count, jobs.Count);
        for (var i = 0; i < count; i++)
        {
            Assert.Equal(i + 1, jobs[i].Sequence);
            Assert.Equal(JobBytes(i), jobs[i].Data);
        }
    }

    [Fact]
    public async Task Switching_from_refusing_back_to_none_serves_again_on_the_same_port()
    {
        await using var simulator = await StartAsync(new SimulatorOptions());
        var port = simulator.Port;
        await SendAsync(simulator, [1]);

        simulator.Fault = SimulatedFault.RefuseConnections;
        var refused = await Assert.ThrowsAsync<PrinterDeliveryException>(() => SendAsync(simulator, [2]));
        Assert.Equal(DeliveryFailureKind.ConnectionRefused, refused.Kind);

        simulator.Fault = SimulatedFault.None;
        await SendAsync(simulator, [3]);

        Assert.Equal(port, simulator.Port);
        Assert.Equal([[1], [3]], simulator.ReceivedJobs.Select(j => j.Data!));
        Assert.Equal([1L, 2L], simulator.ReceivedJobs.Select(j => j.Sequence));
    }

    [Fact]
    public async Task Starting_while_refusing_reserves_a_port_that_serves_once_the_fault_is_cleared()
    {
        await using var simulator = await StartAsync(new SimulatorOptions { Fault = SimulatedFault.RefuseConnections });
        var port = simulator.Port;
        Assert.NotEqual(0, port);
        var refused = await Assert.ThrowsAsync<PrinterDeliveryException>(() => SendAsync(simulator, [1]));
        Assert.Equal(DeliveryFailureKind.ConnectionRefused, refused.Kind);

        simulator.Fault = SimulatedFault.None;
        await SendAsync(simulator, [2]);

        Assert.Equal(port, simulator.Port);
        Assert.Equal([2], Assert.Single(simulator.ReceivedJobs).Data);
    }

    [Fact]
    public async Task Dropped_jobs_are_acknowledged_but_not_recorded()
    {
        await using var simulator = await StartAsync(new SimulatorOptions { Fault = SimulatedFault.DropJobs });

        await SendAsync(simulator, JobBytes(1));

        Assert.Empty(simulator.ReceivedJobs);
        Assert.Equal(1, simulator.DroppedJobs);
    }

    [Fact]
    public async Task Slow_trickle_still_receives_the_whole_job()
    {
        await using var simulator = await StartAsync(new SimulatorOptions { Fault = SimulatedFault.SlowTrickle });
        var data = RandomBytes(6000, 11);

        await SendAsync(simulator, data);

        Assert.Equal(data, Assert.Single(simulator.ReceivedJobs).Data);
    }

    [Fact]
    public async Task Fault_fraction_zero_serves_every_job()
    {
        await using var simulator = await StartAsync(new SimulatorOptions { Fault = SimulatedFault.ResetMidJob, FaultFraction = 0 });

        for (var i = 0; i < 10; i++)
        {
            await SendAsync(simulator, JobBytes(i));
        }

        Assert.Equal(10, simulator.ReceivedJobs.Count);
    }

    [Fact]
    public async Task Faults_switched_at_run_time_apply_to_new_connections()
    {
        await using var simulator = await StartAsync(new SimulatorOptions());
        simulator.Fault = SimulatedFault.ResetMidJob;
        await Assert.ThrowsAsync<PrinterDeliveryException>(() => SendAsync(simulator, JobBytes(1)));

        simulator.Fault = SimulatedFault.None;
        await SendAsync(simulator, JobBytes(2));

        Assert.Equal(JobBytes(2), Assert.Single(simulator.ReceivedJobs).Data);
    }

    [Fact]
    public async Task Misbehaving_clients_do_not_disturb_the_printer()
    {
        await using var simulator = await StartAsync(new SimulatorOptions { ClientIdleTimeout = TimeSpan.FromMilliseconds(300) });

        // Connects and resets half way through a job.
        using (var rude = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await rude.ConnectAsync(IPAddress.Loopback, simulator.Port);
            await rude.SendAsync(RandomBytes(10_000, 12));
            rude.LingerState = new LingerOption(true, 0);
        }

        // Connects and goes silent without finishing.
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await silent.ConnectAsync(IPAddress.Loopback, simulator.Port);
        await silent.SendAsync(new byte[] { 1, 2, 3 });

        // Connects and closes without sending anything: a probe, not a job.
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await probe.ConnectAsync(IPAddress.Loopback, simulator.Port);
            probe.Shutdown(SocketShutdown.Send);
            var buffer = new byte[16];
            Assert.Equal(0, await probe.ReceiveAsync(buffer).WaitAsync(Patience));
        }

        await WaitUntilAsync(() => simulator.AbortedConnections == 2, "the reset and the silent connection to be given up");
        await SendAsync(simulator, JobBytes(5));

        Assert.Equal(JobBytes(5), Assert.Single(simulator.ReceivedJobs).Data);
        Assert.Equal(4, simulator.AcceptedConnections);
    }

    [Fact]
    public async Task Wait_for_jobs_times_out_with_the_counts()
    {
        await using var simulator = await StartAsync(new SimulatorOptions { Name = "slowpoke" });
        await SendAsync(simulator, [1]);

        var error = await Assert.ThrowsAsync<TimeoutException>(() => simulator.WaitForJobsAsync(3, TimeSpan.FromMilliseconds(100)));

        Assert.Contains("slowpoke", error.Message);
        Assert.Contains("1 of 3", error.Message);
    }

    [Fact]
    public async Task Wait_for_jobs_completes_when_the_jobs_arrive()
    {
        await using var simulator = await StartAsync(new SimulatorOptions());

        var waiting = simulator.WaitForJobsAsync(2, Patience);
        Assert.False(waiting.IsCompleted);
        await SendAsync(simulator, [1]);
        await SendAsync(simulator, [2]);

        Assert.Equal(2, (await waiting).Count);
    }

    [Fact]
    public async Task Stop_aborts_hanging_connections_and_records_nothing_partial()
    {
        var simulator = await StartAsync(new SimulatorOptions { Fault = SimulatedFault.HangAfterAccept, OutputDirectory = _directory });
        var delivery = SendAsync(simulator, JobBytes(1));
        await WaitUntilAsync(() => simulator.ActiveConnections == 1, "the hanging connection");

        await simulator.StopAsync().WaitAsync(Patience);
        await simulator.DisposeAsync();

        await Assert.ThrowsAsync<PrinterDeliveryException>(() => delivery.WaitAsync(Patience));
        Assert.Empty(simulator.ReceivedJobs);
        Assert.Empty(Directory.GetFiles(_directory));
    }

    [Fact]
    public async Task Stop_aborts_a_job_in_progress_without_leaving_files()
    {
        var simulator = await StartAsync(new SimulatorOptions { OutputDirectory = _directory, DelayPerJob = TimeSpan.FromMinutes(10) });
        var delivery = SendAsync(simulator, JobBytes(1));
        await WaitUntilAsync(() => Directory.GetFiles(_directory, "*.tmp").Length == 1, "the job's temporary file");

        await simulator.DisposeAsync().AsTask().WaitAsync(Patience);

        await Assert.ThrowsAsync<PrinterDeliveryException>(() => delivery.WaitAsync(Patience));
        Assert.Empty(Directory.GetFiles(_directory));
    }

    [Fact]
    public async Task Output_numbering_continues_after_existing_files()
    {
        await using (var first = await StartAsync(new SimulatorOptions { Name = "plotter", OutputDirectory = _directory }))
        {
            await SendAsync(first, [1]);
            await SendAsync(first, [2]);
        }

        await using var second = await StartAsync(new SimulatorOptions { Name = "plotter", OutputDirectory = _directory, KeepInMemory = false });
        await SendAsync(second, [3]);

        var job = Assert.Single(second.ReceivedJobs);
        Assert.Equal(3, job.Sequence);
        Assert.Null(job.Data);
        Assert.Equal(1, job.Length);
        Assert.Equal(["000001-plotter.prn", "000002-plotter.prn", "000003-plotter.prn"],
            Directory.GetFiles(_directory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal([3], await File.ReadAllBytesAsync(job.FilePath!));
    }

    [Fact]
    public async Task A_throwing_event_handler_does_not_break_the_printer()
    {
        await using var simulator = await StartAsync(new SimulatorOptions());
        simulator.JobReceived += _ => throw new InvalidOperationException("bad handler");
        var logged = new List<string>();
        simulator.Log += message => { lock (logged) { logged.Add(message); } };

        await SendAsync(simulator, [1]);
        await SendAsync(simulator, [2]);

        Assert.Equal(2, simulator.ReceivedJobs.Count);
        lock (logged)
        {
            Assert.Contains(logged, m => m.Contains("bad handler"));
        }
    }

    [Fact]
    public async Task Two_simulators_cannot_share_a_port()
    {
        await using var first = await StartAsync(new SimulatorOptions());
        await using var second = new AppSocketPrinterSimulator(new SimulatorOptions { Port = first.Port });

        await Assert.ThrowsAsync<InvalidOperationException>(() => second.StartAsync());
    }
}
