namespace ActorSpool.Domain.Messages;

/// <summary>What the cluster's alert manager (a singleton) learns over distributed pub-sub besides printers and queues.</summary>
public static class AlertProtocol
{
    /// <summary>The topic on which every node publishes its <see cref="StorageReport"/>.</summary>
    public const string StorageTopic = "actorspool-storage";

    /// <summary>
    /// A node's storage condition (its database check, StorageHealth), published when it changes and every few seconds
    /// anyway, so an alert manager started elsewhere learns it. <paramref name="Since"/>: the condition's start.
    /// </summary>
    public sealed record StorageReport(string Node, bool Available, DateTimeOffset Since, string? Error) : ISpoolMessage;
}
