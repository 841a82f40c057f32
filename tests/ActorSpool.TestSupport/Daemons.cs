using System.Diagnostics;
using System.Net.Sockets;

namespace ActorSpool.TestSupport;

/// <summary>Small helpers for tests that start system daemons (D-Bus, avahi-daemon) for real.</summary>
public static class Daemons
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    /// <summary>True when something accepts connections on the Unix socket at <paramref name="path"/>.</summary>
    public static bool CanConnect(string path)
    {
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Polls <paramref name="condition"/> every 100 ms until it holds; <see cref="TimeoutException"/> naming <paramref name="what"/> after <see cref="Patience"/>.</summary>
    public static async Task WaitAsync(Func<Task<bool>> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > Patience) throw new TimeoutException($"Gave up waiting for {what}.");
            await Task.Delay(100);
        }
    }

    /// <summary>The full path of <paramref name="program"/> on PATH (or /usr/sbin, /sbin), else a clear "install PACKAGE" failure.</summary>
    public static string Require(string program, string package)
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Concat(["/usr/sbin", "/sbin"])
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);
        return path ?? throw new InvalidOperationException($"{program} is missing: install the Debian package {package} (test.sh does).");
    }
}
