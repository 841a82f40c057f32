namespace ActorSpool.Domain.Jobs;

/// <summary>
/// How many times a job prints its documents (IPP <c>copies</c>, LPD <c>lpr -#N</c>), and in which order: collated
/// (the whole job once, then again: d1 d2 d1 d2) unless <paramref name="Uncollated"/> (each document's copies
/// together: d1 d1 d2 d2; IPP separate-documents-uncollated-copies). Deliveries expand them with
/// <c>ActorSpool.Protocols.Documents.PrintOrder</c> where the device cannot make them itself.
/// </summary>
/// <remarks>
/// <c>default(Copies)</c> is zero copies, which <see cref="Problem"/> refuses: a job that asks for nothing prints
/// <see cref="One"/>, so properties of this type start there.
/// </remarks>
public readonly record struct Copies(int Count, bool Uncollated)
{
    /// <summary>The most copies a job may ask for (what IPP advertises as copies-supported 1..Max).</summary>
    public const int Max = 999;

    /// <summary>One copy, collated: what a job prints unless it asks for more, and what records from before copies meant.</summary>
    public static Copies One => new(1, Uncollated: false);

    /// <summary>A reason to refuse these copies, or null when the count is within 1..<see cref="Max"/>.</summary>
    public string? Problem() => Count is < 1 or > Max ? $"copies {Count} is outside 1..{Max}" : null;
}
