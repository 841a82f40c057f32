using System.Collections.Concurrent;
using static ActorSpool.Domain.Messages.JobQueueProtocol;

namespace ActorSpool.Node.Ingress.Ipp;

/// <summary>The IPP printer-state of a queue, derived from its status (RFC 8011 §5.4.11–5.4.13).</summary>
internal sealed record PrinterState(int State, string[] Reasons, string Message)
{
    public const int Idle = 3;
    public const int Processing = 4;
    public const int Stopped = 5;

    public static PrinterState Of(Replies.QueueStatus status)
    {
        if (status.Paused)
            return new(Stopped, ["paused"],
                $"Queue {status.Queue} is paused: it accepts jobs and prints none until resumed.");
        // The queue keeps accepting (spooling) jobs either way; "stopped" says that nothing will print until a
        // printer of the pool comes back.
        if (status.AcceptingPrinters.Length == 0)
            return new(Stopped, ["offline-report"],
                $"No printer of queue {status.Queue} is accepting work; jobs wait in the queue.");
        if (status.Processing > 0)
            return new(Processing, ["none"], $"Printing {status.Processing} job(s) on {string.Join(", ", status.AcceptingPrinters)}.");
        return new(Idle, ["none"], $"Idle; ready on {string.Join(", ", status.AcceptingPrinters)}.");
    }

    public bool SameAs(PrinterState other) => State == other.State && Reasons.SequenceEqual(other.Reasons);
}

/// <summary>
/// Remembers when this node first saw each queue's current printer-state, for printer-state-change-time. The
/// spooler keeps no such history, so the value is "changed no later than"; it starts at node start.
/// </summary>
internal sealed class PrinterStateHistory
{
    private readonly ConcurrentDictionary<string, (PrinterState State, DateTimeOffset Since)> _seen =
        new(StringComparer.OrdinalIgnoreCase);

    public DateTimeOffset ChangedAt(string queue, PrinterState state, DateTimeOffset now, DateTimeOffset startedAt) =>
        _seen.AddOrUpdate(
            queue,
            _ => (state, startedAt),
            (_, seen) => seen.State.SameAs(state) ? seen : (state, now)).Since;
}
