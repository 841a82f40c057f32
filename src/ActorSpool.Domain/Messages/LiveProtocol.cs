namespace ActorSpool.Domain.Messages;

/// <summary>
/// What the nodes publish for the web console's live feed (issue #13): job changes from the queues, each node's
/// throughput sample and report. Published over distributed pub-sub, never persisted.
/// </summary>
public static class LiveProtocol
{
    /// <summary>The topic queues publish <see cref="JobChanges"/> on, once the changes are durable.</summary>
    public const string JobChangesTopic = "actorspool-job-changes";

    /// <summary>The topic every node publishes its <see cref="NodeStats"/> on, every <see cref="StatsIntervalSeconds"/>.</summary>
    public const string NodeStatsTopic = "actorspool-node-stats";

    public const int StatsIntervalSeconds = 5;

    public interface ILiveMessage : ISpoolMessage;

    /// <summary>A job's state after one durable event; <paramref name="State"/> is the IPP keyword (pending-held, ...).</summary>
    public sealed record JobChange(long JobId, string State, string? Printer, DateTimeOffset At)
    {
        /// <summary>The event made the job (Print-Job, Create-Job): counts as submitted.</summary>
        public bool Submitted { get; init; }

        /// <summary>For a job that completed: milliseconds from its submission to its completion.</summary>
        public long? SubmitToPrintedMs { get; init; }
    }

    /// <summary>The queue's counts after the changes (what the console's queue rows show).</summary>
    public sealed record QueueCounts(bool Paused, int Pending, int Held, int Processing, int Completed, int Canceled, int Aborted);

    /// <summary>
    /// One journal write's worth of a queue's changes, published after they are durable. <paramref name="Node"/> is the
    /// address of the node the queue runs on (whose throughput they count); <paramref name="Changes"/> may be empty when
    /// only the queue changed (paused, resumed, purged).
    /// </summary>
    public sealed record JobChanges(string Queue, string Node, JobChange[] Changes, QueueCounts Counts) : ILiveMessage;

    /// <summary>What a node says about itself (ports, version, workers) for /api/v1/nodes.</summary>
    public sealed record NodeReport(string Address, string[] Roles, int IppPort, int HttpPort, string Version, DateTimeOffset StartedAt, int Workers);

    /// <summary>One interval of a node's own queues: jobs submitted and completed per second, p95 of submit-to-printed.</summary>
    public sealed record StatsSample(DateTimeOffset At, double SubmittedPerSecond, double CompletedPerSecond, long? P95SubmitToPrintedMs);

    /// <summary>Every node's publication every <see cref="StatsIntervalSeconds"/>: its report and its latest sample.</summary>
    public sealed record NodeStats(NodeReport Report, StatsSample Sample) : ILiveMessage;
}
