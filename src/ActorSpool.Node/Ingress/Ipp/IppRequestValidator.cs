using ActorSpool.Protocols.Ipp;

namespace ActorSpool.Node.Ingress.Ipp;

/// <summary>The checks every request passes before its operation runs (RFC 8011 §4.1).</summary>
internal static class IppRequestValidator
{
    /// <summary>Throws <see cref="IppRequestException"/> for the first rule the request breaks.</summary>
    public static void Validate(IppMessage request)
    {
        // §4.1.8: the version is checked first, whatever else is wrong.
        if (!IppCapabilities.IsSupportedVersion(request.VersionMajor, request.VersionMinor))
            throw new IppRequestException(IppStatusCode.ServerErrorVersionNotSupported,
                $"IPP version {request.VersionMajor}.{request.VersionMinor} is not supported; use 1.1 or 2.0.");

        // §4.1.1: request-id is 1..2^31-1.
        if (request.RequestId <= 0)
            throw IppRequestException.BadRequest($"request-id must be between 1 and 2147483647, not {request.RequestId}.");

        ValidateCharsetAndLanguage(request);
        ValidateValueLengths(request);
    }

    /// <summary>RFC 8011 §5.1.2–5.1.3: name values are at most 255 octets, text values at most 1023.</summary>
    public const int MaxNameOctets = 255, MaxTextOctets = 1023;

    // A 64 KiB job-name or user name would otherwise be stored and echoed in every listing.
    private static void ValidateValueLengths(IppMessage request)
    {
        foreach (var attribute in request.Groups.SelectMany(g => g.Attributes))
        {
            foreach (var value in attribute.Values)
            {
                var limit = value.Tag switch
                {
                    IppTag.NameWithoutLanguage or IppTag.NameWithLanguage => MaxNameOctets,
                    IppTag.TextWithoutLanguage or IppTag.TextWithLanguage => MaxTextOctets,
                    _ => int.MaxValue,
                };
                if (limit == int.MaxValue || System.Text.Encoding.UTF8.GetByteCount(value.AsString()) <= limit) continue;
                throw new IppRequestException(IppStatusCode.ClientErrorRequestValueTooLong,
                    $"{attribute.Name} is longer than {limit} octets, the most RFC 8011 allows for a {(limit == MaxNameOctets ? "name" : "text")} value.");
            }
        }
    }

    /// <summary>
    /// The operation attributes this service does not know, for the unsupported-attributes group (§4.1.7: an
    /// unsupported operation attribute is ignored and returned with the out-of-band value 'unsupported').
    /// </summary>
    public static IEnumerable<IppAttribute> UnknownOperationAttributes(IppMessage request) =>
        request.Groups
            .Where(g => g.Tag == IppTag.OperationAttributes)
            .SelectMany(g => g.Attributes)
            .Where(a => !IppCapabilities.KnownOperationAttributes.Contains(a.Name))
            .Select(a => IppAttribute.Unsupported(a.Name));

    // §4.1.4: attributes-charset and attributes-natural-language are the first two operation attributes, in that order.
    private static void ValidateCharsetAndLanguage(IppMessage request)
    {
        var groups = request.Groups;
        if (groups.Count == 0 || groups[0].Tag != IppTag.OperationAttributes)
            throw IppRequestException.BadRequest("The request must start with the operation attributes group.");
        if (groups.Count(g => g.Tag == IppTag.OperationAttributes) > 1)
            throw IppRequestException.BadRequest("The request has more than one operation attributes group.");

        var attributes = groups[0].Attributes;
        if (attributes.Count < 2
            || attributes[0].Name != "attributes-charset"
            || attributes[1].Name != "attributes-natural-language")
            throw IppRequestException.BadRequest(
                "attributes-charset and attributes-natural-language must be the first two operation attributes.");

        var charset = attributes[0];
        if (charset.Tag != IppTag.Charset || charset.Values.Count != 1)
            throw IppRequestException.BadRequest("attributes-charset must be a single charset value.");
        var language = attributes[1];
        if (language.Tag != IppTag.NaturalLanguage || language.Values.Count != 1)
            throw IppRequestException.BadRequest("attributes-natural-language must be a single naturalLanguage value.");

        string name = charset.Value.AsString();
        if (!IppCapabilities.Charsets.Contains(name, StringComparer.OrdinalIgnoreCase))
            throw new IppRequestException(IppStatusCode.ClientErrorCharsetNotSupported,
                $"Charset '{name}' is not supported; use utf-8.", charset);
    }
}
