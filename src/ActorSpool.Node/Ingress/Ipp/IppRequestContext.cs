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
/// <param name="AuthenticatedUser">
/// The user who authenticated with HTTP Basic, or null: then the client is who its requesting-user-name says, as in
/// CUPS. When set, it replaces the request's requesting-user-name, so every operation (owner of a new job, who
/// cancels) sees the authenticated name.
/// </param>
/// <param name="Admin">The authenticated user is one of the node's admins (actorspool.security.admins).</param>
public sealed record IppRequestContext(string Authority, string ResourcePath = "/", string? AuthenticatedUser = null, bool Admin = false);
