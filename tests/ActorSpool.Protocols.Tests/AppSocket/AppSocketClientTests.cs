using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using ActorSpool.Protocols.AppSocket;
using ActorSpool.Simulators;
using static ActorSpool.TestSupport.AppSocket.AppSocketTestSupport;

namespace ActorSpool.Protocols.Tests.AppSocket;

public sealed class AppSocketClientTests
{
    private static readonly AppSocketOptions Options = new()
    {
        ConnectTimeout = TimeSpan.FromSeconds(30),
        IdleTimeout = TimeSpan.FromSeconds(30),
        CloseWaitTimeout = TimeSpan.FromSeconds(60),
    };

    private static async Task<AppSocketPrinterSimulator> StartAsync(SimulatorOptions? options = null)
    {
        var simulator = new AppSocketPrinterSimulator(options ?? new SimulatorOptions());
        await simulator.StartAsync();
        return simulator;
    }

    [Fact]
    public async Task Several_documents_arrive_byte_exact_and_in_order()
    {
        await using var simulator = await StartAsync();
        var first = RandomBytes(10_000, 1);
        var empty = Array.Empty<byte>();
        var large = RandomBytes(3 * 1024 * 1024 + 17, 2);
        var last = "\u001b%-12345X@PJL EOJ\r\n"u8.ToArray();

        var sent = await AppSocketClient.SendAsync("127.0.0.1", simulator.Port,
            [Document(first), Document(empty), Document(large), Document(last)], Options with { BufferSize = 4096 }, CancellationToken.None);

        var expected = first.Concat(empty).Concat(large).Concat(last).ToArray();
        Assert.Equal(expected.LongLength, sent);
        var job = Assert.Single(await simulator.WaitForJobsAsync(1, Patience));
        Assert.Equal(expected.LongLength, job.Length);
        Assert.Equal(expected, job.Data);
    }

    [Fact]
    public async Task Delivery_completes_only_after_the_device_has_printed_and_closed()
    {
        var events = new ConcurrentQueue<string>();
        await using var simulator = await StartAsync(new SimulatorOptions { DelayPerJob = TimeSpan.FromMilliseconds(300) });
        simulator.JobReceived += _ => events.Enqueue("recorded by printer");

        await AppSocketClient.SendAsync("127.0.0.1", simulator.Port, [Document(RandomBytes(1000, 3))], Options, CancellationToken.None);
        events.Enqueue("delivered");

        Assert.Equal(["recorded by printer", "delivered"], events.ToArray());
    }

    [Fact]
    public async Task Delivery_waits_while_the_device_holds_the_connection_open()
    {
        using var recorded = new SemaphoreSlim(0);
        using var release = new SemaphoreSlim(0);
        await using var simulator = await StartAsync();
        simulator.JobReceived += _ =>
        {
            // The simulator closes the connection only after its handlers return.
            recorded.Release();
            release.Wait(Patience);
        };

        var delivery = AppSocketClient.SendAsync("127.0.0.1", simulator.Port, [Document(RandomBytes(5000, 4))], Options, CancellationToken.None);
        Assert.True(await recorded.WaitAsync(Patience));
        await Task.Delay(200); // give a premature completion a chance to show
        Assert.False(delivery.IsCompleted);

        release.Release();
        Assert.Equal(5000, await delivery.WaitAsync(Patience));
    }

    [Fact]
    public async Task Without_waiting_for_close_the_job_still_arrives()
    {
        await using var simulator = await StartAsync(new SimulatorOptions { DelayPerJob = TimeSpan.FromMilliseconds(200) });
        var data = RandomBytes(200_000, 5);

        await AppSocketClient.SendAsync("127.0.0.1", simulator.Port, [Document(data)], Options with { WaitForDeviceClose = false }, CancellationToken.None);

        var job = Assert.Single(await simulator.WaitForJobsAsync(1, Patience));
        Assert.Equal(data, job.Data);
    }

    [Fact]
    public async Task Nothing_listening_is_ConnectionRefused()
    {
        var port = UnusedPort();

        var error = await Assert.ThrowsAsync<PrinterDeliveryException>(() =>
            AppSocketClient.SendAsync("127.0.0.1", port, [Document([1, 2, 3])], Options, CancellationToken.None));

        Assert.Equal(DeliveryFailureKind.ConnectionRefused, error.Kind);
        Assert.Contains($"127.0.0.1:{port}", error.Message);
    }

