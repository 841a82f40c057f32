namespace ActorSpool.Domain.Topology;

/// <summary>
/// The printer/queue configuration is invalid. <see cref="Problems"/> holds every problem found, each as
/// <c>&lt;file&gt;: &lt;key path&gt;: &lt;problem&gt;</c>; the message lists them one per line.
/// </summary>
public sealed class TopologyException : Exception
{
    public TopologyException(IReadOnlyList<string> problems, Exception? inner = null)
        : base(string.Join(Environment.NewLine, problems ?? throw new ArgumentNullException(nameof(problems))), inner)
    {
        if (problems.Count == 0)
        {
            throw new ArgumentException("A topology exception needs at least one problem.", nameof(problems));
        }

        Problems = problems.ToArray();
    }

    /// <summary>Every problem found, one entry each.</summary>
    public IReadOnlyList<string> Problems { get; }
}
