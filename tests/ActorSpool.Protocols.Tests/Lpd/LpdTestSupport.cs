using System.Net;
using System.Net.Sockets;
using System.Text;
using ActorSpool.Protocols.Lpd;
using ActorSpool.TestSupport;
using ActorSpool.TestSupport.Lpd;

namespace ActorSpool.Protocols.Tests.Lpd;

/// <summary>Helpers shared by the LPD client, simulator and real-server tests.</summary>
internal static class LpdTestSupport
{
    /// <summary>Generous limit for waiting on conditions; tests never assert on durations.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    public static readonly LpdJobInfo Info = new(123, "spoolhost", "alice", "quarterly report");

    public static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static LpdDocument Document(byte[] bytes, string? name = null) =>
        new(bytes.Length, _ => Task.FromResult<Stream>(new MemoryStream(bytes, writable: false)), name);

    /// <summary>A document of <paramref name="length"/> bytes of a repeating pattern, produced on the fly.</summary>
    public static LpdDocument PatternDocument(long length, string? name = null) =>
        new(length, _ => Task.FromResult<Stream>(new PatternStream(length)), name);

    public static byte PatternByte(long position) => PatternStream.PatternByte(position);

    /// <summary>A loopback port with nothing listening on it (bound, then released).</summary>
    public static int UnusedPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    public static Task WaitUntilAsync(Func<bool> condition, string what) => Eventually.WaitUntilAsync(condition, what, Patience);

    public static async Task<LpdPrinterSimulator> StartSimulatorAsync(LpdSimulatorOptions? options = null)
    {
        var simulator = new LpdPrinterSimulator(options ?? new LpdSimulatorOptions { Queues = ["lp", "raw"] });
        await simulator.StartAsync();
        return simulator;
    }

    /// <summary>A stream that fails after handing out <paramref name="goodBytes"/> bytes.</summary>
    public sealed class FailingStream(int goodBytes) : Stream
    {
        private int _given;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_given >= goodBytes)
            {
                throw new IOException("disk read error (simulated)");
            }

            var n = Math.Min(count, goodBytes - _given);
            Array.Fill(buffer, (byte)'x', offset, n);
            _given += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <summary>A hand-driven LPD client over a raw socket, for feeding the simulator exactly the bytes a test wants.</summary>
internal sealed class RawLpdConnection : IAsyncDisposable
{
    private readonly Socket _socket;

    private RawLpdConnection(Socket socket)
    {
        _socket = socket;
    }

    public static async Task<RawLpdConnection> ConnectAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, port);
        return new RawLpdConnection(socket);
    }

    public Task SendAsync(string ascii) => SendAsync(Encoding.ASCII.GetBytes(ascii));

    public async Task SendAsync(byte[] bytes)
    {
        var memory = bytes.AsMemory();
        while (!memory.IsEmpty)
        {
            memory = memory[await _socket.SendAsync(memory, SocketFlags.None)..];
        }
    }

    /// <summary>The next acknowledgement octet, or -1 when the server closed (or reset) the connection.</summary>
    public async Task<int> ReadAckAsync()
    {
        var one = new byte[1];
        using var cts = new CancellationTokenSource(LpdTestSupport.Patience);
        try
        {
            return await _socket.ReceiveAsync(one, SocketFlags.None, cts.Token) == 1 ? one[0] : -1;
        }
        catch (SocketException)
        {
            return -1;
        }
    }

    /// <summary>Everything the server sends until it closes.</summary>
    public async Task<string> ReadToEndAsync()
    {
        var all = new MemoryStream();
        var buffer = new byte[4096];
        using var cts = new CancellationTokenSource(LpdTestSupport.Patience);
        int n;
        while ((n = await _socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token)) > 0)
        {
            all.Write(buffer, 0, n);
        }

        return Encoding.ASCII.GetString(all.ToArray());
    }

    /// <summary>Sends a file subcommand (0x02 control, 0x03 data) and returns the acknowledgement.</summary>
    public async Task<int> AnnounceAsync(byte subcommand, long count, string name)
    {
        await SendAsync($"{(char)subcommand}{count} {name}\n");
        return await ReadAckAsync();
    }

    /// <summary>Sends the file's bytes plus the given terminator octet and returns the acknowledgement.</summary>
    public async Task<int> SendFileAsync(byte[] content, byte terminator = 0)
    {
        await SendAsync([.. content, terminator]);
        return await ReadAckAsync();
    }

    public void ShutdownSend() => _socket.Shutdown(SocketShutdown.Send);

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
