namespace ActorSpool.Domain.Topology;

/// <summary>
/// One change to the live topology (spoolctl printer/queue add|set|remove, CUPS-Add-Modify-Printer, config apply).
/// A list of edits is applied as one change: all or nothing.
/// </summary>
public abstract record TopologyEdit
{
    private TopologyEdit()
    {
    }

    /// <summary>Adds a printer (<see cref="PutMode.Add"/>), replaces one (<see cref="PutMode.Set"/>) or either (<see cref="PutMode.Upsert"/>).</summary>
    public sealed record PutPrinter(PrinterDefinition Printer, PutMode Mode) : TopologyEdit;

    /// <summary>Removes a printer; refused while a queue still uses it (unless the same change removes it from them).</summary>
    public sealed record RemovePrinter(string Name) : TopologyEdit;

    public sealed record PutQueue(QueueDefinition Queue, PutMode Mode) : TopologyEdit;

    /// <summary>Removes a queue; the keeper refuses it while the queue holds unfinished jobs (spoolctl's --force moves or cancels them first).</summary>
    public sealed record RemoveQueue(string Name) : TopologyEdit;

    public sealed record SetDefaultQueue(string Name) : TopologyEdit;

    /// <summary>spoolctl config apply: the whole topology becomes this one.</summary>
    public sealed record ReplaceAll(SpoolTopology Topology) : TopologyEdit;

    /// <summary>What the edit says, for logs and the journal ("printer lj-9 added").</summary>
    public string Describe() => this switch
    {
        PutPrinter p => $"printer {p.Printer.Name} {Verb(p.Mode)}",
        RemovePrinter r => $"printer {r.Name} removed",
        PutQueue q => $"queue {q.Queue.Name} {Verb(q.Mode)}",
        RemoveQueue r => $"queue {r.Name} removed",
        SetDefaultQueue d => $"default queue set to {d.Name}",
        ReplaceAll => "configuration applied",
        _ => GetType().Name,
    };

    private static string Verb(PutMode mode) => mode switch
    {
        PutMode.Add => "added",
        PutMode.Set => "changed",
        _ => "added or changed",
    };
}

public enum PutMode
{
    /// <summary>Only a new name; an existing one is a conflict.</summary>
    Add,

    /// <summary>Only an existing name; a missing one is an error.</summary>
    Set,

    /// <summary>Either (CUPS-Add-Modify-Printer).</summary>
    Upsert,
}

/// <summary>
/// Applies edits to a topology (pure). The result is validated by writing it as printers.conf text and reading it back
/// with <see cref="TopologyLoader"/>, so a live change obeys exactly the rules a file does.
/// </summary>
public static class TopologyEditor
{
    /// <summary>The source name prefixed to validation problems of a live change.</summary>
    public const string Source = "live topology";

    /// <summary>The topology after <paramref name="edits"/>, or the problems (nothing is applied then).</summary>
    public static TopologyEditOutcome Apply(SpoolTopology current, IReadOnlyList<TopologyEdit> edits)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(edits);
        var problems = new List<string>();
        var printers = new Dictionary<string, PrinterDefinition>(current.Printers, StringComparer.OrdinalIgnoreCase);
        var queues = new Dictionary<string, QueueDefinition>(current.Queues, StringComparer.OrdinalIgnoreCase);
        var defaultQueue = current.DefaultQueue;
        var demo = current.DemoPrinters;
        foreach (var edit in edits)
        {
            switch (edit)
            {
                case TopologyEdit.PutPrinter put:
                    Put(printers, put.Printer.Name, put.Printer, put.Mode, "printer", problems);
                    break;
                case TopologyEdit.RemovePrinter remove:
                    if (!printers.Remove(remove.Name)) problems.Add($"printer {remove.Name}: no such printer");
                    break;
                case TopologyEdit.PutQueue put:
                    Put(queues, put.Queue.Name, put.Queue, put.Mode, "queue", problems);
                    break;
                case TopologyEdit.RemoveQueue remove:
                    if (!queues.Remove(remove.Name)) problems.Add($"queue {remove.Name}: no such queue");
                    break;
                case TopologyEdit.SetDefaultQueue set:
                    defaultQueue = set.Name;
                    break;
                case TopologyEdit.ReplaceAll all:
                    printers = new Dictionary<string, PrinterDefinition>(all.Topology.Printers, StringComparer.OrdinalIgnoreCase);
                    queues = new Dictionary<string, QueueDefinition>(all.Topology.Queues, StringComparer.OrdinalIgnoreCase);
                    defaultQueue = all.Topology.DefaultQueue;
                    demo = all.Topology.DemoPrinters;
                    break;
                default:
                    problems.Add($"unknown change {edit.GetType().Name}");
                    break;
            }
        }

        foreach (var queue in queues.Values)
        {
            foreach (var missing in queue.Printers.Where(p => !printers.ContainsKey(p)))
                problems.Add($"queue {queue.Name}: printer {missing} does not exist");
        }

        if (queues.Count == 0) problems.Add("the spooler needs at least one queue");
        // The default queue follows a removal of the old one to the first queue by name, as the loader would choose.
        if (!queues.ContainsKey(defaultQueue))
        {
            if (edits.OfType<TopologyEdit.SetDefaultQueue>().Any(d => string.Equals(d.Name, defaultQueue, StringComparison.OrdinalIgnoreCase)))
                problems.Add($"default queue {defaultQueue}: no such queue");
            defaultQueue = queues.Keys.Order(StringComparer.Ordinal).FirstOrDefault() ?? defaultQueue;
        }

        if (problems.Count > 0) return new TopologyEditOutcome(null, problems);
        var candidate = new SpoolTopology(printers, queues, defaultQueue) { DemoPrinters = demo };
        try
        {
            return new TopologyEditOutcome(TopologyLoader.LoadText(TopologyWriter.ToHocon(candidate), Source), []);
        }
        catch (TopologyException e)
        {
            return new TopologyEditOutcome(null, e.Problems);
        }
    }

    private static void Put<T>(Dictionary<string, T> items, string name, T item, PutMode mode, string kind, List<string> problems)
    {
        var exists = items.ContainsKey(name);
        if (mode == PutMode.Add && exists) problems.Add($"{kind} {name} already exists (use set to change it)");
        else if (mode == PutMode.Set && !exists) problems.Add($"{kind} {name}: no such {kind} (use add to create it)");
        else items[name] = item;
    }
}

/// <param name="Topology">The new topology; null when <see cref="Problems"/> says why not.</param>
public sealed record TopologyEditOutcome(SpoolTopology? Topology, IReadOnlyList<string> Problems);
