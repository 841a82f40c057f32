using ActorSpool.Protocols.Ipp;

namespace ActorSpool.Protocols.IppDelivery;

/// <summary>How <see cref="IppDeliveryClient"/> put the documents on the printer.</summary>
public enum IppSubmissionMethod
{
    /// <summary>One document, one Print-Job.</summary>
    PrintJob,

    /// <summary>Create-Job, then one Send-Document per document (last-document true on the last).</summary>
    CreateJobSendDocument,

    /// <summary>One Print-Job per document: the printer lacks Create-Job or multi-document jobs.</summary>
    PrintJobPerDocument,
}

/// <summary>A delivered job.</summary>
/// <param name="JobId">The printer's job-id (the first one when each document became its own job).</param>
/// <param name="State">The final job-state: <see cref="IppJobState.Completed"/>, or the state at acceptance when not waiting.</param>
/// <param name="JobIds">Every job-id the delivery created on the printer, in document order.</param>
/// <param name="Method">How the documents were submitted.</param>
/// <param name="BytesSent">Document bytes sent.</param>
/// <param name="StateReasons">The last job's job-state-reasons (e.g. job-completed-successfully).</param>
/// <param name="StateMessage">The last job's job-state-message, if the printer gave one.</param>
/// <param name="CompletionAssumed">
/// True when a job vanished from the printer (Get-Job-Attributes: client-error-not-found) before it was seen completed;
/// printers that purge finished jobs at once do that, so it counts as completed.
/// </param>
public sealed record IppDeliveryResult(
    int JobId,
    IppJobState State,
    IReadOnlyList<int> JobIds,
    IppSubmissionMethod Method,
    long BytesSent,
    string[] StateReasons,
    string? StateMessage,
    bool CompletionAssumed)
{
    /// <summary>
    /// The copies job template attribute the printer was asked for; 1 when there were no copies to make or the client
    /// made them itself by sending the documents once per copy.
    /// </summary>
    public int DeviceCopies { get; init; } = 1;

    /// <summary>Documents sent (Print-Jobs or Send-Documents): the job's documents times the copies the client made itself.</summary>
    public int DocumentsSent { get; init; }
}

/// <summary>What an IPP printer says about itself (<see cref="IppDeliveryClient.ProbeAsync"/>).</summary>
/// <param name="State">printer-state.</param>
/// <param name="StateReasons">printer-state-reasons without "none" (e.g. media-empty-error, offline-report).</param>
/// <param name="IsAcceptingJobs">printer-is-accepting-jobs.</param>
/// <param name="StateMessage">printer-state-message, if any.</param>
/// <param name="MakeAndModel">printer-make-and-model, if any.</param>
/// <param name="OperationsSupported">operations-supported.</param>
/// <param name="DocumentFormatsSupported">document-format-supported.</param>
/// <param name="MultipleDocumentJobsSupported">multiple-document-jobs-supported, or null when the printer does not say.</param>
public sealed record IppPrinterStatus(
    IppPrinterState State,
    string[] StateReasons,
    bool IsAcceptingJobs,
    string? StateMessage,
    string? MakeAndModel,
    IReadOnlyList<IppOperation> OperationsSupported,
    string[] DocumentFormatsSupported,
    bool? MultipleDocumentJobsSupported)
{
    /// <summary>The upper bound of copies-supported (RFC 8011 §5.2.5), or null when the printer does not say.</summary>
    public int? MaxCopies { get; init; }

    /// <summary>multiple-document-handling-supported (RFC 8011 §5.2.4); empty when the printer does not say.</summary>
    public IReadOnlyList<string> MultipleDocumentHandlingSupported { get; init; } = [];

    /// <summary>Create-Job and Send-Document are both supported.</summary>
    public bool SupportsCreateJob =>
        OperationsSupported.Contains(IppOperation.CreateJob) && OperationsSupported.Contains(IppOperation.SendDocument);
}
