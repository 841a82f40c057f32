using System.Net;

namespace ActorSpool.Domain.Topology;

/// <summary>A physical (or simulated) print device.</summary>
/// <param name="Name">Unique printer name (lower case, see <see cref="TopologyLoader.NamePattern"/>).</param>
/// <param name="Uri">Device URI: socket://host:port, ipp://host/path, ipps://host/path or lpd://host/queue.</param>
/// <param name="FallbackUri">Optional second way to reach the same device, tried when <paramref name="Uri"/> fails.</param>
public sealed record PrinterDefinition(string Name, Uri Uri, Uri? FallbackUri)
{
    /// <summary>True for an AppSocket (JetDirect, raw port) device URI.</summary>
    public bool IsSocket => Uri.Scheme == TopologyLoader.SocketScheme;

    /// <summary>
    /// True for a socket:// printer on the loopback address (127.0.0.1, ::1 or localhost): the printers a
    /// node replaces with simulators when <see cref="SpoolTopology.DemoPrinters"/> is on.
    /// </summary>
    public bool IsLoopbackSocket =>
        IsSocket && (Uri.IsLoopback || (IPAddress.TryParse(Uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip)));
}
