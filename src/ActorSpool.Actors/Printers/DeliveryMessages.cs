using ActorSpool.Domain.Jobs;

namespace ActorSpool.Actors.Printers;

/// <summary>Between a Printer and its protocol actor child: one delivery of one job to one device address.</summary>
internal static class DeliveryMessages
{
    public sealed record DeliverDocuments(long JobId, int Attempt, Uri Target, JobDocument[] Documents);

    public sealed record DocumentsDelivered(long JobId, int Attempt, long Bytes);

    /// <summary>Sent by the protocol actor as it is restarted after a fault: the attempt failed.</summary>
    public sealed record DeliveryFaulted(long JobId, int Attempt, string Error, bool DeviceUnreachable);

    public sealed record ProbeCompleted(bool Reachable, string? Error);
}
