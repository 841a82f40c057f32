using System.Net;

namespace ActorSpool.Domain.Topology;

/// <summary>A physical (or simulated) print device.</summary>
/// <param name="Name">Unique printer name (lower case, see <see cref="TopologyLoader.NamePattern"/>).</param>
/// <param name="Uri">Device URI: socket://host:port, ipp://host/path, ipps://host/path or lpd://host/queue.</param>
/// <param name="FallbackUri">The first further way to reach the same device (the first of <see cref="FallbackUris"/>).</param>
public sealed record PrinterDefinition(string Name, Uri Uri, Uri? FallbackUri)
{
    /// <summary>Every further way to reach the device, in the order they are tried when the ones before fail (any protocol).</summary>
    public IReadOnlyList<Uri> FallbackUris { get; init; } = FallbackUri is null ? [] : [FallbackUri];

    /// <summary>Keep submission order across every queue that uses the printer (<c>sequential = on</c>), as SAP's device flag.</summary>
    public bool Sequential { get; init; }

    /// <summary>The site whose nodes deliver to the printer (<c>site</c>); null: its queue's site, if any.</summary>
    public string? Site { get; init; }

    /// <summary>The site that delivers while no node of <see cref="Site"/> is in the cluster (<c>alternate-site</c>).</summary>
    public string? AlternateSite { get; init; }

    /// <summary>The device's paths in order: <see cref="Uri"/>, then <see cref="FallbackUris"/>.</summary>
    public IReadOnlyList<Uri> Paths => [Uri, .. FallbackUris];

    /// <summary>True for an AppSocket (JetDirect, raw port) device URI.</summary>
    public bool IsSocket => Uri.Scheme == TopologyLoader.SocketScheme;

    /// <summary>
    /// True for a socket:// printer on the loopback address (127.0.0.1, ::1 or localhost): the printers a
    /// node replaces with simulators when <see cref="SpoolTopology.DemoPrinters"/> is on.
    /// </summary>
    public bool IsLoopbackSocket =>
        IsSocket && (Uri.IsLoopback || (IPAddress.TryParse(Uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip)));
}
