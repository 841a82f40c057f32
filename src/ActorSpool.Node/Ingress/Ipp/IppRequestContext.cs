namespace ActorSpool.Node.Ingress.Ipp;

/// <summary>What the transport knows about a request that the IPP attributes do not carry.</summary>
/// <param name="Authority">
/// host:port of this node for the URIs it hands out (printer-uri-supported, job-uri and the like): the configured
/// hostname and the port the request came in on, never the request's Host header.
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
/// <param name="OverTls">The request came over TLS: the URIs handed back are ipps://.</param>
/// <param name="Offers">The printer URIs printer-uri-supported lists (the request's scheme); null = plain ipp:// only.</param>
/// <param name="WebAuthority">host:port of the queue pages (printer-more-info); null = <paramref name="Authority"/>.</param>
public sealed record IppRequestContext(
    string Authority,
    string ResourcePath = "/",
    string? AuthenticatedUser = null,
    bool Admin = false,
    bool OverTls = false,
    IReadOnlyList<IppUriOffer>? Offers = null,
    string? WebAuthority = null);
