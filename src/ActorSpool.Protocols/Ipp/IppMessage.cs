namespace ActorSpool.Protocols.Ipp;

/// <summary>An IPP request or response: the 8-byte header plus attribute groups (RFC 8010 §3.1).</summary>
public sealed class IppMessage
{
    public byte VersionMajor { get; set; } = 2;

    public byte VersionMinor { get; set; } = 0;

    /// <summary>operation-id in a request, status-code in a response.</summary>
    public short Code { get; set; }

    public int RequestId { get; set; }

    public List<IppAttributeGroup> Groups { get; } = [];

    public IppOperation Operation => (IppOperation)Code;

    public IppStatusCode Status => (IppStatusCode)Code;

    public IppAttributeGroup? OperationAttributes => FindGroup(IppTag.OperationAttributes);

    public IppAttributeGroup? JobAttributes => FindGroup(IppTag.JobAttributes);

    /// <summary>First group with that delimiter tag, or null.</summary>
    public IppAttributeGroup? FindGroup(IppTag tag) => Groups.Find(g => g.Tag == tag);

    public IppAttribute? FindOperationAttribute(string name) => OperationAttributes?.Find(name);

    /// <summary>Appends a new, empty group and returns it.</summary>
    public IppAttributeGroup AddGroup(IppTag tag)
    {
        var group = new IppAttributeGroup(tag);
        Groups.Add(group);
        return group;
    }

    /// <summary>
    /// Starts a response to <paramref name="request"/>: same version and request-id, and an operation group holding
    /// the mandatory attributes-charset and attributes-natural-language plus an optional status-message.
    /// </summary>
    public static IppMessage CreateResponse(IppMessage request, IppStatusCode status, string? statusMessage = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var response = new IppMessage
        {
            VersionMajor = request.VersionMajor,
            VersionMinor = request.VersionMinor,
            Code = (short)status,
            RequestId = request.RequestId,
        };
        var operation = response.AddGroup(IppTag.OperationAttributes)
            .Add(IppAttribute.Charset("attributes-charset", "utf-8"))
            .Add(IppAttribute.NaturalLanguage("attributes-natural-language", "en"));
        if (statusMessage is not null)
            operation.Add(IppAttribute.Text("status-message", statusMessage));
        return response;
    }
}

/// <summary>Malformed IPP input; <see cref="Status"/> is the status-code the server should answer with.</summary>
public sealed class IppParseException : Exception
{
    public IppParseException(IppStatusCode status, string message) : base(message)
    {
        Status = status;
    }

    public IppStatusCode Status { get; }
}

/// <summary>A parsed message and the document data that followed its attribute section.</summary>
public sealed record IppReadResult(IppMessage Message, Stream Document);
