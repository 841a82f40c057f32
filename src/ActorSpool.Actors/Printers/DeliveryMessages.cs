using ActorSpool.Domain.Jobs;

namespace ActorSpool.Actors.Printers;

/// <summary>Between a Printer and its protocol actor children: one delivery of one job to one device address.</summary>
public static class DeliveryMessages
{
    /// <summary>
    /// <paramref name="Copies"/> and <paramref name="UncollatedCopies"/> are the job's: each protocol makes the copies its
    /// own way (see <see cref="Domain.Messages.PrinterProtocol.DeliverJob"/>).
    /// </summary>
    public sealed record DeliverDocuments(long JobId, int Attempt, Uri Target, JobDocument[] Documents, int Copies, bool UncollatedCopies);

    public sealed record DocumentsDelivered(long JobId, int Attempt, long Bytes);

    /// <summary>Sent by the protocol actor as it is restarted after a fault: the attempt failed.</summary>
    public sealed record DeliveryFaulted(long JobId, int Attempt, string Error, bool DeviceUnreachable);

    /// <summary>A heartbeat's answer for one path: reachable or not, and what the device says about itself.</summary>
    public sealed record ProbeCompleted(Uri Target, bool Reachable, string? Error, string[] DeviceReasons, bool DeviceAccepting);
}
