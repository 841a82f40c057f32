using ActorSpool.Protocols.Ipp;

namespace ActorSpool.Node.Ingress.Ipp;

/// <summary>The attribute groups of RFC 8011 §4.2.5.1 that requested-attributes may name instead of attributes.</summary>
internal static class AttributeGroups
{
    public const string All = "all";
    public const string JobTemplate = "job-template";
    public const string JobDescription = "job-description";
    public const string PrinterDescription = "printer-description";
}

/// <summary>The requested-attributes of a request: names, group names and 'all'.</summary>
internal sealed class RequestedAttributes
{
    private readonly HashSet<string> _names;

    private RequestedAttributes(IEnumerable<string> names) => _names = new HashSet<string>(names, StringComparer.Ordinal);

    public static RequestedAttributes Of(params string[] names) => new(names);

    /// <summary>requested-attributes of the request, or <paramref name="defaults"/> when it has none.</summary>
    public static RequestedAttributes From(IppMessage request, params string[] defaults) =>
        new(IppOperationAttributes.Keywords(request, "requested-attributes") ?? defaults);

    /// <summary>
    /// True when the attribute was asked for by name, through its group or through 'all'. Some attributes are
    /// large or costly (media-col-database) and are returned only when named (<paramref name="explicitOnly"/>).
    /// </summary>
    public bool Includes(string name, string group, bool explicitOnly = false) =>
        _names.Contains(name) || (!explicitOnly && (_names.Contains(AttributeGroups.All) || _names.Contains(group)));
}
