using ActorSpool.Domain.Messages;
using Akka.Cluster.Sharding;

namespace ActorSpool.Actors.Hosting;

/// <summary>Routes <see cref="IQueueMessage"/>s to the JobQueue entity named by the queue.</summary>
public sealed class QueueMessageExtractor() : HashCodeMessageExtractor(MaxShards)
{
    public const int MaxShards = 50;

    public override string? EntityId(object message) => message switch
    {
        IQueueMessage m => m.Queue,
        _ => null,
    };
}

/// <summary>Routes <see cref="IPrinterMessage"/>s to the Printer entity named by the printer.</summary>
public sealed class PrinterMessageExtractor() : HashCodeMessageExtractor(QueueMessageExtractor.MaxShards)
{
    public override string? EntityId(object message) => message switch
    {
        IPrinterMessage m => m.Printer,
        _ => null,
    };
}
