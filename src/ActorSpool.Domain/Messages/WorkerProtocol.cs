using ActorSpool.Domain.Jobs;
using Akka.Actor;

namespace ActorSpool.Domain.Messages;

public static class WorkerProtocol
{
    public sealed record ExecuteJob(string Queue, long JobId, int Attempt, string Printer, JobDocument[] Documents, long Pages) : ISpoolMessage
    {
        /// <summary>The job's copies, handed on to the printer in <see cref="PrinterProtocol.DeliverJob"/>.</summary>
        public Copies Copies { get; init; } = Copies.One;

        /// <summary>Handed on in <see cref="PrinterProtocol.DeliverJob"/>, so the printer starts waiting jobs in the queue's order.</summary>
        public int Priority { get; init; }

        public long Sequence { get; init; }

        /// <summary>Handed on in <see cref="PrinterProtocol.DeliverJob"/> for printers that keep submission order across queues.</summary>
        public DateTimeOffset SubmittedAt { get; init; }

        /// <summary>The job the queue sent this printer just before, still under way: see <see cref="PrinterProtocol.DeliverJob.After"/>.</summary>
        public long? After { get; init; }
    }

    /// <summary>A recovering queue asks the worker of a job it had dispatched whether the delivery is still going on.</summary>
    public sealed record IsWorkingOn(string Queue, long JobId, int Attempt) : ISpoolMessage;

    public sealed record WorkingOn(long JobId, int Attempt, bool Busy) : ISpoolMessage;

    /// <summary>The node is leaving: take no new job, finish (and report) the current one, then answer <see cref="Drained"/>.</summary>
    public sealed record Drain
    {
        public static readonly Drain Instance = new();
    }

    public sealed record Drained
    {
        public static readonly Drained Instance = new();
    }

    public sealed record GetWorkerStatus : ISpoolMessage
    {
        public static readonly GetWorkerStatus Instance = new();
    }

    public sealed record WorkerStatus(string Worker, string Node, string? Queue, long? JobId, string? Printer, long Completed, long Failed) : ISpoolMessage
    {
        /// <summary>The site of the worker's node; null: none.</summary>
        public string? Site { get; init; }
    }
}