    [Fact]
    public async Task Refusing_simulator_is_ConnectionRefused()
    {
        await using var simulator = await StartAsync(new SimulatorOptions { Fault = SimulatedFault.RefuseConnections });

        var error = await Assert.ThrowsAsync<PrinterDeliveryException>(() =>
            AppSocketClient.SendAsync("127.0.0.1", simulator.Port, [Document([1, 2, 3])], Options, CancellationToken.None));

        Assert.Equal(DeliveryFailureKind.ConnectionRefused, error.Kind);
    }

    [Fact]
    public async Task Hanging_device_after_a_small_job_is_CloseWaitTimeout()
    {
        await using var simulator = await StartAsync(new SimulatorOptions { Fault = SimulatedFault.HangAfterAccept });
        var shortTimeouts = Options with { IdleTimeout = TimeSpan.FromSeconds(60), CloseWaitTimeout = TimeSpan.FromMilliseconds(500) };

        var error = await Assert.ThrowsAsync<PrinterDeliveryException>(() =>
            AppSocketClient.SendAsync("127.0.0.1", simulator.Port, [Document(RandomBytes(1000, 6))], shortTimeouts, CancellationToken.None));

        Assert.Equal(DeliveryFailureKind.CloseWaitTimeout, error.Kind);
        Assert.Empty(simulator.ReceivedJobs);
    }

    [Fact]
    public async Task Silent_device_after_a_small_job_is_IdleTimeout_when_that_comes_first()
    {
        await using var simulator = await StartAsync(new SimulatorOptions { Fault = SimulatedFault.HangAfterAccept });
        var shortTimeouts = Options with { IdleTimeout = TimeSpan.FromMilliseconds(500), CloseWaitTimeout = TimeSpan.FromSeconds(60) };

        var error = await Assert.ThrowsAsync<PrinterDeliveryException>(() =>
            AppSocketClient.SendAsync("127.0.0.1", simulator.Port, [Document(RandomBytes(1000, 6))], shortTimeouts, CancellationToken.None));

        Assert.Equal(DeliveryFailureKind.IdleTimeout, error.Kind);
    }

    [Fact]
    public async Task Status_data_from_the_device_counts_as_progress_until_it_closes()
    {
        // A device that chats back (like PJL USTATUS) for longer than the idle timeout, then closes.
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var device = Task.Run(async () =>
        {
            using var connection = await listener.AcceptAsync();
            var buffer = new byte[1024];
            long received = 0;
            int n;
            while ((n = await connection.ReceiveAsync(buffer)) > 0)
            {
                received += n;
            }

            for (var i = 0; i < 25; i++)
            {
                await connection.SendAsync("@PJL USTATUS PAGE\r\n"u8.ToArray());
                await Task.Delay(100);
            }

            connection.Shutdown(SocketShutdown.Both);
            return received;
        });
        var options = Options with { IdleTimeout = TimeSpan.FromSeconds(2) };

        var sent = await AppSocketClient.SendAsync("127.0.0.1", port, [Document(RandomBytes(3000, 13))], options, CancellationToken.None);

        Assert.Equal(3000, sent);
        Assert.Equal(3000, await device.WaitAsync(Patience));
    }

    [Fact]
    public async Task Hanging_device_that_stops_reading_is_IdleTimeout()
    {
        await using var simulator = await StartAsync(new SimulatorOptions { Fault = SimulatedFault.HangAfterAccept });
        var shortTimeouts = Options with { IdleTimeout = TimeSpan.FromMilliseconds(500), CloseWaitTimeout = TimeSpan.FromMilliseconds(500) };

        // Far more than socket buffers hold, so a write blocks for good.
        var error = await Assert.ThrowsAsync<PrinterDeliveryException>(() =>
            AppSocketClient.SendAsync("127.0.0.1", simulator.Port, [LargeDocument(1L << 30)], shortTimeouts, CancellationToken.None));

        Assert.Equal(DeliveryFailureKind.IdleTimeout, error.Kind);
    }

