namespace ActorSpool.Domain.Jobs;

/// <summary>
/// Copies of a job (IPP <c>copies</c>, LPD <c>lpr -#N</c>) and the order their documents print in (IPP
/// <c>multiple-document-handling</c>): collated — the whole job once, then again (d1 d2, d1 d2) — is the default;
/// uncollated prints each document's copies together (d1 d1, d2 d2).
/// </summary>
public static class JobCopies
{
    /// <summary>The most copies a job may ask for (what IPP advertises as copies-supported 1..Max).</summary>
    public const int Max = 999;

    /// <summary>A reason to refuse <paramref name="copies"/>, or null when it is a valid number of copies.</summary>
    public static string? Problem(int copies) =>
        copies is < 1 or > Max ? $"copies {copies} is outside 1..{Max}" : null;

    /// <summary>
    /// The documents as a device without a notion of copies must receive them: each one <paramref name="copies"/>
    /// times, whole job after whole job (collated) or each document's copies together (<paramref name="uncollated"/>).
    /// </summary>
    public static IReadOnlyList<T> InPrintOrder<T>(IReadOnlyList<T> documents, int copies, bool uncollated)
    {
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentOutOfRangeException.ThrowIfLessThan(copies, 1);
        return uncollated
            ? documents.SelectMany(d => Enumerable.Repeat(d, copies)).ToArray()
            : Enumerable.Range(0, copies).SelectMany(_ => documents).ToArray();
    }
}
