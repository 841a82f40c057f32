using ActorSpool.Domain.Jobs;
using ActorSpool.Protocols.Ipp;
using C = ActorSpool.Node.Ingress.Ipp.IppCapabilities;

namespace ActorSpool.Node.Ingress.Ipp;

/// <summary>What a Print-Job / Validate-Job / Create-Job asks for, after validation.</summary>
/// <param name="Priority">job-priority, or null for the queue's default.</param>
/// <param name="HoldUntil">job-hold-until (but no-hold) or job-hold-until-time; null: print when ready.</param>
/// <param name="Copies">
/// copies (RFC 8011 §5.2.5), one when not asked, and multiple-document-handling (§5.2.4): uncollated for
/// separate-documents-uncollated-copies, collated by default.
/// </param>
/// <param name="Compression">The compression keyword the document is sent with: none, deflate or gzip.</param>
internal sealed record JobTicket(
    string Owner, string Name, string? DocumentName, string Format, int? Priority, JobHold? HoldUntil, Copies Copies,
    string Compression = "none");

/// <summary>The document a Print-Job or Send-Document carries: document-name, document-format and compression.</summary>
internal sealed record DocumentTicket(string? Name, string Format, string Compression);

/// <summary>
/// Reads and checks the operation and job template attributes of a job creation request (RFC 8011 §4.2.1.1,
/// §5.2). Hard errors throw <see cref="IppRequestException"/>; template attributes or values we do not support are
/// ignored and reported, unless ipp-attribute-fidelity is true, in which case the request is refused.
/// </summary>
internal static class JobTicketReader
{
    private static readonly IppTag[] KeywordOrName = [IppTag.Keyword, IppTag.NameWithoutLanguage, IppTag.NameWithLanguage];

    /// <summary>Template attributes we accept (and may ignore the effect of), with the values we accept.</summary>
    private static readonly Dictionary<string, Func<IppAttribute, bool>> Accepted = new(StringComparer.Ordinal)
    {
        ["media"] = a => IsOneOf(a, KeywordOrName, C.Media.Select(m => m.Keyword)),
        ["media-col"] = a => a is { Values.Count: 1, Tag: IppTag.BegCollection },
        ["sides"] = a => IsOneOf(a, [IppTag.Keyword], C.Sides),
        ["print-color-mode"] = a => IsOneOf(a, [IppTag.Keyword], C.PrintColorModes),
        ["job-sheets"] = a => IsOneOf(a, KeywordOrName, C.JobSheets),
        ["output-bin"] = a => IsOneOf(a, KeywordOrName, C.OutputBins),
        ["orientation-requested"] = a => IsEnumOf(a, C.Orientations),
        ["print-quality"] = a => IsEnumOf(a, C.PrintQualities),
        ["finishings"] = a => a.Values.All(v => v.Tag == IppTag.Enum && C.Finishings.Contains(v.AsInt())),
        ["number-up"] = a => IsIntegerIn(a, 1, 1),
        ["printer-resolution"] = a => a is { Values.Count: 1, Tag: IppTag.Resolution, Value.Value: IppResolution r }
            && C.Resolutions.Contains(r),
    };

