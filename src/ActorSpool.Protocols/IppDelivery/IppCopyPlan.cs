using ActorSpool.Protocols.Documents;

namespace ActorSpool.Protocols.IppDelivery;

/// <summary>
/// How <see cref="IppDeliveryClient"/> prints a job's copies on an IPP printer: which documents it sends, in which
/// order, and what it asks the printer for in the job template group (RFC 8011 §5.2.4–5.2.5).
/// </summary>
/// <param name="Documents">Indexes into the job's documents, in the order they are sent (Print-Jobs or Send-Documents).</param>
/// <param name="Copies">The copies attribute to send; 1 means none is sent.</param>
/// <param name="MultipleDocumentHandling">The multiple-document-handling attribute to send, or null for none.</param>
public sealed record IppCopyPlan(IReadOnlyList<int> Documents, int Copies, string? MultipleDocumentHandling)
{
    public const string Collated = "separate-documents-collated-copies";
    public const string Uncollated = "separate-documents-uncollated-copies";

    /// <summary>
    /// The printer makes the copies when it says it can (copies-supported reaches <paramref name="copies"/>) and the
    /// order comes out as asked: one document; several in one job with the printer supporting the asked
    /// multiple-document-handling; or one job per document, uncollated (each job's copies together is d1 d1 d2 d2).
    /// Everything else — collated copies over one job per document, a printer with copies-supported 1..1 or silent about
    /// it, an unknown printer (<paramref name="printer"/> null) — is made here: the documents are sent once per copy in
    /// the asked order, so the copies print whatever the printer does with a copies attribute.
    /// </summary>
    /// <param name="oneJobPerDocument">Each document becomes its own Print-Job (no Create-Job or multi-document jobs).</param>
    public static IppCopyPlan For(int documentCount, int copies, bool uncollated, IppPrinterStatus? printer, bool oneJobPerDocument)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(documentCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(copies, 1);
        var once = Enumerable.Range(0, documentCount).ToArray();
        if (copies == 1)
        {
            return new IppCopyPlan(once, 1, null);
        }

        if (printer?.MaxCopies >= copies)
        {
            if (documentCount == 1 || (oneJobPerDocument && uncollated))
            {
                return new IppCopyPlan(once, copies, null);
            }

            var handling = uncollated ? Uncollated : Collated;
            if (!oneJobPerDocument && printer.MultipleDocumentHandlingSupported.Contains(handling))
            {
                return new IppCopyPlan(once, copies, handling);
            }
        }

        return new IppCopyPlan(PrintOrder.WithCopies(once, copies, uncollated), 1, null);
    }
}
