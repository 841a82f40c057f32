using System.Text.Json.Serialization;
using ActorSpool.Domain.Jobs;
using ActorSpool.Domain.Printers;
using Akka.Actor;

namespace ActorSpool.Domain.Messages;

/// <summary>
/// A Printer entity's protocol: the commands and the query it takes, its replies, and the status it publishes.
/// </summary>
public static class PrinterProtocol
{
    /// <summary>The distributed pub-sub topic on which printers publish <see cref="PrinterStatus"/>.</summary>
    public const string StatusTopic = "printer-status";

    public interface IPrinterCommand : IPrinterMessage;

    // Commands.

    /// <summary>Deliver a job's documents to the device; the printer answers the sender with <see cref="DeliveryFinished"/>.</summary>
    public sealed record DeliverJob(string Printer, string Queue, long JobId, int Attempt, JobDocument[] Documents) : IPrinterCommand
    {
        /// <summary>
        /// How many times the documents print: the protocol actor asks the device for copies where it can (IPP) and
        /// otherwise sends the documents that often (AppSocket) or names them that often in the control file (LPD).
        /// </summary>
        public Copies Copies { get; init; } = Copies.One;

        /// <summary>The job's priority and its place in its queue: the printer starts what waits in this order.</summary>
        public int Priority { get; init; }

        public long Sequence { get; init; }

        /// <summary>When the job was submitted: a sequential printer starts waiting jobs of all its queues in this order.</summary>
        public DateTimeOffset SubmittedAt { get; init; }

        /// <summary>
        /// The sender delivers the bytes itself (a spool worker, on the node the balancer chose): when the job's turn
        /// comes the printer answers with a permit naming the path to use, instead of delivering through its own
        /// protocol actor. Without it (spoolctl's test page) the printer delivers.
        /// </summary>
        public bool ByWorker { get; init; }

        /// <summary>
        /// The job of the same queue dispatched to this printer just before this one (null: none under way). Different
        /// workers carry the two, so they may arrive the other way round: the printer starts this one only after that
        /// one started (or 5 s have passed, in case it never comes), keeping the queue's order.
        /// </summary>
        public long? After { get; init; }
    }

    public sealed record PausePrinter(string Printer) : IPrinterCommand;

    public sealed record ResumePrinter(string Printer) : IPrinterCommand;

    /// <summary>
    /// The journal of a printer's pause (persistence id <c>printer-pause-NAME</c>): one event per pause or resume, so a
    /// paused printer stays paused across a restart or a move of its entity. Stored for good, under pinned manifests.
    /// </summary>
    public static class PauseEvents
    {
        public sealed record PrinterPaused(DateTimeOffset At) : ISpoolMessage;

        public sealed record PrinterResumed(DateTimeOffset At) : ISpoolMessage;
    }

    // Query: answered with the PrinterStatus below.

    public sealed record GetPrinterStatus(string Printer) : IPrinterCommand;

    /// <summary>
    /// To a printer with <c>sequential = on</c>: the job <paramref name="Queue"/> would send it next (null: none), so
    /// the printer can give the turn to the earliest submitted job of all its queues (see SequentialTurns). Sent on
    /// every change and every dispatch tick, so a printer that restarted learns them again within a second.
    /// </summary>
    public sealed record SequenceCandidate(string Printer, string Queue, long? JobId, DateTimeOffset? SubmittedAt) : IPrinterCommand;

    // Replies to DeliverJob.

    /// <summary>The printer took the job into its line: the worker now watches the printer entity.</summary>
    public sealed record DeliveryQueued(string Printer, long JobId, int Attempt) : ISpoolMessage;

    public sealed record DeliveryFinished(string Printer, long JobId, int Attempt, DeliveryOutcome Outcome, string? Error, long Bytes) : ISpoolMessage;

    // Event: not persisted, published to every queue.

    /// <summary>
    /// What a Printer entity tells the queues about its device, published on <see cref="StatusTopic"/> as it changes and
    /// the answer to <see cref="GetPrinterStatus"/>; queues place work only on accepting printers.
    /// </summary>
    public sealed record PrinterStatus(
        string Name,
        PrinterState State,
        bool Reachable,
        bool Paused,
        bool BreakerOpen,
        bool UsingFallback,
        int ActiveDeliveries,
        int WaitingDeliveries,
        string[] Reasons,
        long Delivered,
        long Failed,
        DateTimeOffset At) : ISpoolMessage
    {
        /// <summary>The last delivery or probe error, for operators.</summary>
        public string? LastError { get; init; }

        /// <summary>The last heartbeat probe's duration on the path in use, in milliseconds (null when unknown or unanswered).</summary>
        public double? ProbeLatencyMs { get; init; }

        /// <summary>The device URI deliveries go over now (the uri or one of the fallback-uris); null when no path is usable.</summary>
        public string? PathInUse { get; init; }

        /// <summary>The printer keeps submission order across its queues (<c>sequential = on</c>).</summary>
        public bool Sequential { get; init; }

        /// <summary>The printer's <c>site</c> and <c>alternate-site</c> (null: none; its queues' then): where deliveries to it run.</summary>
        public string? Site { get; init; }

        public string? AlternateSite { get; init; }

        /// <summary>For a sequential printer: the queue and job whose turn it is (null: any queue may dispatch).</summary>
        public string? TurnQueue { get; init; }

        public long? TurnJobId { get; init; }

        /// <summary>Whether <paramref name="queue"/> may send <paramref name="jobId"/> to this printer now (always, unless sequential).</summary>
        public bool IsTurnOf(string queue, long jobId) => !Sequential || TurnQueue is null || (TurnQueue == queue && TurnJobId == jobId);

        [JsonIgnore]
        public bool IsAcceptingWork => Reachable && !Paused && !BreakerOpen;

        /// <summary>The state before the first heartbeat answered: not yet usable.</summary>
        public static PrinterStatus Unknown(string name) =>
            new(name, PrinterState.Stopped, false, false, false, false, 0, 0, ["connecting-to-device"], 0, 0, DateTimeOffset.MinValue);
    }
}
