using ActorSpool.Protocols.Ipp;

namespace ActorSpool.Node.Ingress.Ipp;

/// <summary>
/// A request the service answers with an IPP error status. Thrown from deep inside the checks so each check stays
/// a straight line; <see cref="IppPrintService"/> turns it into the response.
/// </summary>
internal sealed class IppRequestException : Exception
{
    public IppRequestException(IppStatusCode status, string message, params IppAttribute[] unsupported)
        : base(message)
    {
        Status = status;
        Unsupported = unsupported;
    }

    public IppStatusCode Status { get; }

    /// <summary>Attributes (or values) to return in the unsupported-attributes group.</summary>
    public IReadOnlyList<IppAttribute> Unsupported { get; }

    public static IppRequestException BadRequest(string message) => new(IppStatusCode.ClientErrorBadRequest, message);

    public static IppRequestException NotFound(string message) => new(IppStatusCode.ClientErrorNotFound, message);

    public static IppRequestException NotSupported(string message, params IppAttribute[] unsupported) =>
        new(IppStatusCode.ClientErrorAttributesOrValuesNotSupported, message, unsupported);
}
