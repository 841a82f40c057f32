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
}
