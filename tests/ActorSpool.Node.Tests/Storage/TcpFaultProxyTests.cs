using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ActorSpool.TestSupport;

namespace ActorSpool.Node.Tests.Storage;

/// <summary>The fault proxy the database network tests rely on, against a local echo server: each mode does what it says.</summary>
public sealed class TcpFaultProxyTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly EchoServer _echo = new();
    private TcpFaultProxy _proxy = null!;

    public Task InitializeAsync()
    {
        _proxy = TcpFaultProxy.Start(_echo.Port);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        _echo.Dispose();
    }

    [Fact]
    public async Task Pass_through_forwards_a_megabyte_both_ways_unchanged()
    {
        using var client = await ConnectAsync();
        var payload = PatternBytes(1024 * 1024);

        var echoed = await RoundTripAsync(client, payload);

        Assert.Equal(payload, echoed);
    }

    [Fact]
    public async Task Latency_delays_each_direction_and_keeps_the_bytes_in_order()
    {
        var latency = TimeSpan.FromMilliseconds(300);
        _proxy.AddLatency(latency);
        using var client = await ConnectAsync();
        var payload = PatternBytes(256 * 1024);

        var clock = Stopwatch.StartNew();
        var echoed = await RoundTripAsync(client, payload);

        // A lower bound only: the bytes cannot come back sooner than there and back again, however slow the machine.
        Assert.True(clock.Elapsed >= 2 * latency, $"round trip took {clock.Elapsed.TotalMilliseconds:0} ms with {latency.TotalMilliseconds:0} ms per direction");
        Assert.Equal(payload, echoed);
    }

    [Fact]
    public async Task Hang_holds_everything_on_open_and_new_connections_until_it_ends_then_delivers_it()
    {
        using var open = await ConnectAsync();
        Assert.Equal([1, 2, 3], await RoundTripAsync(open, [1, 2, 3]));

        _proxy.Hang();
        using var fresh = await ConnectAsync();
        await open.SendAsync(new byte[] { 4, 5 });
        await fresh.SendAsync(new byte[] { 6 });

        Assert.False(await AnythingArrivesAsync(open, TimeSpan.FromSeconds(1)));
        Assert.False(await AnythingArrivesAsync(fresh, TimeSpan.FromSeconds(1)));
        Assert.Equal(2, _proxy.OpenConnections);

        _proxy.PassThrough();
        Assert.Equal([4, 5], await ReceiveExactlyAsync(open, 2));
        Assert.Equal([6], await ReceiveExactlyAsync(fresh, 1));
    }

    [Fact]
    public async Task Reset_resets_open_and_new_connections_and_pass_through_works_again()
    {
        using var open = await ConnectAsync();
        Assert.Equal([1], await RoundTripAsync(open, [1]));

        _proxy.Reset();
        Assert.Equal(SocketError.ConnectionReset, await ReadErrorAsync(open));
        Assert.Equal(SocketError.ConnectionReset, await NewConnectionErrorAsync());
        await Eventually.WaitUntilAsync(() => _proxy.ResetConnections == 2, "the proxy counts both resets");

        _proxy.PassThrough();
        using var after = await ConnectAsync();
        Assert.Equal([7, 8], await RoundTripAsync(after, [7, 8]));
    }

    private async Task<Socket> ConnectAsync()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, _proxy.Port);
        return socket;
    }

    private static byte[] PatternBytes(int length) => [.. Enumerable.Range(0, length).Select(i => (byte)(i * 31 + i / 251))];

    private static async Task<byte[]> RoundTripAsync(Socket socket, byte[] payload)
    {
        var receiving = ReceiveExactlyAsync(socket, payload.Length);
        await socket.SendAsync(payload);
        return await receiving;
    }

    private static async Task<byte[]> ReceiveExactlyAsync(Socket socket, int length)
    {
        using var timeout = new CancellationTokenSource(Patience);
        var received = new byte[length];
        for (var at = 0; at < length;)
        {
            var read = await socket.ReceiveAsync(received.AsMemory(at), SocketFlags.None, timeout.Token);
            if (read == 0) throw new IOException($"connection closed after {at} of {length} bytes");
            at += read;
        }
        return received;
    }

    private static async Task<bool> AnythingArrivesAsync(Socket socket, TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        try
        {
            return await socket.ReceiveAsync(new byte[1], SocketFlags.None, timeout.Token) > 0;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>The reset reaches a new connection while it connects or at its first read, whichever the kernel makes it.</summary>
    private async Task<SocketError> NewConnectionErrorAsync()
    {
        try
        {
            using var socket = await ConnectAsync();
            return await ReadErrorAsync(socket);
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode;
        }
    }

    private static async Task<SocketError> ReadErrorAsync(Socket socket)
    {
        using var timeout = new CancellationTokenSource(Patience);
        try
        {
            var read = await socket.ReceiveAsync(new byte[16], SocketFlags.None, timeout.Token);
            throw new Xunit.Sdk.XunitException($"expected a reset, read {read} bytes");
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode;
        }
    }

    /// <summary>Sends back whatever it receives, per connection, until the client closes.</summary>
    private sealed class EchoServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, FreePort.Next());

        public EchoServer()
        {
            _listener.Start();
            _ = AcceptLoopAsync();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public void Dispose() => _listener.Stop();

        private async Task AcceptLoopAsync()
        {
            while (true)
            {
                Socket socket;
                try
                {
                    socket = await _listener.AcceptSocketAsync();
                }
                catch (Exception)
                {
                    return;
                }
                _ = EchoAsync(socket);
            }
        }

        private static async Task EchoAsync(Socket socket)
        {
            using (socket)
            {
                var buffer = new byte[64 * 1024];
                try
                {
                    int read;
                    while ((read = await socket.ReceiveAsync(buffer)) > 0)
                        await socket.SendAsync(buffer.AsMemory(0, read));
                }
                catch (SocketException)
                {
                    // The proxy reset the connection.
                }
            }
        }
    }
}
