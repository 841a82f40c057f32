namespace ActorSpool.Node.Ingress.Ipp;

/// <summary>What the transport knows about a request that the IPP attributes do not carry.</summary>
/// <param name="Authority">
/// host:port the client addressed (the HTTP Host header), used to build printer-uri-supported, job-uri and the like,
/// so the URIs the client gets back are ones it can reach.
/// </param>
/// <param name="ResourcePath">
/// The HTTP path the request was posted to (/printers/NAME, /ipp/print or /); it names the queue when the
/// printer-uri attribute does not (e.g. ipp://host/).
/// </param>
public sealed record IppRequestContext(string Authority, string ResourcePath = "/");
