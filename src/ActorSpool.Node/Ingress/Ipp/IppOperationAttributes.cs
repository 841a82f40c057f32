using ActorSpool.Domain.Jobs;
using ActorSpool.Protocols.Ipp;

namespace ActorSpool.Node.Ingress.Ipp;

/// <summary>
/// Typed access to a request's operation attributes. A present attribute with the wrong syntax or several values
/// where one is expected is a malformed request (client-error-bad-request), so callers only see well-typed values.
/// </summary>
internal static class IppOperationAttributes
{
    private static readonly IppTag[] NameTags =
        [IppTag.NameWithoutLanguage, IppTag.NameWithLanguage, IppTag.TextWithoutLanguage, IppTag.TextWithLanguage];

    public static string? Name(IppMessage request, string name) => Single(request, name, NameTags)?.AsString();

    public static string? Keyword(IppMessage request, string name) => Single(request, name, IppTag.Keyword)?.AsString();

    public static string? Uri(IppMessage request, string name) => Single(request, name, IppTag.Uri)?.AsString();

    public static string? MimeType(IppMessage request, string name) =>
        Single(request, name, IppTag.MimeMediaType)?.AsString();

    public static int? Integer(IppMessage request, string name) => Single(request, name, IppTag.Integer)?.AsInt();

    /// <summary>An integer that CUPS sends as an enum (printer-type, printer-type-mask) and other clients as an integer.</summary>
    public static int? IntegerOrEnum(IppMessage request, string name) => Single(request, name, IppTag.Integer, IppTag.Enum)?.AsInt();

    public static bool? Boolean(IppMessage request, string name) => Single(request, name, IppTag.Boolean)?.AsBool();

    /// <summary>All values of a 1setOf keyword attribute (e.g. requested-attributes), or null when absent.</summary>
    public static IReadOnlyList<string>? Keywords(IppMessage request, string name)
    {
        var attribute = request.FindOperationAttribute(name);
        if (attribute is null)
            return null;
        if (attribute.Values.Any(v => v.Tag != IppTag.Keyword))
            throw IppRequestException.BadRequest($"{name} must hold keyword values.");
        return attribute.Values.Select(v => v.AsString()).ToArray();
    }

    private static IppValue? Single(IppMessage request, string name, params IppTag[] tags)
    {
        var attribute = request.FindOperationAttribute(name);
        if (attribute is null)
            return null;
        if (attribute.Values.Count != 1)
            throw IppRequestException.BadRequest($"{name} must have exactly one value.");
        if (!tags.Contains(attribute.Tag))
            throw IppRequestException.BadRequest(
                $"{name} has the wrong syntax ({attribute.Tag}); expected {string.Join(" or ", tags)}.");
        return attribute.Value;
    }

    /// <summary>Replaces requesting-user-name with the authenticated <paramref name="user"/> (what CUPS does too).</summary>
    public static void SetRequestingUser(IppMessage request, string user)
    {
        var operation = request.FindGroup(IppTag.OperationAttributes)!; // the validator requires the group
        operation.Attributes.RemoveAll(a => a.Name == "requesting-user-name");
        operation.Attributes.Add(IppAttribute.NameWithoutLanguage("requesting-user-name", user));
    }

    /// <summary>
    /// Who asks, for the queue's rules: the authenticated user (an admin or not), else whoever requesting-user-name
    /// claims to be, as in CUPS.
    /// </summary>
    public static Requester RequesterOf(IppMessage request, IppRequestContext context) => context.AuthenticatedUser is { } user
        ? new Requester(user, Authenticated: true, context.Admin)
        : Requester.Claiming(RequestingUser(request));

    /// <summary>requesting-user-name (the authenticated user's name when there is one), or "anonymous" when the client gave none.</summary>
    public static string RequestingUser(IppMessage request) =>
        Name(request, "requesting-user-name") is { Length: > 0 } user ? user : "anonymous";
}
