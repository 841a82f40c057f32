using System.Net;
using System.Net.Sockets;

namespace ActorSpool.TestSupport;

/// <summary>Finds a currently free TCP port on 127.0.0.1.</summary>
public static class FreePort
{
    /// <summary>
    /// Binds 127.0.0.1:0, reads the port the OS picked and releases it again. Another process may grab the port
    /// before the caller binds it; callers that start servers should retry with a new port on "address in use".
    /// </summary>
    public static int Next()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }
}
