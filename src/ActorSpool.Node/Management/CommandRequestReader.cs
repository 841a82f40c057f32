using System.Text;
using System.Text.Json;
using ActorSpool.Contracts.Spoolctl;

namespace ActorSpool.Node.Management;

/// <summary>
/// Reads the command host's requests from a connection: UTF-8 lines of at most <see cref="CommandWire.MaxRequestLength"/>
/// bytes, each one JSON <see cref="CommandRequest"/>. Its own class so the fuzzer (tests/ActorSpool.Fuzz) reads requests
/// exactly as the node does. A line begun must end within <paramref name="requestTimeout"/> (a
/// <see cref="TimeoutException"/> otherwise); between lines a client may be silent as long as it likes (an open
/// spoolctl prompt).
/// </summary>
public sealed class CommandRequestReader(Stream stream, TimeSpan requestTimeout)
{
    private readonly byte[] _buffer = new byte[8192];
    private readonly MemoryStream _line = new();
    private int _start;
    private int _end;
    private long _lineStarted;

    /// <summary>A reader without a deadline for lines (tests, the fuzzer).</summary>
    public CommandRequestReader(Stream stream)
        : this(stream, Timeout.InfiniteTimeSpan)
    {
    }

    /// <summary>The next line without its line end, or null at the end of the connection.</summary>
    /// <exception cref="InvalidDataException">The line is longer than <see cref="CommandWire.MaxRequestLength"/> bytes.</exception>
    public async Task<string?> ReadLineAsync(CancellationToken ct)
    {
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            // The limit holds for a line whose end arrives in the same read too (it used to be checked only
            // between reads, so up to one buffer more got through).
            var end = newline >= 0 ? newline : _end;
            _line.Write(_buffer, _start, end - _start);
            if (_line.Length > CommandWire.MaxRequestLength)
            {
                throw new InvalidDataException($"request line longer than {CommandWire.MaxRequestLength} bytes");
            }
            if (newline >= 0)
            {
                _start = newline + 1;
                return Take();
            }
            _start = _end = 0;
            var read = await ReadAsync(ct);
            if (read == 0) return _line.Length > 0 ? Take() : null;
            _end = read;
        }
    }

    private async Task<int> ReadAsync(CancellationToken ct)
    {
        if (_line.Length == 0 || requestTimeout == Timeout.InfiniteTimeSpan)
        {
            var read = await stream.ReadAsync(_buffer, ct);
            if (_line.Length == 0) _lineStarted = System.Diagnostics.Stopwatch.GetTimestamp();
            return read;
        }
        var left = requestTimeout - System.Diagnostics.Stopwatch.GetElapsedTime(_lineStarted);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1));
        try
        {
            return await stream.ReadAsync(_buffer, deadline.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"a request line was not complete {requestTimeout.TotalSeconds:0.#} s after it began ({_line.Length} bytes)");
        }
    }

    /// <summary>Parses one request line; <paramref name="error"/> says what is wrong with one that is not a request.</summary>
    public static bool TryParse(string line, out CommandRequest request, out string error)
    {
        request = new CommandRequest();
        error = "";
        try
        {
            request = CommandWire.Deserialize<CommandRequest>(line) ?? throw new JsonException("null request");
            return true;
        }
        catch (JsonException e)
        {
            error = $"not a JSON request line: {e.Message}";
            return false;
        }
    }

    private string Take()
    {
        var text = Encoding.UTF8.GetString(_line.GetBuffer(), 0, (int)_line.Length).TrimEnd('\r');
        _line.SetLength(0);
        return text;
    }
}
