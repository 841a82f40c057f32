using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using ActorSpool.Protocols.AppSocket;
using ActorSpool.Protocols.Ipp;

namespace ActorSpool.Protocols.IppDelivery;

/// <summary>
/// Delivers jobs to an IPP printer (RFC 8011 over HTTP, RFC 8010), the way CUPS's ipp backend does: optionally ask
/// the printer first (Get-Printer-Attributes), submit — one document with Print-Job, several with Create-Job +
/// Send-Document, or one Print-Job per document when the printer has no Create-Job or no multi-document jobs — then
/// poll Get-Job-Attributes until the job is completed. A job that ends aborted or canceled, a printer that is
/// busy, stopped or not accepting jobs, and a job that outlasts the job timeout fail the delivery with a
/// <see cref="PrinterDeliveryException"/> whose <see cref="IppDeviceException"/> inner exception carries the IPP
/// status and the device's reasons (media-empty, offline, ...).
/// </summary>
public static partial class IppDeliveryClient
{
    /// <summary>Consecutive failed polls (connection trouble, busy answers) tolerated before the delivery fails.</summary>
    private const int MaxConsecutivePollFailures = 3;

    private static readonly string[] PrinterAttributes =
    [
        "printer-state", "printer-state-reasons", "printer-state-message", "printer-is-accepting-jobs",
        "operations-supported", "multiple-document-jobs-supported", "document-format-supported", "printer-make-and-model",
        "copies-supported", "multiple-document-handling-supported",
    ];

    private static readonly string[] JobAttributes = ["job-id", "job-state", "job-state-reasons", "job-state-message"];

