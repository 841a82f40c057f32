using ActorSpool.Domain.Topology;
using ActorSpool.Protocols.Ipp;
using static ActorSpool.Domain.Messages.JobQueueProtocol;
using C = ActorSpool.Node.Ingress.Ipp.IppCapabilities;

namespace ActorSpool.Node.Ingress.Ipp;

/// <summary>What <see cref="PrinterAttributes"/> describes: one queue as an IPP printer, at one moment.</summary>
/// <param name="DeviceUri">The uri of the queue's first printer (CUPS's device-uri); null when the printer is gone.</param>
/// <param name="IsDefault">The queue is the spooler's default queue.</param>
internal sealed record PrinterSnapshot(
    QueueDefinition Queue,
    Replies.QueueStatus Status,
    PrinterState State,
    IppUris Uris,
    DateTimeOffset StartedAt,
    DateTimeOffset StateChangedAt,
    DateTimeOffset Now,
    TimeSpan MultipleOperationTimeout,
    string? DeviceUri = null,
    bool IsDefault = false);

/// <summary>
/// The printer attributes of a queue: the IPP/1.1 (RFC 8011 §5.4) and IPP/2.0 (PWG 5100.12) required ones plus the
/// job template defaults and supported values that <see cref="JobTicketReader"/> enforces.
/// </summary>
internal static class PrinterAttributes
{
    private const string Description = AttributeGroups.PrinterDescription;
    private const string Template = AttributeGroups.JobTemplate;

