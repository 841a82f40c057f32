using ActorSpool.Domain.Topology;
using static ActorSpool.Domain.Messages.PrinterProtocol;

namespace ActorSpool.Domain.Printers;

/// <summary>
/// Chooses the printer of a queue's pool for the next job. Pure so the failover and balance rules are
/// tested without actors. A printer takes up to <c>depth</c> jobs of a queue at a time (<c>inFlight</c>): with a depth
/// of 2 the next job is granted and on its way while one prints, so the device never waits on the journal.
/// </summary>
public static class PrinterSelector
{
    /// <param name="avoid">The printer that failed this job's last attempt: a retry goes to the next healthy one when there is one.</param>
    /// <param name="rotation">A counter the caller advances, so balance mode spreads ties round-robin.</param>
    public static string? Choose(
        QueueDefinition queue,
        Func<string, PrinterStatus?> status,
        IReadOnlyDictionary<string, int> inFlight,
        string? avoid,
        int rotation = 0,
        int depth = 1)
    {
        var healthy = queue.Printers.Where(p => status(p)?.IsAcceptingWork == true).ToList();
        if (healthy.Count == 0) return null;

        bool Free(string printer) => inFlight.GetValueOrDefault(printer) < depth;

        if (queue.Mode == QueueMode.Failover)
        {
            // First healthy printer of the pool; a retry moves on to the next healthy one after the failed printer.
            var first = healthy[0];
            if (avoid is not null && healthy.Count > 1 && healthy.Contains(avoid))
            {
                first = healthy[(healthy.IndexOf(avoid) + 1) % healthy.Count];
            }
            return Free(first) ? first : null;
        }

        var candidates = healthy.Where(Free).ToList();
        if (candidates.Count > 1 && avoid is not null) candidates.Remove(avoid);
        if (candidates.Count == 0) return null;
        // Fewest of our jobs in flight first (an idle printer before a second job for a busy one), then the least
        // loaded device (other queues share printers); ties round-robin.
        var fewest = candidates.Min(p => inFlight.GetValueOrDefault(p));
        candidates = candidates.Where(p => inFlight.GetValueOrDefault(p) == fewest).ToList();
        var leastWaiting = candidates.Min(p => Load(status(p)));
        var tied = candidates.Where(p => Load(status(p)) == leastWaiting).ToList();
        return tied[Math.Abs(rotation % tied.Count)];
    }

    private static int Load(PrinterStatus? status) => status is null ? 0 : status.ActiveDeliveries + status.WaitingDeliveries;
}
