using ActorSpool.Protocols.Ipp;

namespace ActorSpool.Node.Ingress.Ipp;

/// <summary>
/// What the IPP service supports, in one place, so the request checks (<see cref="JobTicketReader"/>) and the
/// advertised printer attributes (<see cref="PrinterAttributes"/>) cannot drift apart.
/// </summary>
internal static class IppCapabilities
{
    public const string DefaultDocumentFormat = "application/octet-stream";

    /// <summary>copies-supported 1..MaxCopies: what a queue accepts, made by the device or by sending the documents again.</summary>
    public const int MaxCopies = Domain.Jobs.Copies.Max;

    public const string DefaultLanguage = "en";

    /// <summary>printer-make-and-model (and the DNS-SD TXT record's ty).</summary>
    public const string MakeAndModel = "ActorSpool";

    /// <summary>color-supported (and the DNS-SD TXT record's Color): devices are reached through the queue's pool, so the spool cannot promise less than colour.</summary>
    public const bool ColorSupported = true;

    /// <summary>The spooler stores documents as sent and passes them to the device, so any PDL the fleet prints is fine.</summary>
    public static readonly string[] DocumentFormats =
    [
        DefaultDocumentFormat, "application/pdf", "application/postscript", "application/vnd.hp-pcl",
        "image/pwg-raster", "image/urf", "image/jpeg", "text/plain",
    ];

    public static readonly IppOperation[] Operations =
    [
        IppOperation.PrintJob, IppOperation.ValidateJob, IppOperation.CreateJob, IppOperation.SendDocument,
        IppOperation.CancelJob, IppOperation.GetJobAttributes, IppOperation.GetJobs, IppOperation.GetPrinterAttributes,
        IppOperation.HoldJob, IppOperation.ReleaseJob, IppOperation.RestartJob, IppOperation.PausePrinter,
        IppOperation.ResumePrinter, IppOperation.PurgeJobs, IppOperation.CancelMyJobs, IppOperation.CloseJob,
        IppOperation.IdentifyPrinter,
        // CUPS's, for lpstat and lpadmin (IppAdminOperations).
        IppOperation.CupsGetDefault, IppOperation.CupsGetPrinters, IppOperation.CupsGetClasses,
        IppOperation.CupsAddModifyPrinter, IppOperation.CupsDeletePrinter, IppOperation.CupsSetDefault,
    ];

    public static readonly string[] Charsets = ["utf-8", "us-ascii"];

    /// <summary>
    /// Document compression: gzip (RFC 1952) and deflate, which IPP means as the zlib stream of RFC 1950. Documents
    /// are decompressed while they stream into the document store.
    /// </summary>
    public static readonly string[] Compressions = ["none", "deflate", "gzip"];

    /// <summary>
    /// indefinite holds the job until Release-Job; the named periods until the queue releases it when the period starts
    /// (at once when it is on); no-hold does not hold.
    /// </summary>
    public static readonly string[] HoldUntil = [.. Domain.Jobs.HoldUntil.Keywords];

    public static readonly MediaSize[] Media =
    [
        new("iso_a4_210x297mm", 21000, 29700),
        new("na_letter_8.5x11in", 21590, 27940),
        new("na_legal_8.5x14in", 21590, 35560),
        new("iso_a5_148x210mm", 14800, 21000),
        new("iso_a3_297x420mm", 29700, 42000),
    ];

    public static MediaSize DefaultMedia => Media[0];

    public static readonly string[] Sides = ["one-sided", "two-sided-long-edge", "two-sided-short-edge"];

    public static readonly string[] PrintColorModes = ["auto", "color", "monochrome"];

    public const string CollatedCopies = "separate-documents-collated-copies";

    public const string UncollatedCopies = "separate-documents-uncollated-copies";

    /// <summary>How the copies of a multi-document job print: collated (d1 d2 d1 d2, the default) or uncollated (d1 d1 d2 d2).</summary>
    public static readonly string[] MultipleDocumentHandling = [UncollatedCopies, CollatedCopies];

    public static readonly string[] JobSheets = ["none"];

    public static readonly string[] OutputBins = ["auto"];

    /// <summary>orientation-requested: portrait, landscape, reverse-landscape, reverse-portrait.</summary>
    public static readonly int[] Orientations = [3, 4, 5, 6];

    /// <summary>print-quality: draft, normal, high.</summary>
    public static readonly int[] PrintQualities = [3, 4, 5];

    /// <summary>finishings: none.</summary>
    public static readonly int[] Finishings = [3];

    /// <summary>
    /// printer-resolution: 600 dpi only. The spooler does not render: documents reach the device as they were sent,
    /// and the device prints them at the resolution the document and the device settle on. So the spool offers one
    /// value and changes nothing for it: a client that rasterises (image/pwg-raster, image/urf) renders at 600 dpi,
    /// which office laser printers print natively; any other requested resolution is reported as not supported
    /// (refused under ipp-attribute-fidelity) rather than promised.
    /// </summary>
    public static readonly IppResolution[] Resolutions = [new(600, 600, IppResolution.DotsPerInch)];

    public static IppResolution DefaultResolution => Resolutions[0];

    /// <summary>
    /// pages-per-minute and pages-per-minute-color (PWG 5100.12 §6.2): informative, not a promise (PWG 5100.7), and
    /// the spool does not know how fast the devices behind a queue are. 1 is what PWG's reference implementation
    /// (PAPPL) reports when a driver states no speed: a floor, not a measurement. Not configured per queue (yet).
    /// </summary>
    public const int PagesPerMinute = 1;

    /// <summary>The job template attributes a Print-Job may carry (job-creation-attributes-supported).</summary>
    public static readonly string[] JobCreationAttributes =
    [
        "copies", "finishings", "job-hold-until", "job-hold-until-time", "job-priority", "job-sheets", "media",
        "media-col", "multiple-document-handling", "number-up", "orientation-requested", "output-bin",
        "print-color-mode", "print-quality", "printer-resolution", "sides",
    ];

    /// <summary>
    /// Operation attributes this service understands (RFC 8011 §4.2–4.3, plus my-jobs and which-jobs values);
    /// any other operation attribute is ignored and reported in the unsupported-attributes group.
    /// </summary>
    public static readonly HashSet<string> KnownOperationAttributes = new(StringComparer.Ordinal)
    {
        "attributes-charset", "attributes-natural-language", "printer-uri", "job-uri", "job-id",
        "requesting-user-name", "job-name", "ipp-attribute-fidelity", "document-name", "compression",
        "document-format", "document-natural-language", "job-k-octets", "job-impressions", "job-media-sheets",
        "requested-attributes", "which-jobs", "my-jobs", "limit", "message", "job-hold-until", "job-ids",
        "identify-actions", "last-document",
        // CUPS-Get-Printers' filters.
        "first-printer-name", "printer-type", "printer-type-mask",
    };

    public static bool IsSupportedVersion(byte major, byte minor) =>
        (major, minor) is (1, 0) or (1, 1) or (2, 0) or (2, 1) or (2, 2);
}

/// <summary>A media size keyword (PWG 5101.1) and its dimensions in hundredths of millimetres.</summary>
internal sealed record MediaSize(string Keyword, int Width, int Length)
{
    public IppCollection ToMediaCol() => new(IppAttribute.Collection("media-size", ToMediaSize()));

    public IppCollection ToMediaSize() =>
        new(IppAttribute.Integer("x-dimension", Width), IppAttribute.Integer("y-dimension", Length));
}