    [Fact]
    public async Task Full_accept_queue_is_ConnectTimeout()
    {
        // A listener that never accepts: once its accept queue is full the OS drops further SYNs.
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var fillers = new List<Socket>();
        try
        {
            var options = Options with { ConnectTimeout = TimeSpan.FromMilliseconds(500) };
            PrinterDeliveryException? error = null;
            for (var i = 0; i < 16 && error is null; i++)
            {
                try
                {
                    var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    fillers.Add(filler);
                    using var connect = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
                    await filler.ConnectAsync(IPAddress.Loopback, port, connect.Token);
                }
                catch (OperationCanceledException)
                {
                    // The queue is full: the next delivery attempt must time out.
                    error = await Assert.ThrowsAsync<PrinterDeliveryException>(() =>
                        AppSocketClient.SendAsync("127.0.0.1", port, [Document([1])], options, CancellationToken.None));
                }
            }

            Assert.NotNull(error);
            Assert.Equal(DeliveryFailureKind.ConnectTimeout, error.Kind);
        }
        finally
        {
            fillers.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task Device_resetting_mid_job_is_a_PrinterDeliveryException()
    {
        await using var simulator = await StartAsync(new SimulatorOptions { Fault = SimulatedFault.ResetMidJob });

        var error = await Assert.ThrowsAsync<PrinterDeliveryException>(() =>
            AppSocketClient.SendAsync("127.0.0.1", simulator.Port, [LargeDocument(64L * 1024 * 1024)], Options, CancellationToken.None));

        Assert.Contains(error.Kind, new[] { DeliveryFailureKind.ConnectionReset, DeliveryFailureKind.Other });
        Assert.Empty(simulator.ReceivedJobs);
    }

    [Fact]
    public async Task Device_resetting_after_a_small_job_is_a_PrinterDeliveryException()
    {
        await using var simulator = await StartAsync(new SimulatorOptions { Fault = SimulatedFault.ResetMidJob });

        var error = await Assert.ThrowsAsync<PrinterDeliveryException>(() =>
            AppSocketClient.SendAsync("127.0.0.1", simulator.Port, [Document(RandomBytes(100, 7))], Options, CancellationToken.None));

        Assert.Contains(error.Kind, new[] { DeliveryFailureKind.ConnectionReset, DeliveryFailureKind.Other });
    }

    [Fact]
    public async Task Cancellation_stops_the_delivery_with_OperationCanceledException()
    {
        await using var simulator = await StartAsync(new SimulatorOptions { Fault = SimulatedFault.HangAfterAccept });
        using var cts = new CancellationTokenSource();

        var delivery = AppSocketClient.SendAsync("127.0.0.1", simulator.Port, [Document(RandomBytes(100, 8))], Options, cts.Token);
        await WaitUntilAsync(() => simulator.AcceptedConnections == 1, "the connection to be accepted");
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => delivery.WaitAsync(Patience));
    }

    [Fact]
    public async Task Unreadable_document_fails_the_delivery_and_the_device_records_nothing()
    {
        await using var simulator = await StartAsync();
        Func<CancellationToken, Task<Stream>> broken = _ => throw new IOException("spool file vanished");

        var error = await Assert.ThrowsAsync<PrinterDeliveryException>(() =>
            AppSocketClient.SendAsync("127.0.0.1", simulator.Port, [Document(RandomBytes(100_000, 9)), broken], Options, CancellationToken.None));

        Assert.Equal(DeliveryFailureKind.Other, error.Kind);
        Assert.True(error.IsDocumentFailure);
        Assert.Contains("document 2 of 2", error.Message);
        await WaitUntilAsync(() => simulator.AbortedConnections == 1, "the device to see the aborted connection");
        Assert.Empty(simulator.ReceivedJobs);
    }

    [Fact]
    public async Task Arguments_are_validated()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            AppSocketClient.SendAsync("127.0.0.1", 0, [], Options, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            AppSocketClient.SendAsync("127.0.0.1", 9100, [], Options with { BufferSize = 0 }, CancellationToken.None));
        await Assert.ThrowsAnyAsync<ArgumentException>(() =>
            AppSocketClient.SendAsync(" ", 9100, [], Options, CancellationToken.None));
    }
}
