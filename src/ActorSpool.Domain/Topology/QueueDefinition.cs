namespace ActorSpool.Domain.Topology;

/// <summary>A print queue: where users submit jobs, served by one or more printers.</summary>
/// <param name="Name">Unique queue name; also the last segment of the queue's IPP URI (see <see cref="TopologyLoader.NamePattern"/>).</param>
/// <param name="Printers">The queue's printers, in preference order for <see cref="QueueMode.Failover"/>; at least one, no duplicates.</param>
/// <param name="Mode">How jobs are spread over <paramref name="Printers"/>.</param>
/// <param name="Sequential">When true the queue prints one job at a time, in submission order.</param>
/// <param name="DefaultPriority">Priority (1..100, higher first) of jobs submitted without one.</param>
/// <param name="MaxAttempts">Delivery attempts (1..100) before a job fails.</param>
/// <param name="MaxDocumentBytes">Largest accepted document, in bytes.</param>
/// <param name="RawPort">Optional TCP port on which the spooler accepts raw (port 9100 style) jobs for this queue.</param>
public sealed record QueueDefinition(
    string Name,
    IReadOnlyList<string> Printers,
    QueueMode Mode,
    bool Sequential,
    int DefaultPriority,
    int MaxAttempts,
    long MaxDocumentBytes,
    int? RawPort)
{
    /// <summary>Unfinished jobs (pending, held, processing) the queue holds at most; more are refused until some finish.</summary>
    public int MaxJobs { get; init; } = TopologyDefaults.MaxJobs;

    /// <summary>Unfinished jobs one owner may have in the queue; 0 = no limit (as CUPS's MaxJobsPerUser).</summary>
    public int MaxJobsPerUser { get; init; } = TopologyDefaults.MaxJobsPerUser;

    /// <summary>Documents one job may have (Send-Document, LPD files).</summary>
    public int MaxDocumentsPerJob { get; init; } = TopologyDefaults.MaxDocumentsPerJob;

    /// <summary>The site whose nodes deliver the queue's jobs to those of its printers that name no site of their own.</summary>
    public string? Site { get; init; }

    /// <summary>The site that delivers while no node of <see cref="Site"/> is in the cluster.</summary>
    public string? AlternateSite { get; init; }
}
