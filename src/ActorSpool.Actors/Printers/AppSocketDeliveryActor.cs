using ActorSpool.Actors.Storage;
using ActorSpool.Domain.Jobs;
using ActorSpool.Protocols.AppSocket;
using ActorSpool.Protocols.Documents;
using static ActorSpool.Actors.Printers.DeliveryMessages;

namespace ActorSpool.Actors.Printers;

/// <summary>
/// socket://host:port — AppSocket/JetDirect: stream the documents, half-close, wait for the device to close. The raw
/// stream has no notion of copies, so a job of N copies sends its documents N times on the one connection, in the
/// job's collation (d1 d2 d1 d2, or d1 d1 d2 d2 when uncollated); CUPS's socket backend likewise sends a raw file
/// once per copy.
/// </summary>
public sealed class AppSocketDeliveryActor(IDocumentStore documents, SpoolSettings settings) : ProtocolDeliveryActor(documents, settings)
{
    private readonly AppSocketOptions _options = new() { ConnectTimeout = settings.ConnectTimeout, IdleTimeout = settings.IdleTimeout };

    protected override Task<long> DeliverAsync(DeliverDocuments delivery, CancellationToken ct) =>
        AppSocketClient.SendAsync(delivery.Target.Host, delivery.Target.Port,
            PrintOrder.WithCopies(Sources(delivery), delivery.Copies.Count, delivery.Copies.Uncollated), _options, ct);

    public static Akka.Actor.Props Props(IDocumentStore documents, SpoolSettings settings) =>
        Akka.Actor.Props.Create(() => new AppSocketDeliveryActor(documents, settings));
}
