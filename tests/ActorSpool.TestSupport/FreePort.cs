using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ActorSpool.TestSupport;

/// <summary>Finds a currently free TCP port for a test server on loopback.</summary>
public static class FreePort
{
    private static readonly object Gate = new();
    private static readonly HashSet<int> HandedOut = [];
    private static readonly int EphemeralLow = ReadEphemeralLow();

    /// <summary>
    /// A free port below the kernel's ephemeral range, never the same twice in this process. Binding port 0 would
    /// give an ephemeral port, which any outgoing connection (to PostgreSQL, a printer, another node) may take
    /// between this call and the server's bind: the server then fails with "address in use" (seen in CI).
    /// </summary>
    public static int Next()
    {
        var floor = Math.Min(20000, EphemeralLow / 2);
        lock (Gate)
        {
            while (true)
            {
                var port = Random.Shared.Next(floor, EphemeralLow);
                if (HandedOut.Contains(port) || !IsFree(port)) continue;
                HandedOut.Add(port);
                return port;
            }
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var any = new TcpListener(IPAddress.Any, port);
            any.Start();
            any.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int ReadEphemeralLow()
    {
        try
        {
            var fields = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            return int.Parse(fields[0], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 32768; // not Linux: the usual default
        }
    }
}
