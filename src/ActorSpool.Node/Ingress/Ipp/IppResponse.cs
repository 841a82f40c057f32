using ActorSpool.Protocols.Ipp;

namespace ActorSpool.Node.Ingress.Ipp;

/// <summary>
/// The response being assembled by an operation: status, message, unsupported attributes and the result groups.
/// Kept apart from <see cref="IppMessage"/> so the RFC 8010 group order (operation, unsupported, results) and the
/// "ignored attributes downgrade successful-ok" rule are applied in one place.
/// </summary>
internal sealed class IppResponse
{
    public IppStatusCode Status { get; set; } = IppStatusCode.SuccessfulOk;

    public string? StatusMessage { get; set; }

    public List<IppAttribute> Unsupported { get; } = [];

    public List<IppAttributeGroup> Groups { get; } = [];

    public IppMessage ToMessage(byte versionMajor, byte versionMinor, int requestId)
    {
        var status = Status == IppStatusCode.SuccessfulOk && Unsupported.Count > 0
            ? IppStatusCode.SuccessfulOkIgnoredOrSubstitutedAttributes
            : Status;
        var header = new IppMessage { VersionMajor = versionMajor, VersionMinor = versionMinor, RequestId = requestId };
        var message = IppMessage.CreateResponse(header, status, StatusMessage);

        // RFC 8011 §4.1.8: answer an unsupported version with the closest one we speak.
        if (!IppCapabilities.IsSupportedVersion(versionMajor, versionMinor))
            (message.VersionMajor, message.VersionMinor) = versionMajor == 2 ? ((byte)2, (byte)0) : ((byte)1, (byte)1);

        if (Unsupported.Count > 0)
            message.AddGroup(IppTag.UnsupportedAttributes).Attributes.AddRange(Unsupported);
        message.Groups.AddRange(Groups);
        return message;
    }

    public static IppResponse Error(IppStatusCode status, string message, IEnumerable<IppAttribute>? unsupported = null)
    {
        var response = new IppResponse { Status = status, StatusMessage = message };
        if (unsupported is not null)
            response.Unsupported.AddRange(unsupported);
        return response;
    }
}
