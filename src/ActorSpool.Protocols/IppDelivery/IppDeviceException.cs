using ActorSpool.Protocols.AppSocket;
using ActorSpool.Protocols.Ipp;

namespace ActorSpool.Protocols.IppDelivery;

/// <summary>What went wrong on the IPP printer's side.</summary>
public enum IppFailureCategory
{
    /// <summary>The printer refused the request for good (client-error-*: format, attributes, authorization, wrong printer path).</summary>
    Refused,

    /// <summary>The printer is busy or temporarily unavailable (server-error-busy, -service-unavailable, -temporary-error).</summary>
    Busy,

    /// <summary>The printer does not accept jobs now (printer-is-accepting-jobs false, server-error-not-accepting-jobs).</summary>
    NotAcceptingJobs,

    /// <summary>The printer's state makes the request impossible (client-error-not-possible, printer-state stopped).</summary>
    NotPossible,

    /// <summary>The device reported an error (server-error-device-error, other server-error-*).</summary>
    DeviceError,

    /// <summary>The job ended in job-state aborted.</summary>
    JobAborted,

    /// <summary>The job ended in job-state canceled (at the printer, or server-error-job-canceled).</summary>
    JobCanceled,

    /// <summary>The job did not complete within <see cref="IppDeliveryOptions.JobTimeout"/>.</summary>
    JobTimeout,

    /// <summary>The printer's answer was not valid IPP over HTTP (HTTP error status, malformed response).</summary>
    Protocol,
}

/// <summary>
/// Printer-side detail of an IPP delivery failure. <see cref="IppDeliveryClient"/> throws
/// <see cref="PrinterDeliveryException"/> (sealed, shared by every protocol) with this as its
/// <see cref="Exception.InnerException"/>; <see cref="IppDeliveryExceptionExtensions"/> reads it back
/// (<c>e.DeviceReasons</c>, <c>e.IppFailure</c>).
/// </summary>
public sealed class IppDeviceException : Exception
{
    public IppDeviceException(
        IppFailureCategory category,
        string message,
        IppStatusCode? status = null,
        string[]? deviceReasons = null,
        IppJobState? jobState = null,
        int? jobId = null,
        string? statusMessage = null)
        : base(message)
    {
        Category = category;
        Status = status;
        DeviceReasons = deviceReasons ?? [];
        JobState = jobState;
        JobId = jobId;
        StatusMessage = statusMessage;
    }

    /// <summary>What went wrong.</summary>
    public IppFailureCategory Category { get; }

    /// <summary>The IPP status-code of the failed operation, if an operation failed.</summary>
    public IppStatusCode? Status { get; }

    /// <summary>
    /// The device's own words: the job's job-state-reasons and the printer's printer-state-reasons (without "none"),
    /// e.g. <c>media-empty-error</c>, <c>offline-report</c>, <c>job-aborted-by-system</c>.
    /// </summary>
    public string[] DeviceReasons { get; }

    /// <summary>The job's last job-state, when a job existed.</summary>
    public IppJobState? JobState { get; }

    /// <summary>The printer's job-id, when a job existed.</summary>
    public int? JobId { get; }

    /// <summary>status-message of the failed operation, or job-state-message of the failed job.</summary>
    public string? StatusMessage { get; }

    /// <summary>A condition that may clear by itself (busy, not accepting, stopped, device error, timeout): worth retrying later or elsewhere.</summary>
    public bool IsTransient => Category is IppFailureCategory.Busy or IppFailureCategory.NotAcceptingJobs
        or IppFailureCategory.NotPossible or IppFailureCategory.DeviceError or IppFailureCategory.JobTimeout;
}

/// <summary>Reads the IPP detail of a <see cref="PrinterDeliveryException"/> thrown by <see cref="IppDeliveryClient"/>.</summary>
public static class IppDeliveryExceptionExtensions
{
    extension(PrinterDeliveryException exception)
    {
        /// <summary>The IPP detail, or null when the failure was not printer-side IPP (connection errors, other protocols).</summary>
        public IppDeviceException? IppFailure => exception.InnerException as IppDeviceException;

        /// <summary>The device's job-state-reasons and printer-state-reasons (see <see cref="IppDeviceException.DeviceReasons"/>); empty if none.</summary>
        public string[] DeviceReasons => (exception.InnerException as IppDeviceException)?.DeviceReasons ?? [];
    }
}
