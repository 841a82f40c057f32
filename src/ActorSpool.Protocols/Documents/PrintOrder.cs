namespace ActorSpool.Protocols.Documents;

/// <summary>
/// The order a device without a notion of copies must receive a job's documents in (IPP
/// <c>multiple-document-handling</c>): collated — the whole job once, then again (d1 d2, d1 d2) — or uncollated, each
/// document's copies together (d1 d1, d2 d2).
/// </summary>
public static class PrintOrder
{
    /// <summary>Each of <paramref name="documents"/> <paramref name="copies"/> times, in print order.</summary>
    public static IReadOnlyList<T> WithCopies<T>(IReadOnlyList<T> documents, int copies, bool uncollated)
    {
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentOutOfRangeException.ThrowIfLessThan(copies, 1);
        return uncollated
            ? documents.SelectMany(d => Enumerable.Repeat(d, copies)).ToArray()
            : Enumerable.Range(0, copies).SelectMany(_ => documents).ToArray();
    }
}
