namespace ActorSpool.Node.Ingress.Ipp;

/// <summary>One printer URI scheme a queue is offered at, with its uri-security-supported and uri-authentication-supported values.</summary>
/// <param name="Scheme">ipp or ipps.</param>
/// <param name="Security">none or tls (RFC 8011 §5.4.3).</param>
/// <param name="Authentication">none, requesting-user-name or basic (RFC 8011 §5.4.2).</param>
public sealed record IppUriOffer(string Scheme, string Security, string Authentication)
{
    /// <summary>Plain ipp:// without logins: the client is who its requesting-user-name says.</summary>
    public static readonly IppUriOffer PlainAnonymous = new("ipp", "none", "requesting-user-name");
}

/// <summary>
/// The URIs the service hands out: the node's configured hostname (never the request's Host header, which the client
/// chooses) with the port the request came in on, in the scheme it came in with.
/// </summary>
internal sealed class IppUris(IppRequestContext context)
{
    public const string PrintersPath = "/printers/";
    public const string JobsPath = "/jobs/";
    public const string DefaultPrinterPath = "/ipp/print";

    private readonly string _authority = context.Authority;
    private readonly string _scheme = context.OverTls ? "ipps" : "ipp";

    /// <summary>The schemes printer-uri-supported lists: the request's own (<see cref="IppPublicAddress.OfferFor"/>).</summary>
    public IReadOnlyList<IppUriOffer> Offers { get; } = context.Offers ?? [IppUriOffer.PlainAnonymous];

    public string Printer(string queue) => $"{_scheme}://{_authority}{PrintersPath}{Uri.EscapeDataString(queue)}";

    public string Printer(string queue, string scheme) => $"{scheme}://{_authority}{PrintersPath}{Uri.EscapeDataString(queue)}";

    public string Job(long jobId) => $"{_scheme}://{_authority}{JobsPath}{jobId}";

    /// <summary>printer-more-info must be http(s): the queue's page (<see cref="Web.Console.QueuePage"/>) on the web (HTTP) port.</summary>
    public string PrinterMoreInfo(string queue) => $"http://{context.WebAuthority ?? _authority}{PrintersPath}{Uri.EscapeDataString(queue)}";
}
