namespace ActorSpool.Domain.Jobs;

/// <summary>
/// Copies of a job (IPP <c>copies</c>, LPD <c>lpr -#N</c>); collated (the whole job once, then again) unless the job
/// asks for uncollated copies. Deliveries expand them with <c>ActorSpool.Protocols.Documents.PrintOrder</c>.
/// </summary>
public static class JobCopies
{
    /// <summary>The most copies a job may ask for (what IPP advertises as copies-supported 1..Max).</summary>
    public const int Max = 999;

    /// <summary>A reason to refuse <paramref name="copies"/>, or null when it is a valid number of copies.</summary>
    public static string? Problem(int copies) =>
        copies is < 1 or > Max ? $"copies {copies} is outside 1..{Max}" : null;
}
