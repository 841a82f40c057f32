using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ActorSpool.Node.Tests.Ingress;

/// <summary>
/// A byte-level LPD/raw client for the tests: sends exactly what a test says (also garbage and broken transfers)
/// and reads the server's one-octet acknowledgements. Every wait is bounded by <see cref="Patience"/>.
/// </summary>
internal sealed class WireClient : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private readonly Socket _socket;

    private WireClient(Socket socket) => _socket = socket;

    /// <param name="from">The client's own address (another loopback address, e.g. 127.0.0.2, is another client); any when null.</param>
    public static async Task<WireClient> ConnectAsync(int port, string host = "127.0.0.1", string? from = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (from is not null)
        {
            socket.Bind(new IPEndPoint(IPAddress.Parse(from), 0));
        }

        using var timeout = new CancellationTokenSource(Patience);
        await socket.ConnectAsync(IPAddress.Parse(host), port, timeout.Token);
        return new WireClient(socket);
    }

    public Socket Socket => _socket;

    public async Task SendAsync(byte[] data)
    {
        var memory = data.AsMemory();
        while (!memory.IsEmpty)
        {
            memory = memory[await _socket.SendAsync(memory, SocketFlags.None)..];
        }
    }

    public Task SendAsync(string ascii) => SendAsync(Encoding.ASCII.GetBytes(ascii));

    /// <summary>The next octet from the server, or -1 when it closed the connection (or reset it).</summary>
    public async Task<int> ReadAckAsync()
    {
        var buffer = new byte[1];
        using var timeout = new CancellationTokenSource(Patience);
        try
        {
            var n = await _socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            return n == 0 ? -1 : buffer[0];
        }
        catch (SocketException)
        {
            return -1;
        }
    }

    /// <summary>Everything the server sends until it closes (queue-state answers).</summary>
    public async Task<string> ReadToEndAsync()
    {
        var text = new MemoryStream();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(Patience);
        while (true)
        {
            var n = await _socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            if (n == 0)
            {
                return Encoding.Latin1.GetString(text.ToArray());
            }

            text.Write(buffer, 0, n);
        }
    }

    /// <summary>
    /// How the server ended the connection: true for a normal close (end of stream), false for a reset. Waits
    /// (bounded) until it ends; data the server sends first is skipped.
    /// </summary>
    public async Task<bool> EndsNormallyAsync()
    {
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(Patience);
        try
        {
            while (await _socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) > 0)
            {
            }

            return true;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
        {
            return false;
        }
    }

    /// <summary>The client's half-close: "that is all the data".</summary>
    public void HalfClose() => _socket.Shutdown(SocketShutdown.Send);

    /// <summary>Drops the connection with a TCP reset (a client that crashed or gave up mid-transfer).</summary>
    public void Reset()
    {
        _socket.LingerState = new LingerOption(true, 0);
        _socket.Close();
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>An LPD control file as BSD lpr writes it, for <paramref name="dataFiles"/> of job 7 from host "tester".</summary>
    public static byte[] ControlFile(string user, string? jobName, params string[] dataFiles)
    {
        var text = new StringBuilder($"Htester\nP{user}\n");
        if (jobName is not null)
        {
            text.Append($"J{jobName}\n");
        }

        foreach (var file in dataFiles)
        {
            text.Append($"l{file}\nU{file}\nN{file}.txt\n");
        }

        return Encoding.ASCII.GetBytes(text.ToString());
    }

    /// <summary>Sends one LPD file: subcommand line, expects the ack, the bytes and the zero octet. Returns the ack of the file.</summary>
    public async Task<int> SendFileAsync(byte subcommand, string name, byte[] content)
    {
        await SendAsync($"{(char)subcommand}{content.Length} {name}\n");
        var announced = await ReadAckAsync();
        if (announced != 0)
        {
            return announced;
        }

        await SendAsync([.. content, 0]);
        return await ReadAckAsync();
    }
}

/// <summary>Waits on conditions with a generous limit (a busy 2-core machine is slow, never wrong).</summary>
internal static class Wait
{
    public static async Task<T> ForAsync<T>(Func<Task<T>> probe, Func<T, bool> done, string what, TimeSpan? limit = null)
    {
        var deadline = DateTime.UtcNow + (limit ?? WireClient.Patience);
        while (true)
        {
            var value = await probe();
            if (done(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"gave up waiting for {what}; last seen: {Describe(value)}");
            }

            await Task.Delay(100);
        }
    }

    public static Task UntilAsync(Func<bool> condition, string what, TimeSpan? limit = null) =>
        ForAsync(() => Task.FromResult(condition()), done => done, what, limit);

    private static string Describe<T>(T value) => value switch
    {
        System.Collections.IEnumerable items and not string => string.Join(", ", items.Cast<object?>()),
        _ => value?.ToString() ?? "null",
    };
}
