using ActorSpool.Node.Security;

namespace ActorSpool.Node.Ingress.Ipp;

/// <summary>
/// How the node names itself in the URIs it hands out (the configured hostname, as CUPS's ServerName) and what its IPP
/// port offers: ipp:// and, with TLS, ipps://. Without one registered (tests' bare IPP servers) the URIs name the
/// local address the request came in on, plain ipp:// only.
/// </summary>
public sealed class IppPublicAddress(string hostname, bool tlsOffered, Func<(int Ipp, int Web)> ports)
{
    public string Hostname { get; } = hostname;

    public bool TlsOffered { get; } = tlsOffered;

    /// <summary>The IPP port, asked when needed: it may be chosen at bind time.</summary>
    public int IppPort => ports().Ipp;

    /// <summary>The port of the queue pages (the HTTP port), asked when needed: it may be chosen at bind time.</summary>
    public int WebPort => ports().Web;

    /// <summary>host or [v6-address], for host:port.</summary>
    public static string UriHost(string host) => host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]" : host;

    /// <summary>
    /// The printer URI of a request's connection, with its uri-security-supported and uri-authentication-supported,
    /// as cupsd answers: one URI, in the scheme the request came in with. (CUPS's lp joins a multi-valued
    /// printer-uri-supported into one string, "ipp://...,ipps://...", and then fails to print to it.) A URI where every
    /// request must log in says basic, others requesting-user-name (who the client says it is, as in CUPS's default
    /// policy; logging in stays possible).
    /// </summary>
    public static IppUriOffer OfferFor(bool overTls, SecuritySettings? security)
    {
        var authentication = security is { RequireAuthentication: true, UsersFile.Length: > 0 } ? "basic" : "requesting-user-name";
        return overTls ? new IppUriOffer("ipps", "tls", authentication) : new IppUriOffer("ipp", "none", authentication);
    }
}