    private static readonly Definition[] Definitions =
    [
        // Printer description.
        // Three parallel lists (RFC 8011 §5.4.1-5.4.3): each URI with its security and its way to tell who the user is.
        D("printer-uri-supported", s => IppAttribute.Uri("printer-uri-supported", [.. s.Uris.Offers.Select(o => s.Uris.Printer(s.Queue.Name, o.Scheme))])),
        D("uri-security-supported", s => IppAttribute.Keyword("uri-security-supported", [.. s.Uris.Offers.Select(o => o.Security)])),
        D("uri-authentication-supported", s => IppAttribute.Keyword("uri-authentication-supported", [.. s.Uris.Offers.Select(o => o.Authentication)])),
        D("printer-name", s => IppAttribute.NameWithoutLanguage("printer-name", s.Queue.Name)),
        D("printer-info", s => IppAttribute.Text("printer-info", $"ActorSpool queue {s.Queue.Name}")),
        // No location is configured for queues; an empty text says so without inventing one.
        D("printer-location", _ => IppAttribute.Text("printer-location", string.Empty)),
        D("printer-make-and-model", _ => IppAttribute.Text("printer-make-and-model", C.MakeAndModel)),
        D("printer-more-info", s => IppAttribute.Uri("printer-more-info", s.Uris.PrinterMoreInfo(s.Queue.Name))),
        D("printer-uuid", s => IppAttribute.Uri("printer-uuid", StableUuid.ForQueue(s.Queue.Name))),
        D("printer-state", s => IppAttribute.Enum("printer-state", s.State.State)),
        D("printer-state-reasons", s => IppAttribute.Keyword("printer-state-reasons", s.State.Reasons)),
        D("printer-state-message", s => IppAttribute.Text("printer-state-message", s.State.Message)),
        // The spool accepts jobs even while no device prints: they wait durably in the queue.
        D("printer-is-accepting-jobs", _ => IppAttribute.Boolean("printer-is-accepting-jobs", true)),
        D("queued-job-count", s => IppAttribute.Integer("queued-job-count",
            s.Status.Pending + s.Status.Held + s.Status.Processing)),
        D("printer-up-time", s => IppAttribute.Integer("printer-up-time", JobAttributes.UpTimeOf(s.StartedAt, s.Now))),
        D("printer-current-time", s => IppAttribute.DateTime("printer-current-time", s.Now.ToUniversalTime())),
        D("printer-state-change-time", s => IppAttribute.Integer("printer-state-change-time",
            JobAttributes.UpTimeOf(s.StartedAt, s.StateChangedAt))),
        D("printer-state-change-date-time",
            s => IppAttribute.DateTime("printer-state-change-date-time", s.StateChangedAt.ToUniversalTime())),
        D("ipp-versions-supported", _ => IppAttribute.Keyword("ipp-versions-supported", "1.0", "1.1", "2.0")),
        D("ipp-features-supported", _ => IppAttribute.Keyword("ipp-features-supported", "none")),
        D("operations-supported", _ => IppAttribute.Enum("operations-supported", [.. C.Operations.Select(o => (int)o)])),
        D("charset-configured", _ => IppAttribute.Charset("charset-configured", "utf-8")),
        D("charset-supported", _ => Strings("charset-supported", IppTag.Charset, C.Charsets)),
        D("natural-language-configured",
            _ => IppAttribute.NaturalLanguage("natural-language-configured", C.DefaultLanguage)),
        D("generated-natural-language-supported",
            _ => IppAttribute.NaturalLanguage("generated-natural-language-supported", C.DefaultLanguage)),
        D("document-format-default", _ => IppAttribute.MimeMediaType("document-format-default", C.DefaultDocumentFormat)),
        D("document-format-supported", _ => IppAttribute.MimeMediaType("document-format-supported", C.DocumentFormats)),
        D("pdl-override-supported", _ => IppAttribute.Keyword("pdl-override-supported", "not-attempted")),
        D("compression-supported", _ => IppAttribute.Keyword("compression-supported", C.Compressions)),
        D("multiple-document-jobs-supported", _ => IppAttribute.Boolean("multiple-document-jobs-supported", true)),
        D("multiple-operation-time-out", s => IppAttribute.Integer("multiple-operation-time-out",
            (int)Math.Clamp(s.MultipleOperationTimeout.TotalSeconds, 1, int.MaxValue))),
        // PWG 5100.11: a job left open is closed and printed (one that has no document yet can only be aborted).
        D("multiple-operation-time-out-action", _ => IppAttribute.Keyword("multiple-operation-time-out-action", "process-job")),
        D("color-supported", _ => IppAttribute.Boolean("color-supported", C.ColorSupported)),
        // Required by PWG 5100.12 §6.2 (the colour one because color-supported is true); see C.PagesPerMinute.
        D("pages-per-minute", _ => IppAttribute.Integer("pages-per-minute", C.PagesPerMinute)),
        D("pages-per-minute-color", _ => IppAttribute.Integer("pages-per-minute-color", C.PagesPerMinute)),
        D("job-k-octets-supported", s => IppAttribute.Range("job-k-octets-supported", 0,
            (int)Math.Min(int.MaxValue, s.Queue.MaxDocumentBytes / 1024))),
        D("which-jobs-supported", _ => IppAttribute.Keyword("which-jobs-supported", "completed", "not-completed", "all")),
        D("job-creation-attributes-supported",
            _ => IppAttribute.Keyword("job-creation-attributes-supported", C.JobCreationAttributes)),
        D("printer-get-attributes-supported", _ => IppAttribute.Keyword("printer-get-attributes-supported", "document-format")),
        // CUPS's extensions, which lpstat and lpadmin read: where the queue prints, what kind of destination it is.
        D("device-uri", s => s.DeviceUri is { } uri ? IppAttribute.Uri("device-uri", uri) : IppAttribute.NoValue("device-uri")),
        D("printer-type", s => IppAttribute.Enum("printer-type", CupsPrinterType.Of(s.IsDefault))),
        // Every queue is served to every IPP client of the node (no per-queue sharing switch).
        D("printer-is-shared", _ => IppAttribute.Boolean("printer-is-shared", true)),

        // Job template: defaults and supported values.
        T("job-priority-supported", _ => IppAttribute.Integer("job-priority-supported", 100)),
        T("job-priority-default", s => IppAttribute.Integer("job-priority-default", s.Queue.DefaultPriority)),
        T("job-hold-until-supported", _ => IppAttribute.Keyword("job-hold-until-supported", C.HoldUntil)),
        T("job-hold-until-default", _ => IppAttribute.Keyword("job-hold-until-default", "no-hold")),
        T("job-hold-until-time-supported", _ => IppAttribute.Range("job-hold-until-time-supported", 0, int.MaxValue)),
        T("copies-supported", _ => IppAttribute.Range("copies-supported", 1, C.MaxCopies)),
        T("copies-default", _ => IppAttribute.Integer("copies-default", 1)),
        T("media-supported", _ => IppAttribute.Keyword("media-supported", [.. C.Media.Select(m => m.Keyword)])),
        T("media-default", _ => IppAttribute.Keyword("media-default", C.DefaultMedia.Keyword)),
        T("media-ready", _ => IppAttribute.Keyword("media-ready", C.DefaultMedia.Keyword)),
        T("media-col-supported", _ => IppAttribute.Keyword("media-col-supported", "media-size")),
        T("media-col-default", _ => IppAttribute.Collection("media-col-default", C.DefaultMedia.ToMediaCol())),
        T("media-col-ready", _ => IppAttribute.Collection("media-col-ready", C.DefaultMedia.ToMediaCol())),
        T("media-size-supported",
            _ => IppAttribute.Collection("media-size-supported", [.. C.Media.Select(m => m.ToMediaSize())])),
        T("media-col-database",
            _ => IppAttribute.Collection("media-col-database", [.. C.Media.Select(m => m.ToMediaCol())]), explicitOnly: true),
        T("sides-supported", _ => IppAttribute.Keyword("sides-supported", C.Sides)),
        T("sides-default", _ => IppAttribute.Keyword("sides-default", "one-sided")),
        T("print-color-mode-supported", _ => IppAttribute.Keyword("print-color-mode-supported", C.PrintColorModes)),
        T("print-color-mode-default", _ => IppAttribute.Keyword("print-color-mode-default", "auto")),
        T("orientation-requested-supported", _ => IppAttribute.Enum("orientation-requested-supported", C.Orientations)),
        T("orientation-requested-default", _ => IppAttribute.Enum("orientation-requested-default", 3)),
        T("print-quality-supported", _ => IppAttribute.Enum("print-quality-supported", C.PrintQualities)),
        T("print-quality-default", _ => IppAttribute.Enum("print-quality-default", 4)),
        T("finishings-supported", _ => IppAttribute.Enum("finishings-supported", C.Finishings)),
        T("finishings-default", _ => IppAttribute.Enum("finishings-default", 3)),
        T("number-up-supported", _ => IppAttribute.Integer("number-up-supported", 1)),
        T("number-up-default", _ => IppAttribute.Integer("number-up-default", 1)),
        T("job-sheets-supported", _ => IppAttribute.Keyword("job-sheets-supported", C.JobSheets)),
        T("job-sheets-default", _ => IppAttribute.Keyword("job-sheets-default", "none")),
        T("multiple-document-handling-supported",
            _ => IppAttribute.Keyword("multiple-document-handling-supported", C.MultipleDocumentHandling)),
        T("multiple-document-handling-default",
            _ => IppAttribute.Keyword("multiple-document-handling-default", C.CollatedCopies)),
        T("output-bin-supported", _ => IppAttribute.Keyword("output-bin-supported", C.OutputBins)),
        T("output-bin-default", _ => IppAttribute.Keyword("output-bin-default", "auto")),
        T("printer-resolution-supported", _ => IppAttribute.Resolution("printer-resolution-supported", C.Resolutions)),
        T("printer-resolution-default", _ => IppAttribute.Resolution("printer-resolution-default", C.DefaultResolution)),
    ];

    public static IppAttributeGroup Describe(PrinterSnapshot snapshot, RequestedAttributes requested)
    {
        var group = new IppAttributeGroup(IppTag.PrinterAttributes);
        foreach (var definition in Definitions)
        {
            if (requested.Includes(definition.Name, definition.Group, definition.ExplicitOnly))
                group.Add(definition.Make(snapshot));
        }
        return group;
    }

    private static Definition D(string name, Func<PrinterSnapshot, IppAttribute> make) => new(name, Description, make, false);

    private static Definition T(string name, Func<PrinterSnapshot, IppAttribute> make, bool explicitOnly = false) =>
        new(name, Template, make, explicitOnly);

    private static IppAttribute Strings(string name, IppTag tag, IEnumerable<string> values) =>
        new(name, values.Select(v => new IppValue(tag, v)));

    private sealed record Definition(string Name, string Group, Func<PrinterSnapshot, IppAttribute> Make, bool ExplicitOnly);
}
