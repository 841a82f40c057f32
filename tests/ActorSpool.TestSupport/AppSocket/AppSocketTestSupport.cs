using System.Net;
using System.Net.Sockets;

namespace ActorSpool.TestSupport.AppSocket;

/// <summary>Helpers shared by the AppSocket client and simulator tests.</summary>
public static class AppSocketTestSupport
{
    /// <summary>Generous limit for waiting on conditions; tests never assert on durations.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    public static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static Func<CancellationToken, Task<Stream>> Document(byte[] bytes) =>
        _ => Task.FromResult<Stream>(new MemoryStream(bytes, writable: false));

    /// <summary>A document of <paramref name="length"/> bytes produced on the fly (no allocation of the whole thing).</summary>
    public static Func<CancellationToken, Task<Stream>> LargeDocument(long length) =>
        _ => Task.FromResult<Stream>(new PatternStream(length));

    /// <summary>A loopback port with nothing listening on it (bound, then released).</summary>
    public static int UnusedPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    public static Task WaitUntilAsync(Func<bool> condition, string what) => Eventually.WaitUntilAsync(condition, what, Patience);

    /// <summary>A read-only stream of a repeating byte pattern.</summary>
    private sealed class PatternStream(long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = (int)Math.Min(buffer.Length, length - _position);
            for (var i = 0; i < n; i++)
            {
                buffer[i] = (byte)((_position + i) % 251);
            }

            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
