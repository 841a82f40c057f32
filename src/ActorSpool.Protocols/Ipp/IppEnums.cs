namespace ActorSpool.Protocols.Ipp;

/// <summary>
/// IPP tag octets (RFC 8010 §3.5). 0x00–0x0F are group delimiters, 0x10–0x1F out-of-band values,
/// 0x20 and above value syntaxes. Tags not listed here are still carried through as raw values.
/// </summary>
public enum IppTag : byte
{
    // Delimiter tags.
    OperationAttributes = 0x01,
    JobAttributes = 0x02,
    EndOfAttributes = 0x03,
    PrinterAttributes = 0x04,
    UnsupportedAttributes = 0x05,

    // Out-of-band value tags.
    Unsupported = 0x10,
    Unknown = 0x12,
    NoValue = 0x13,

    // Integer-like value tags.
    Integer = 0x21,
    Boolean = 0x22,
    Enum = 0x23,

    // Octet-string-like value tags.
    OctetString = 0x30,
    DateTime = 0x31,
    Resolution = 0x32,
    RangeOfInteger = 0x33,
    BegCollection = 0x34,
    TextWithLanguage = 0x35,
    NameWithLanguage = 0x36,
    EndCollection = 0x37,

    // Character-string value tags.
    TextWithoutLanguage = 0x41,
    NameWithoutLanguage = 0x42,
    Keyword = 0x44,
    Uri = 0x45,
    UriScheme = 0x46,
    Charset = 0x47,
    NaturalLanguage = 0x48,
    MimeMediaType = 0x49,
    MemberAttrName = 0x4A,
}

/// <summary>IPP operation-id values (RFC 8011 §5.4.15 and extensions).</summary>
public enum IppOperation : short
{
    PrintJob = 0x0002,
    PrintUri = 0x0003,
    ValidateJob = 0x0004,
    CreateJob = 0x0005,
    SendDocument = 0x0006,
    SendUri = 0x0007,
    CancelJob = 0x0008,
    GetJobAttributes = 0x0009,
    GetJobs = 0x000A,
    GetPrinterAttributes = 0x000B,
    HoldJob = 0x000C,
    ReleaseJob = 0x000D,
    RestartJob = 0x000E,
    PausePrinter = 0x0010,
    ResumePrinter = 0x0011,
    PurgeJobs = 0x0012,
    SetPrinterAttributes = 0x0013,
    SetJobAttributes = 0x0014,
    GetPrinterSupportedValues = 0x0015,
    CreatePrinterSubscriptions = 0x0016,
    CreateJobSubscriptions = 0x0017,
    CancelCurrentJob = 0x002D,
    CancelJobs = 0x0038,
    CancelMyJobs = 0x0039,
    CloseJob = 0x003B,
    IdentifyPrinter = 0x003C,
    ValidateDocument = 0x003D,

    // CUPS's own operations (CUPS Implementation of IPP), as lpstat and lpadmin send them.
    CupsGetDefault = 0x4001,
    CupsGetPrinters = 0x4002,
    CupsAddModifyPrinter = 0x4003,
    CupsDeletePrinter = 0x4004,
    CupsGetClasses = 0x4005,
    CupsSetDefault = 0x400A,
}

/// <summary>IPP status-code values (RFC 8011 Appendix B and extensions).</summary>
public enum IppStatusCode : short
{
    SuccessfulOk = 0x0000,
    SuccessfulOkIgnoredOrSubstitutedAttributes = 0x0001,
    SuccessfulOkConflictingAttributes = 0x0002,

    ClientErrorBadRequest = 0x0400,
    ClientErrorForbidden = 0x0401,
    ClientErrorNotAuthenticated = 0x0402,
    ClientErrorNotAuthorized = 0x0403,
    ClientErrorNotPossible = 0x0404,
    ClientErrorTimeout = 0x0405,
    ClientErrorNotFound = 0x0406,
    ClientErrorGone = 0x0407,
    ClientErrorRequestEntityTooLarge = 0x0408,
    ClientErrorRequestValueTooLong = 0x0409,
    ClientErrorDocumentFormatNotSupported = 0x040A,
    ClientErrorAttributesOrValuesNotSupported = 0x040B,
    ClientErrorUriSchemeNotSupported = 0x040C,
    ClientErrorCharsetNotSupported = 0x040D,
    ClientErrorConflictingAttributes = 0x040E,
    ClientErrorCompressionNotSupported = 0x040F,
    ClientErrorCompressionError = 0x0410,
    ClientErrorDocumentFormatError = 0x0411,
    ClientErrorDocumentAccessError = 0x0412,

    ServerErrorInternalError = 0x0500,
    ServerErrorOperationNotSupported = 0x0501,
    ServerErrorServiceUnavailable = 0x0502,
    ServerErrorVersionNotSupported = 0x0503,
    ServerErrorDeviceError = 0x0504,
    ServerErrorTemporaryError = 0x0505,
    ServerErrorNotAcceptingJobs = 0x0506,
    ServerErrorBusy = 0x0507,
    ServerErrorJobCanceled = 0x0508,
    ServerErrorMultipleDocumentJobsNotSupported = 0x0509,
    ServerErrorPrinterIsDeactivated = 0x050A,
    ServerErrorTooManyJobs = 0x050B,
    ServerErrorTooManyDocuments = 0x050C,
}

/// <summary>IPP job-state values (RFC 8011 §5.3.7), as a printer reports them.</summary>
public enum IppJobState
{
    Pending = 3,
    PendingHeld = 4,
    Processing = 5,
    ProcessingStopped = 6,
    Canceled = 7,
    Aborted = 8,
    Completed = 9,
}

/// <summary>IPP printer-state values (RFC 8011 §5.4.11), as a printer reports them.</summary>
public enum IppPrinterState
{
    Idle = 3,
    Processing = 4,
    Stopped = 5,
}

public static class IppJobStateExtensions
{
    /// <summary>The job-state keyword, e.g. <c>pending-held</c> (as job-state-message texts and logs spell it).</summary>
    public static string ToKeyword(this IppJobState state) => state switch
    {
        IppJobState.Pending => "pending",
        IppJobState.PendingHeld => "pending-held",
        IppJobState.Processing => "processing",
        IppJobState.ProcessingStopped => "processing-stopped",
        IppJobState.Canceled => "canceled",
        IppJobState.Aborted => "aborted",
        IppJobState.Completed => "completed",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };
}

/// <summary>Classification helpers for raw tag octets.</summary>
public static class IppTagExtensions
{
    /// <summary>True for delimiter tags (0x00–0x0F), which start a group or end the attribute section.</summary>
    public static bool IsDelimiter(this IppTag tag) => (byte)tag < 0x10;

    /// <summary>True for out-of-band tags (0x10–0x1F), whose values carry no data.</summary>
    public static bool IsOutOfBand(this IppTag tag) => (byte)tag is >= 0x10 and <= 0x1F;

    /// <summary>True for the character-string tags this codec maps to <see cref="string"/>.</summary>
    public static bool IsString(this IppTag tag) => tag is IppTag.TextWithoutLanguage or IppTag.NameWithoutLanguage
        or IppTag.Keyword or IppTag.Uri or IppTag.UriScheme or IppTag.Charset or IppTag.NaturalLanguage
        or IppTag.MimeMediaType or IppTag.MemberAttrName;
}
