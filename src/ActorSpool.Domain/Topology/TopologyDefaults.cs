namespace ActorSpool.Domain.Topology;

/// <summary>Values used when a queue does not set the corresponding key.</summary>
public static class TopologyDefaults
{
    public const QueueMode Mode = QueueMode.Failover;
    public const bool Sequential = false;
    public const int DefaultPriority = 50;
    public const int MinPriority = 1;
    public const int MaxPriority = 100;
    public const int MaxAttempts = 3;
    public const int MaxMaxAttempts = 100;

    public const int MaxJobs = 100_000;
    public const int MaxJobsPerUser = 0;
    public const int MaxDocumentsPerJob = 1_000;

    /// <summary>256 MiB.</summary>
    public const long MaxDocumentBytes = 256L * 1024 * 1024;
}