    /// <summary>Submits <paramref name="documents"/> as one job (or one job per document: see the class summary) and waits for it.</summary>
    /// <param name="printerUri">ipp://, ipps://, http:// or https:// address of the printer (port 631 when none is given).</param>
    /// <param name="documents">Opens each document; each stream is disposed once sent. A source may be opened again when
    /// the client must resubmit (falling back from Create-Job to one Print-Job per document).</param>
    /// <exception cref="PrinterDeliveryException">Every delivery failure. Connection failures are classified like the AppSocket
    /// client's (<see cref="DeliveryFailureKind.ConnectionRefused"/>, <see cref="DeliveryFailureKind.ConnectTimeout"/>,
    /// <see cref="DeliveryFailureKind.ConnectionReset"/>, <see cref="DeliveryFailureKind.IdleTimeout"/> for a stalled request);
    /// printer-side failures are <see cref="DeliveryFailureKind.Other"/> with an <see cref="IppDeviceException"/> inner
    /// exception — except the job timeout, <see cref="DeliveryFailureKind.CloseWaitTimeout"/> (everything was sent, the
    /// device did not confirm in time: AppSocket's close-wait in IPP terms). Unreadable documents set
    /// <see cref="PrinterDeliveryException.IsDocumentFailure"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled (jobs already created are cancelled
    /// on the printer, best effort, when <see cref="IppDeliveryOptions.CancelJobOnFailure"/>).</exception>
    public static async Task<IppDeliveryResult> SendAsync(
        Uri printerUri,
        IReadOnlyList<Func<CancellationToken, Task<Stream>>> documents,
        IppDeliveryOptions options,
        CancellationToken ct)
    {
        ValidateUri(printerUri);
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentNullException.ThrowIfNull(options);
        if (documents.Count == 0)
        {
            throw new ArgumentException("A job needs at least one document.", nameof(documents));
        }

        for (var i = 0; i < documents.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(documents[i], $"{nameof(documents)}[{i}]");
        }

        ValidateOptions(options);
        ct.ThrowIfCancellationRequested();

        using var session = new Session(printerUri, options);
        IppPrinterStatus? printer = null;
        if (options.CheckPrinterFirst)
        {
            printer = await session.GetPrinterStatusAsync(ct).ConfigureAwait(false);
            if (!printer.IsAcceptingJobs)
            {
                throw session.Failure(IppFailureCategory.NotAcceptingJobs,
                    $"IPP printer {session.Endpoint} is not accepting jobs", null, null, printer.StateReasons);
            }

            if (options.FailWhenPrinterStopped && printer.State == IppPrinterState.Stopped)
            {
                throw session.Failure(IppFailureCategory.NotPossible,
                    $"IPP printer {session.Endpoint} is stopped" + (printer.StateMessage is { Length: > 0 } m ? $" ({m})" : string.Empty),
                    null, null, printer.StateReasons);
            }
        }

        // Copies the printer cannot be asked for are made by sending documents again, which may turn one document
        // into several: the plan decides between Print-Job, Create-Job and one Print-Job per document.
        var oneJob = IppCopyPlan.For(documents.Count, options.Copies, options.UncollatedCopies, printer, oneJobPerDocument: false);
        var jobPerDocument = printer is not null && (!printer.SupportsCreateJob || printer.MultipleDocumentJobsSupported == false);
        var submission = new Submission(session, documents, options);
        try
        {
            if (oneJob.Documents.Count == 1)
            {
                await submission.PrintEachAsync(oneJob, ct).ConfigureAwait(false);
            }
            else if (jobPerDocument || !await submission.TryCreateJobAsync(oneJob, ct).ConfigureAwait(false))
            {
                var eachAlone = IppCopyPlan.For(documents.Count, options.Copies, options.UncollatedCopies, printer, oneJobPerDocument: true);
                await submission.PrintEachAsync(eachAlone, ct).ConfigureAwait(false);
            }

            if (!options.WaitForCompletion)
            {
                return submission.Result(IppJobState.Pending, [], null, assumed: false);
            }

            return await submission.WaitAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (options.CancelJobOnFailure && submission.OpenJobs.Count > 0 &&
                                  (e is OperationCanceledException or PrinterDeliveryException))
        {
            await session.TryCancelJobsAsync(submission.OpenJobs).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Get-Printer-Attributes: the printer's state, reasons, whether it accepts jobs, and what it supports.</summary>
    /// <exception cref="PrinterDeliveryException">Not reachable, or the printer answered with an error status.</exception>
    public static async Task<IppPrinterStatus> ProbeAsync(Uri printerUri, IppDeliveryOptions? options = null, CancellationToken ct = default)
    {
        ValidateUri(printerUri);
        options ??= IppDeliveryOptions.Default;
        ValidateOptions(options);
        using var session = new Session(printerUri, options);
        return await session.GetPrinterStatusAsync(ct).ConfigureAwait(false);
    }

    /// <summary>The IPP keyword of a status code, e.g. <c>server-error-busy</c> (hex for codes this codec does not name).</summary>
    public static string StatusKeyword(IppStatusCode status)
    {
        if (!Enum.IsDefined(status))
        {
            return $"0x{(ushort)status:X4}";
        }

        var name = status.ToString();
        var text = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                text.Append('-');
            }

            text.Append(char.ToLowerInvariant(name[i]));
        }

        return text.ToString();
    }

    private static void ValidateUri(Uri printerUri)
    {
        ArgumentNullException.ThrowIfNull(printerUri);
        if (!printerUri.IsAbsoluteUri || printerUri.Scheme is not ("ipp" or "ipps" or "http" or "https") || string.IsNullOrEmpty(printerUri.Host))
        {
            throw new ArgumentException($"'{printerUri}' is not an ipp://, ipps://, http:// or https:// printer address.", nameof(printerUri));
        }
    }

    private static void ValidateOptions(IppDeliveryOptions options)
    {
        ValidateTimeout(options.ConnectTimeout, nameof(options.ConnectTimeout));
        ValidateTimeout(options.RequestTimeout, nameof(options.RequestTimeout));
        ValidateTimeout(options.IdleTimeout, nameof(options.IdleTimeout));
        ValidateTimeout(options.JobTimeout, nameof(options.JobTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.PollInterval, TimeSpan.Zero, nameof(options.PollInterval));
        ArgumentException.ThrowIfNullOrWhiteSpace(options.User, nameof(options.User));
        ArgumentException.ThrowIfNullOrWhiteSpace(options.JobName, nameof(options.JobName));
        ArgumentException.ThrowIfNullOrWhiteSpace(options.DocumentFormat, nameof(options.DocumentFormat));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BufferSize, 1, nameof(options.BufferSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Copies, 1, nameof(options.Copies));
    }

    private static void ValidateTimeout(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero && value != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(name, value, "Timeouts must be positive (or Timeout.InfiniteTimeSpan).");
        }
    }

    private static bool IsSuccess(IppStatusCode status) => (ushort)status < 0x0100;

    private static string? StatusMessage(IppMessage response) => TextOf(response.FindOperationAttribute("status-message"));

    private static string[] Keywords(IppAttribute? attribute) => attribute is null
        ? []
        : attribute.Values.Where(v => v.Value is string).Select(v => (string)v.Value!).Where(k => k != "none").ToArray();

    private static string? TextOf(IppAttribute? attribute) => attribute?.Value.Value switch
    {
        string s => s.Trim(),
        IppStringWithLanguage l => l.Text.Trim(),
        _ => null,
    };
}
