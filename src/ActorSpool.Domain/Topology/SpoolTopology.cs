namespace ActorSpool.Domain.Topology;

/// <summary>
/// The validated printers and queues of the spooler (see <see cref="TopologyLoader"/>).
/// Dictionaries are keyed case-insensitively by name.
/// </summary>
/// <param name="Printers">All printers by name.</param>
/// <param name="Queues">All queues by name.</param>
/// <param name="DefaultQueue">The queue used when a job names none (key <c>actorspool.default-queue</c>, else the first queue by name).</param>
public sealed record SpoolTopology(
    IReadOnlyDictionary<string, PrinterDefinition> Printers,
    IReadOnlyDictionary<string, QueueDefinition> Queues,
    string DefaultQueue)
{
    /// <summary>
    /// Key <c>actorspool.demo-printers</c>: when true a node starts a simulator for every socket:// printer on
    /// the loopback address (<see cref="DemoPrinterDefinitions"/>).
    /// </summary>
    public bool DemoPrinters { get; init; }

    /// <summary>The queue named <see cref="DefaultQueue"/>.</summary>
    public QueueDefinition DefaultQueueDefinition =>
        FindQueue(DefaultQueue) ?? throw new InvalidOperationException($"Default queue '{DefaultQueue}' is not defined.");

    /// <summary>Queue names in ordinal order.</summary>
    public IReadOnlyList<string> QueueNames => Queues.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <summary>Printer names in ordinal order.</summary>
    public IReadOnlyList<string> PrinterNames => Printers.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <summary>The queue with that name, compared case-insensitively; null when there is none.</summary>
    public QueueDefinition? FindQueue(string name) => Find(Queues, name);

    /// <summary>The printer with that name, compared case-insensitively; null when there is none.</summary>
    public PrinterDefinition? FindPrinter(string name) => Find(Printers, name);

    /// <summary>The queue that accepts raw jobs on that port, if any.</summary>
    public QueueDefinition? FindQueueByRawPort(int port) => Queues.Values.FirstOrDefault(q => q.RawPort == port);

    /// <summary>The queues (by name order) whose pool contains the printer.</summary>
    public IReadOnlyList<QueueDefinition> QueuesUsing(string printer) =>
        Queues.Values
            .Where(q => q.Printers.Contains(printer, StringComparer.OrdinalIgnoreCase))
            .OrderBy(q => q.Name, StringComparer.Ordinal)
            .ToArray();

    /// <summary>
    /// The printers a node should simulate: when <see cref="DemoPrinters"/> is on, every socket:// printer on the
    /// loopback address (by name order); otherwise none.
    /// </summary>
    public IReadOnlyList<PrinterDefinition> DemoPrinterDefinitions() =>
        DemoPrinters
            ? Printers.Values.Where(p => p.IsLoopbackSocket).OrderBy(p => p.Name, StringComparer.Ordinal).ToArray()
            : [];

    private static T? Find<T>(IReadOnlyDictionary<string, T> items, string name)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(name);
        if (items.TryGetValue(name, out var exact))
        {
            return exact;
        }

        foreach (var (key, value) in items)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        return null;
    }
}
