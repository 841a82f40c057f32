namespace ActorSpool.Domain.Messages;

/// <summary>
/// Marks every message, event and snapshot of ActorSpool: they are serialized by the spooler's own JSON
/// serializer (bound in config/actorspool.conf), in the journal and between nodes; the queue's snapshot has a
/// binary serializer of its own (see <see cref="Jobs.QueueSnapshotCodec"/>).
/// </summary>
public interface ISpoolMessage;

/// <summary>A message for one JobQueue entity; the queue name is the sharding entity id.</summary>
public interface IQueueMessage : ISpoolMessage
{
    string Queue { get; }
}

/// <summary>A message for one Printer entity; the printer name is the sharding entity id.</summary>
public interface IPrinterMessage : ISpoolMessage
{
    string Printer { get; }
}
