using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace ActorSpool.TestSupport;

/// <summary>What <see cref="TcpFaultProxy"/> does to the connections through it.</summary>
public enum NetworkFault
{
    /// <summary>Bytes pass as they come.</summary>
    None,

    /// <summary>Every chunk is delivered <see cref="TcpFaultProxy.Latency"/> after it arrived, in order, both directions.</summary>
    Latency,

    /// <summary>Connections are accepted and kept, but nothing is forwarded either way until the fault ends.</summary>
    Hang,

    /// <summary>Open connections were reset (RST) when the fault began; new ones are reset at once.</summary>
    Reset,
}

/// <summary>
/// A TCP proxy on 127.0.0.1 in front of one target (a test's PostgreSQL) whose behaviour a test switches at run time:
/// pass-through, latency, hang (a stalled network: connections stay open, nothing moves, and what was held back moves
/// once it ends) or reset. Each direction of a connection is read at once and written by its own loop, so latency
/// delays every chunk by the same time without limiting throughput, and bytes keep their order.
/// </summary>
public sealed class TcpFaultProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly object _gate = new();
    private readonly HashSet<Link> _links = [];
    private readonly Task _acceptLoop;
    private NetworkFault _fault;
    private TimeSpan _latency;
    private TaskCompletionSource _flowing = NewFlowing(completed: true);
    private long _accepted;
    private long _reset;

    private TcpFaultProxy(TcpListener listener, IPEndPoint target)
    {
        _listener = listener;
        _target = target;
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>The proxy's port on 127.0.0.1.</summary>
    public int Port { get; }

    public NetworkFault Fault
    {
        get
        {
            lock (_gate) return _fault;
        }
    }

    /// <summary>The delay per direction while <see cref="NetworkFault.Latency"/> is on.</summary>
    public TimeSpan Latency
    {
        get
        {
            lock (_gate) return _latency;
        }
    }

    /// <summary>Connections accepted so far.</summary>
    public long AcceptedConnections => Interlocked.Read(ref _accepted);

    /// <summary>Connections this proxy reset (open ones when the reset began, and new ones during it).</summary>
    public long ResetConnections => Interlocked.Read(ref _reset);

    /// <summary>Connections currently open through the proxy.</summary>
    public int OpenConnections
    {
        get
        {
            lock (_gate) return _links.Count;
        }
    }

    /// <summary>Starts a proxy on a free port of 127.0.0.1 forwarding to <paramref name="targetPort"/> on 127.0.0.1.</summary>
    public static TcpFaultProxy Start(int targetPort)
    {
        const int attempts = 5;
        for (var attempt = 1; ; attempt++)
        {
            var listener = new TcpListener(IPAddress.Loopback, FreePort.Next());
            try
            {
                listener.Start();
                return new TcpFaultProxy(listener, new IPEndPoint(IPAddress.Loopback, targetPort));
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse && attempt < attempts)
            {
                listener.Stop();
            }
        }
    }

    /// <summary>Bytes pass unchanged again; whatever a hang held back is delivered now.</summary>
    public void PassThrough() => Switch(NetworkFault.None, TimeSpan.Zero);

    /// <summary>Every chunk arrives <paramref name="perDirection"/> late, in each direction (a round trip costs twice that).</summary>
    public void AddLatency(TimeSpan perDirection)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(perDirection, TimeSpan.Zero);
        Switch(NetworkFault.Latency, perDirection);
    }

    /// <summary>Nothing moves on open or new connections until another mode is chosen; connections stay open.</summary>
    public void Hang() => Switch(NetworkFault.Hang, TimeSpan.Zero);

    /// <summary>Resets (RST) every open connection, both sides, and every new one until another mode is chosen.</summary>
    public void Reset()
    {
        Link[] open;
        lock (_gate)
        {
            Switch(NetworkFault.Reset, TimeSpan.Zero);
            open = [.. _links];
        }
        foreach (var link in open)
        {
            if (link.Abort()) Interlocked.Increment(ref _reset);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Link[] open;
        lock (_gate)
        {
            open = [.. _links];
            _flowing.TrySetResult();
        }
        foreach (var link in open) link.Abort();
        try
        {
            await _acceptLoop;
        }
        catch (Exception)
        {
            // Stopping the listener ends the loop with an exception.
        }
        _stop.Dispose();
    }

    public override string ToString() => $"proxy 127.0.0.1:{Port} -> {_target} ({Fault})";

    private static TaskCompletionSource NewFlowing(bool completed)
    {
        var flowing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (completed) flowing.SetResult();
        return flowing;
    }

    private void Switch(NetworkFault fault, TimeSpan latency)
    {
        lock (_gate)
        {
            _fault = fault;
            _latency = latency;
            if (fault == NetworkFault.Hang)
            {
                if (_flowing.Task.IsCompleted) _flowing = NewFlowing(completed: false);
            }
            else
            {
                _flowing.TrySetResult();
            }
        }
    }

    /// <summary>Completes when nothing is hung (at once unless <see cref="NetworkFault.Hang"/> is on).</summary>
    private Task WhenFlowing()
    {
        lock (_gate) return _flowing.Task;
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            Interlocked.Increment(ref _accepted);
            Link? link = null;
            lock (_gate)
            {
                if (_fault != NetworkFault.Reset) _links.Add(link = new Link(this, client));
            }
            if (link is null)
            {
                ResetAndClose(client);
                Interlocked.Increment(ref _reset);
                continue;
            }
            _ = link.RunAsync();
        }
    }

    private static void ResetAndClose(Socket socket)
    {
        try
        {
            // Linger on with timeout 0: close sends RST instead of FIN.
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception)
        {
            // Already closed.
        }
        socket.Close();
    }

    /// <summary>One client connection and its connection to the target.</summary>
    private sealed class Link(TcpFaultProxy proxy, Socket client)
    {
        private readonly Socket _target = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        private int _closed;

        public async Task RunAsync()
        {
            try
            {
                // A connection made during a hang reaches the target only once the hang ends, like a SYN that got
                // through while nothing came back.
                await proxy.WhenFlowing();
                await _target.ConnectAsync(proxy._target, proxy._stop.Token);
                await Task.WhenAll(PumpAsync(client, _target), PumpAsync(_target, client));
                Close(reset: false);
            }
            catch (Exception)
            {
                // Either side failed or was reset: the other side learns it the same way.
                Abort();
            }
            finally
            {
                lock (proxy._gate) proxy._links.Remove(this);
            }
        }

        /// <summary>Resets both sides; false when the link was closed already.</summary>
        public bool Abort() => Close(reset: true);

        private bool Close(bool reset)
        {
            if (Interlocked.Exchange(ref _closed, 1) != 0) return false;
            if (reset)
            {
                ResetAndClose(client);
                ResetAndClose(_target);
            }
            else
            {
                client.Close();
                _target.Close();
            }
            return true;
        }

        /// <summary>One direction: read as fast as it comes, write each chunk when due (and not hung), then pass the end on.</summary>
        private async Task PumpAsync(Socket from, Socket to)
        {
            var chunks = Channel.CreateUnbounded<(byte[] Data, long DueTimestamp)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
            var writer = WriteAsync(chunks.Reader, to);
            try
            {
                var buffer = new byte[64 * 1024];
                while (true)
                {
                    var read = await from.ReceiveAsync(buffer, SocketFlags.None, proxy._stop.Token);
                    if (read == 0) break;
                    var due = Stopwatch.GetTimestamp() + (long)(proxy.Latency.TotalSeconds * Stopwatch.Frequency);
                    chunks.Writer.TryWrite((buffer[..read], due));
                }
                chunks.Writer.TryComplete();
            }
            catch (Exception e)
            {
                chunks.Writer.TryComplete(e);
            }
            await writer;
        }

        private async Task WriteAsync(ChannelReader<(byte[] Data, long DueTimestamp)> chunks, Socket to)
        {
            await foreach (var (data, due) in chunks.ReadAllAsync(proxy._stop.Token))
            {
                await proxy.WhenFlowing();
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                if (wait > TimeSpan.Zero) await Task.Delay(wait, proxy._stop.Token);
                await proxy.WhenFlowing();
                for (var sent = 0; sent < data.Length;)
                    sent += await to.SendAsync(data.AsMemory(sent), SocketFlags.None, proxy._stop.Token);
            }
            to.Shutdown(SocketShutdown.Send);
        }
    }
}
