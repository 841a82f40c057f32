using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace ActorSpool.Node.Ingress;

/// <summary>
/// Buffered reads from a client socket, each bounded by an idle timeout. Every failure on the client's side — reset,
/// timeout, the connection ending inside something announced — is an <see cref="IOException"/> (a
/// <see cref="ClientIdleException"/> for the timeout) and sets <see cref="ClientFailed"/>, so callers can tell the
/// client's fault from the spooler's. With a <see cref="MinDataRate"/>, a client that trickles (one byte every few
/// seconds keeps the idle timeout at bay) is dropped too: a <see cref="ClientTooSlowException"/>.
/// </summary>
internal sealed class SocketReader(Socket socket, TimeSpan idleTimeout, CancellationToken stop, MinDataRate? minDataRate = null)
{
    // Time spent waiting for the client's bytes (not the spooler's own work between reads), against the rate's budget.
    private TimeSpan _waited;

    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;
    private bool _eof;

    /// <summary>The client reset, vanished, went idle or ended the connection too early.</summary>
    public bool ClientFailed { get; private set; }

    /// <summary>Total bytes received.</summary>
    public long Received { get; private set; }

    /// <summary>Waits for data unless some is buffered; false when the client closed its side (end of stream).</summary>
    public async ValueTask<bool> HasDataAsync()
    {
        if (_start < _end)
        {
            return true;
        }

        return await FillAsync().ConfigureAwait(false) > 0;
    }

    /// <summary>The next byte, or -1 at the end of the stream.</summary>
    public async ValueTask<int> ReadByteAsync()
    {
        if (_start == _end && await FillAsync().ConfigureAwait(false) == 0)
        {
            return -1;
        }

        return _buffer[_start++];
    }

    /// <summary>
    /// Reads up to LF (dropped, as is a CR before it) as Latin-1. Throws <see cref="LineTooLongException"/> past
    /// <paramref name="maxLength"/> bytes and <see cref="IOException"/> if the stream ends inside the line.
    /// </summary>
    public async Task<string> ReadLineAsync(int maxLength, string what)
    {
        var line = new List<byte>();
        while (true)
        {
            var b = await ReadByteAsync().ConfigureAwait(false);
            if (b < 0)
            {
                throw Fail($"the connection ended inside {what} (no LF after {line.Count} bytes)");
            }

            if (b == '\n')
            {
                if (line.Count > 0 && line[^1] == '\r')
                {
                    line.RemoveAt(line.Count - 1);
                }

                return Encoding.Latin1.GetString(line.ToArray());
            }

            line.Add((byte)b);
            if (line.Count > maxLength)
            {
                throw new LineTooLongException($"{what} is longer than {maxLength} bytes");
            }
        }
    }

    /// <summary>Exactly <paramref name="count"/> bytes; <see cref="IOException"/> if the stream ends first.</summary>
    public async Task<byte[]> ReadExactAsync(int count, string what)
    {
        var result = new byte[count];
        var done = 0;
        while (done < count)
        {
            var n = await ReadAsync(result.AsMemory(done)).ConfigureAwait(false);
            if (n == 0)
            {
                throw Fail($"the connection ended after {done} of the {count} bytes announced for {what}");
            }

            done += n;
        }

        return result;
    }

    /// <summary>A stream of exactly the next <paramref name="count"/> bytes (an LPD file); it fails if the client stops early.</summary>
    public Stream OpenFixedLength(long count, string what) => new ReaderStream(this, count, what);

    /// <summary>A stream of everything up to the client's half-close (a raw job).</summary>
    public Stream OpenToEnd(string what) => new ReaderStream(this, null, what);

    private async ValueTask<int> ReadAsync(Memory<byte> destination)
    {
        if (_start == _end && await FillAsync().ConfigureAwait(false) == 0)
        {
            return 0;
        }

        var n = Math.Min(destination.Length, _end - _start);
        _buffer.AsMemory(_start, n).CopyTo(destination);
        _start += n;
        return n;
    }

    private async ValueTask<int> FillAsync()
    {
        if (_eof)
        {
            return 0;
        }

        _start = 0;
        _end = 0;
        var wait = idleTimeout;
        var rateBound = false;
        if (minDataRate is { } rate)
        {
            // The client may have waited the grace period plus the time its bytes so far earn at the minimum rate.
            var allowed = rate.Grace + TimeSpan.FromSeconds(Received / rate.BytesPerSecond) - _waited;
            if (allowed <= wait)
            {
                wait = allowed > TimeSpan.Zero ? allowed : TimeSpan.FromMilliseconds(1);
                rateBound = true;
            }
        }

        using var idle = CancellationTokenSource.CreateLinkedTokenSource(stop);
        idle.CancelAfter(wait);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var n = await socket.ReceiveAsync(_buffer.AsMemory(), SocketFlags.None, idle.Token).ConfigureAwait(false);
            _end = n;
            Received += n;
            _eof = n == 0;
            return n;
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            ClientFailed = true;
            if (rateBound)
            {
                throw new ClientTooSlowException(
                    $"the client sent {Received} bytes in {(_waited + Stopwatch.GetElapsedTime(started)).TotalSeconds:0.#} s, slower than the minimum of {minDataRate!.BytesPerSecond:0.#} bytes/s");
            }

            throw new ClientIdleException($"the client sent nothing for {idleTimeout.TotalSeconds:0.#} s");
        }
        catch (SocketException e)
        {
            ClientFailed = true;
            throw new IOException($"the connection failed: {e.Message}", e);
        }
        catch (ObjectDisposedException e)
        {
            ClientFailed = true;
            throw new IOException("the connection was closed", e);
        }
        finally
        {
            _waited += Stopwatch.GetElapsedTime(started);
        }
    }

    /// <summary>The client ended the connection where the protocol does not allow it: marks <see cref="ClientFailed"/>.</summary>
    public IOException Fail(string message)
    {
        ClientFailed = true;
        return new IOException(message);
    }

    /// <summary>Read-only, forward-only view of the reader: a fixed count, or to the end of the connection.</summary>
    private sealed class ReaderStream(SocketReader reader, long? length, string what) : Stream
    {
        private long _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (buffer.IsEmpty)
            {
                return 0;
            }

            if (length is { } total)
            {
                var remaining = total - _position;
                if (remaining <= 0)
                {
                    return 0;
                }

                if (buffer.Length > remaining)
                {
                    buffer = buffer[..(int)remaining];
                }
            }

            var n = await reader.ReadAsync(buffer).ConfigureAwait(false);
            if (n == 0 && length is { } announced)
            {
                throw reader.Fail($"the connection ended after {_position} of the {announced} bytes announced for {what}");
            }

            _position += n;
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) =>
            ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <summary>The client sent nothing for the idle timeout.</summary>
internal sealed class ClientIdleException(string message) : IOException(message);

/// <summary>The client sent slower than the listener's minimum data rate (a "slowloris").</summary>
internal sealed class ClientTooSlowException(string message) : IOException(message);

/// <summary>
/// The slowest a client may send: it may wait <paramref name="Grace"/> in all, plus 1/<paramref name="BytesPerSecond"/>
/// second for every byte it sent (as Kestrel's MinRequestBodyDataRate). Only time spent waiting for the client counts.
/// </summary>
public sealed record MinDataRate(double BytesPerSecond, TimeSpan Grace);

/// <summary>A command line longer than the protocol allows (garbage, most likely).</summary>
internal sealed class LineTooLongException(string message) : Exception(message);
