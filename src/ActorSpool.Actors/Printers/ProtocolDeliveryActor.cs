using ActorSpool.Actors.Membership;
using ActorSpool.Actors.Storage;
using ActorSpool.Domain.Membership;
using ActorSpool.Protocols.AppSocket;
using Akka.Actor;
using Akka.Event;
using static ActorSpool.Actors.Printers.DeliveryMessages;

namespace ActorSpool.Actors.Printers;

/// <summary>
/// Delivers one job at a time over one protocol. Any fault — refused, reset, device error, hang past the
/// timeouts — escapes as an exception: the actor fails, its Printer parent restarts it, and
/// <see cref="PreRestart"/> reports the failed attempt. Bytes stream from the document store to the device.
/// </summary>
public abstract class ProtocolDeliveryActor : ReceiveActor
{
    protected ProtocolDeliveryActor(IDocumentStore documents, SpoolSettings settings)
    {
        Documents = documents;
        Settings = settings;
        Fence = DeliveryFence.Get(Context.System);
        ReceiveAsync<DeliverDocuments>(async delivery =>
        {
            using var deadline = new CancellationTokenSource(settings.DeliveryTimeout);
            // A node that lost touch with the cluster's majority (frozen, cut off) does not start to print: the others
            // may have downed it and given the job to a survivor (docs/cluster.md, "A frozen node").
            if (Fence.Verdict != FenceVerdict.Open)
            {
                Context.GetLogger().Warning("Delivery of job {0} to {1} held: this node hears from too few cluster members (it was frozen, cut off or starved); it waits for them, or stops once the cluster has downed it",
                    delivery.JobId, delivery.Target);
            }
            await Fence.WaitOpenAsync(deadline.Token);
            var bytes = await DeliverAsync(delivery, deadline.Token);
            Context.Parent.Tell(new DocumentsDelivered(delivery.JobId, delivery.Attempt, bytes));
        });
    }

    protected IDocumentStore Documents { get; }

    protected SpoolSettings Settings { get; }

    private DeliveryFence Fence { get; }

    /// <summary>Sends the job; returns the bytes sent, throws on any failure.</summary>
    protected abstract Task<long> DeliverAsync(DeliverDocuments delivery, CancellationToken ct);

    protected IReadOnlyList<Func<CancellationToken, Task<Stream>>> Sources(DeliverDocuments delivery) =>
        delivery.Documents
            .Select(d => (Func<CancellationToken, Task<Stream>>)(ct => OpenFencedAsync(delivery.JobId, d.Number, ct)))
            .ToList();

    /// <summary>A document to send: each piece is read only while the <see cref="DeliveryFence"/> is open.</summary>
    protected async Task<Stream> OpenFencedAsync(long jobId, int documentNumber, CancellationToken ct) =>
        new FencedReadStream(await Documents.OpenReadAsync(jobId, documentNumber, ct), Fence);

    protected override void PreRestart(Exception reason, object message)
    {
        if (message is DeliverDocuments delivery)
        {
            var unreachable = reason is PrinterDeliveryException { Kind: DeliveryFailureKind.ConnectionRefused or DeliveryFailureKind.ConnectTimeout };
            Context.Parent.Tell(new DeliveryFaulted(delivery.JobId, delivery.Attempt, Describe(reason), unreachable));
        }
        base.PreRestart(reason, message);
    }

    private static string Describe(Exception reason) => reason switch
    {
        PrinterDeliveryException { InnerException: { } inner } p when inner is not System.Net.Sockets.SocketException => $"{p.Kind}: {p.Message} ({inner.Message})",
        PrinterDeliveryException p => $"{p.Kind}: {p.Message}",
        OperationCanceledException => "delivery timed out",
        _ => reason.Message,
    };
}
