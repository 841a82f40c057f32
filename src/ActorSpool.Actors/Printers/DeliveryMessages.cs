using ActorSpool.Domain.Jobs;

namespace ActorSpool.Actors.Printers;

/// <summary>Between a Printer and its protocol actor children: one delivery of one job to one device address.</summary>
public static class DeliveryMessages
{
    /// <summary>
    /// <paramref name="Copies"/> are the job's: each protocol makes them its own way (see
    /// <see cref="Domain.Messages.PrinterProtocol.DeliverJob"/>).
    /// </summary>
    public sealed record DeliverDocuments(long JobId, int Attempt, Uri Target, JobDocument[] Documents, Copies Copies);

    public sealed record DocumentsDelivered(long JobId, int Attempt, long Bytes);

    /// <summary>Sent by the protocol actor as it is restarted after a fault: the attempt failed.</summary>
    public sealed record DeliveryFaulted(long JobId, int Attempt, string Error, bool DeviceUnreachable);

    /// <summary>
    /// The printer's one-at-a-time permit to a worker: deliver <paramref name="Delivery"/> (over the path it names) with
    /// your own protocol actor, and send the DocumentsDelivered or DeliveryFaulted back to the printer.
    /// </summary>
    public sealed record DeliveryPermit(string Printer, DeliverDocuments Delivery);

    /// <summary>The printer gave up on a delivery that outlived every timeout: the worker stops its protocol actor.</summary>
    public sealed record AbandonDelivery(long JobId, int Attempt, Uri Target);

    /// <summary>A heartbeat's answer for one path: reachable or not, and what the device says about itself.</summary>
    public sealed record ProbeCompleted(Uri Target, bool Reachable, string? Error, string[] DeviceReasons, bool DeviceAccepting)
    {
        /// <summary>How long the heartbeat probe took (connect, or Get-Printer-Attributes for IPP), timed by the printer entity.</summary>
        public TimeSpan? Latency { get; init; }
    }
}