    /// <summary>
    /// Validates the request; attributes to report as ignored are added to <paramref name="unsupported"/>.
    /// </summary>
    public static JobTicket Read(IppMessage request, List<IppAttribute> unsupported)
    {
        string owner = IppOperationAttributes.RequestingUser(request);
        var document = ReadDocument(request);
        string name = IppOperationAttributes.Name(request, "job-name") is { Length: > 0 } jobName ? jobName
            : document.Name is { Length: > 0 } ? document.Name
            : "Untitled";
        bool fidelity = IppOperationAttributes.Boolean(request, "ipp-attribute-fidelity") ?? false;

        int? priority = null;
        JobHold? hold = null;
        IppAttribute? holdUntil = null, holdUntilTime = null;
        int copies = 1;
        bool uncollated = false;
        var ignored = new List<IppAttribute>();
        foreach (var attribute in request.Groups.Where(g => g.Tag == IppTag.JobAttributes).SelectMany(g => g.Attributes))
        {
            switch (attribute.Name)
            {
                case "job-priority":
                    priority = IsIntegerIn(attribute, 1, 100) ? attribute.Value.AsInt()
                        : throw IppRequestException.NotSupported("job-priority must be an integer from 1 to 100.", attribute);
                    break;
                case "copies":
                    copies = IsIntegerIn(attribute, 1, C.MaxCopies) ? attribute.Value.AsInt()
                        : throw IppRequestException.NotSupported($"copies must be an integer from 1 to {C.MaxCopies}.", attribute);
                    break;
                case "multiple-document-handling":
                    if (IsOneOf(attribute, [IppTag.Keyword], C.MultipleDocumentHandling))
                        uncollated = attribute.Value.AsString() == C.UncollatedCopies;
                    else
                        ignored.Add(attribute);
                    break;
                case "job-hold-until":
                    if (IsOneOf(attribute, KeywordOrName, C.HoldUntil))
                        (holdUntil, hold) = (attribute, HoldOf(attribute.Value.AsString()));
                    else
                        ignored.Add(attribute);
                    break;
                case "job-hold-until-time":
                    if (attribute is { Values.Count: 1, Tag: IppTag.DateTime, Value.Value: DateTimeOffset time })
                        (holdUntilTime, hold) = (attribute, JobHold.At(time));
                    else
                        ignored.Add(attribute);
                    break;
                default:
                    if (!Accepted.TryGetValue(attribute.Name, out var accepts))
                        ignored.Add(IppAttribute.Unsupported(attribute.Name)); // §4.1.7: unknown name → 'unsupported'
                    else if (!accepts(attribute))
                        ignored.Add(attribute); // known name, unsupported value(s): return them as sent
                    break;
            }
        }

        // CUPS takes job-hold-until from the operation group too, and its ipptool tests send it there.
        if (holdUntil is null && request.FindOperationAttribute("job-hold-until") is { } operationHold)
        {
            if (IsOneOf(operationHold, KeywordOrName, C.HoldUntil))
                (holdUntil, hold) = (operationHold, HoldOf(operationHold.Value.AsString()));
            else
                ignored.Add(operationHold);
        }
        if (holdUntil is not null && holdUntilTime is not null)
            throw new IppRequestException(IppStatusCode.ClientErrorConflictingAttributes,
                "job-hold-until and job-hold-until-time both say when to print: send one of them.", holdUntil, holdUntilTime);
        if (fidelity && ignored.Count > 0)
            throw IppRequestException.NotSupported(
                "ipp-attribute-fidelity is true and these job attributes or values are not supported: "
                + string.Join(", ", ignored.Select(a => a.Name)) + ".",
                [.. ignored]);
        unsupported.AddRange(ignored);
        return new JobTicket(owner, name, document.Name, document.Format, priority, hold, new Copies(copies, uncollated), document.Compression);
    }

    /// <summary>document-name, document-format and compression of a Print-Job or Send-Document.</summary>
    public static DocumentTicket ReadDocument(IppMessage request) =>
        new(IppOperationAttributes.Name(request, "document-name"), ReadDocumentFormat(request), ReadCompression(request));

    /// <summary>
    /// job-hold-until as an operation attribute (Hold-Job, Restart-Job; RFC 8011 §4.3.5, §4.3.7): null when absent
    /// (Hold-Job then holds indefinitely), a hold otherwise; unsupported values are refused.
    /// </summary>
    public static JobHold? ReadHoldOperationAttribute(IppMessage request)
    {
        var attribute = request.FindOperationAttribute("job-hold-until");
        if (attribute is null)
            return null;
        if (!IsOneOf(attribute, KeywordOrName, C.HoldUntil))
            throw IppRequestException.NotSupported(
                $"job-hold-until must be one of {string.Join(", ", C.HoldUntil)}.", attribute);
        return new JobHold(attribute.Value.AsString(), null);
    }

    private static JobHold? HoldOf(string keyword) => keyword == HoldUntil.NoHold ? null : new JobHold(keyword, null);

    private static string ReadDocumentFormat(IppMessage request)
    {
        var requested = IppOperationAttributes.MimeType(request, "document-format");
        if (requested is null)
            return C.DefaultDocumentFormat;
        return C.DocumentFormats.FirstOrDefault(f => f.Equals(requested, StringComparison.OrdinalIgnoreCase))
            ?? throw new IppRequestException(IppStatusCode.ClientErrorDocumentFormatNotSupported,
                $"Document format '{requested}' is not supported; supported: {string.Join(", ", C.DocumentFormats)}.",
                IppAttribute.MimeMediaType("document-format", requested));
    }

    private static string ReadCompression(IppMessage request)
    {
        var compression = IppOperationAttributes.Keyword(request, "compression");
        if (compression is null)
            return "none";
        if (!C.Compressions.Contains(compression))
            throw new IppRequestException(IppStatusCode.ClientErrorCompressionNotSupported,
                $"Compression '{compression}' is not supported; supported: {string.Join(", ", C.Compressions)}.",
                IppAttribute.Keyword("compression", compression));
        return compression;
    }

    private static bool IsOneOf(IppAttribute attribute, IppTag[] tags, IEnumerable<string> values) =>
        attribute.Values.Count == 1 && tags.Contains(attribute.Tag) && values.Contains(attribute.Value.AsString());

    private static bool IsEnumOf(IppAttribute attribute, int[] values) =>
        attribute is { Values.Count: 1, Tag: IppTag.Enum } && values.Contains(attribute.Value.AsInt());

    private static bool IsIntegerIn(IppAttribute attribute, int min, int max) =>
        attribute is { Values.Count: 1, Tag: IppTag.Integer } && attribute.Value.AsInt() >= min && attribute.Value.AsInt() <= max;
}
