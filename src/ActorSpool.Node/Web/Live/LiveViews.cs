using ActorSpool.Domain.Messages;
using ActorSpool.Domain.Topology;

namespace ActorSpool.Node.Web.Live;

// The JSON shapes of the live feed, as the REST contract of issue #13 names them; serialized with the web defaults (camelCase).

/// <summary>SSE <c>job</c>.</summary>
public sealed record JobEventView(string Queue, long JobId, string State, string? Printer, DateTimeOffset At)
{
    /// <summary>The contract's states: IPP's pending-held is "held", processing-stopped still "processing".</summary>
    public static string StateOf(string keyword) => keyword switch
    {
        "pending-held" => "held",
        "processing-stopped" => "processing",
        _ => keyword,
    };

    public static JobEventView From(string queue, LiveProtocol.JobChange change) => new(queue, change.JobId, StateOf(change.State), change.Printer, change.At);
}

/// <summary>SSE <c>queue</c>: the counts of QueueView.</summary>
public sealed record QueueEventView(string Name, bool Paused, int Pending, int Held, int Processing, int Completed, int Canceled, int Aborted)
{
    public static QueueEventView From(string queue, LiveProtocol.QueueCounts c) =>
        new(queue, c.Paused, c.Pending, c.Held, c.Processing, c.Completed, c.Canceled, c.Aborted);
}

/// <summary>SSE <c>member</c>.</summary>
public sealed record MemberEventView(string Address, string Status, string Reachability, IReadOnlyList<string> Roles, string Event);

/// <summary>SSE <c>balancer</c>.</summary>
public sealed record BalancerEventView(string Singleton);

/// <summary>SSE <c>stats</c>.</summary>
public sealed record StatsEventView(string Node, DateTimeOffset At, double SubmittedPerSecond, double CompletedPerSecond, long? P95SubmitToPrintedMs);

/// <summary>One sample of GET /api/v1/stats.</summary>
public sealed record StatsSampleView(DateTimeOffset At, double SubmittedPerSecond, double CompletedPerSecond, long? P95SubmitToPrintedMs)
{
    public static StatsSampleView From(LiveProtocol.StatsSample s) => new(s.At, s.SubmittedPerSecond, s.CompletedPerSecond, s.P95SubmitToPrintedMs);
}

public sealed record NodeSamplesView(string Node, StatsSampleView[] Samples);

/// <summary>GET /api/v1/stats.</summary>
public sealed record StatsView(int IntervalSeconds, NodeSamplesView[] Nodes);

/// <summary>One entry of GET /api/v1/nodes: the member as this node sees it, with its own report (nulls before its first).</summary>
public sealed record NodeView(
    string Address,
    IReadOnlyList<string> Roles,
    string Status,
    string Reachability,
    int? IppPort,
    int? HttpPort,
    string? Version,
    DateTimeOffset? StartedAt,
    int? Workers,
    DateTimeOffset? LastReportAt);

