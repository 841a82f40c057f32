namespace ActorSpool.Domain.Topology;

/// <summary>How a queue spreads its jobs over its printers.</summary>
public enum QueueMode
{
    /// <summary>Every job goes to the first healthy printer of the list; the next ones are stand-bys.</summary>
    Failover,

    /// <summary>Jobs are spread over all healthy printers of the list.</summary>
    Balance,
}
