namespace ActorSpool.Domain.Topology;

/// <summary>What differs between two topologies, by name (config apply's report, its --dry-run).</summary>
public sealed record TopologyDiff(
    IReadOnlyList<string> PrintersAdded,
    IReadOnlyList<string> PrintersRemoved,
    IReadOnlyList<string> PrintersChanged,
    IReadOnlyList<string> QueuesAdded,
    IReadOnlyList<string> QueuesRemoved,
    IReadOnlyList<string> QueuesChanged,
    string? DefaultQueueChange)
{
    public bool IsEmpty =>
        PrintersAdded.Count + PrintersRemoved.Count + PrintersChanged.Count + QueuesAdded.Count + QueuesRemoved.Count + QueuesChanged.Count == 0
        && DefaultQueueChange is null;

    public static TopologyDiff Between(SpoolTopology before, SpoolTopology after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        return new TopologyDiff(
            Added(before.Printers, after.Printers), Added(after.Printers, before.Printers),
            Changed(before.Printers, after.Printers, TopologyWriter.PrinterFields),
            Added(before.Queues, after.Queues), Added(after.Queues, before.Queues),
            Changed(before.Queues, after.Queues, TopologyWriter.QueueFields),
            string.Equals(before.DefaultQueue, after.DefaultQueue, StringComparison.OrdinalIgnoreCase) ? null : $"{before.DefaultQueue} -> {after.DefaultQueue}");
    }

    /// <summary>One line per kind of change, for an operator ("printers added: lj-9, lj-10").</summary>
    public IEnumerable<string> Lines()
    {
        if (IsEmpty) yield return "no changes";
        foreach (var (what, names) in new[]
                 {
                     ("printers added", PrintersAdded), ("printers changed", PrintersChanged), ("printers removed", PrintersRemoved),
                     ("queues added", QueuesAdded), ("queues changed", QueuesChanged), ("queues removed", QueuesRemoved),
                 })
        {
            if (names.Count > 0) yield return $"{what}: {string.Join(", ", names)}";
        }

        if (DefaultQueueChange is not null) yield return $"default queue: {DefaultQueueChange}";
    }

    private static string[] Added<T>(IReadOnlyDictionary<string, T> before, IReadOnlyDictionary<string, T> after) =>
        after.Keys.Where(k => !before.Keys.Contains(k, StringComparer.OrdinalIgnoreCase)).Order(StringComparer.Ordinal).ToArray();

    private static string[] Changed<T>(IReadOnlyDictionary<string, T> before, IReadOnlyDictionary<string, T> after, Func<T, string> fields) =>
        after.Where(a => before.FirstOrDefault(b => string.Equals(b.Key, a.Key, StringComparison.OrdinalIgnoreCase)) is { Value: { } old } && fields(old) != fields(a.Value))
            .Select(a => a.Key).Order(StringComparer.Ordinal).ToArray();
}
