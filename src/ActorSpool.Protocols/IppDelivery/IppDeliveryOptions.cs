namespace ActorSpool.Protocols.IppDelivery;

/// <summary>Tuning for <see cref="IppDeliveryClient"/> (delivering jobs to an IPP printer, RFC 8011).</summary>
public sealed record IppDeliveryOptions
{
    /// <summary>Default options.</summary>
    public static IppDeliveryOptions Default { get; } = new();

    /// <summary>Maximum time to establish a TCP connection to the printer.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Maximum time for a request's answer: each operation without a document, and the answer once a document is sent.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>While a document is uploaded, the printer must take data at least this often.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Interval between Get-Job-Attributes polls while waiting for a job to finish, and between resubmissions while
    /// the printer answers busy.
    /// </summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Maximum time from the first submission attempt until every job the delivery created is completed, including
    /// resubmissions while the printer answers busy; beyond it the jobs are cancelled on the printer (see
    /// <see cref="CancelJobOnFailure"/>) and the delivery fails.
    /// </summary>
    public TimeSpan JobTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>requesting-user-name of the jobs.</summary>
    public string User { get; init; } = "actorspool";

    /// <summary>job-name of the jobs.</summary>
    public string JobName { get; init; } = "ActorSpool job";

    /// <summary>document-format sent with each document; application/octet-stream lets the printer detect the format.</summary>
    public string DocumentFormat { get; init; } = "application/octet-stream";

    /// <summary>
    /// Copies of the job. The printer is asked for them (the copies job template attribute, with
    /// multiple-document-handling for several documents in one job) when its copies-supported covers them; otherwise —
    /// copies-supported 1..1, too small a range, not said, or the printer not asked first — the client sends the
    /// documents once per copy (see <see cref="IppCopyPlan"/>).
    /// </summary>
    public int Copies { get; init; } = 1;

    /// <summary>Each document's copies together (d1 d1 d2 d2: separate-documents-uncollated-copies) instead of collated.</summary>
    public bool UncollatedCopies { get; init; }

    /// <summary>
    /// Ask the printer (Get-Printer-Attributes) before submitting: a printer that is not accepting jobs or is stopped
    /// fails the delivery at once with its reasons, and its operations-supported and multiple-document-jobs-supported
    /// choose between Create-Job + Send-Document and one Print-Job per document.
    /// </summary>
    public bool CheckPrinterFirst { get; init; } = true;

    /// <summary>Fail at once when the printer reports printer-state stopped (its reasons tell why: media-empty, ...).</summary>
    public bool FailWhenPrinterStopped { get; init; } = true;

    /// <summary>Wait for the jobs to reach a terminal state (the default); when false, return once they are accepted.</summary>
    public bool WaitForCompletion { get; init; } = true;

    /// <summary>Cancel the printer's job (Cancel-Job) when the delivery fails or is cancelled after the job was created.</summary>
    public bool CancelJobOnFailure { get; init; } = true;

    /// <summary>
    /// For ipps: how the printer's certificate is checked. Default: any is accepted, as CUPS does for printers (nearly
    /// all use self-signed certificates); the node passes its actorspool.tls.printer-certificates policy (pin).
    /// </summary>
    public PrinterCertificatePolicy Certificates { get; init; } = PrinterCertificatePolicy.AcceptAny;

    /// <summary>Size of the copy buffer for documents.</summary>
    public int BufferSize { get; init; } = 64 * 1024;
}
