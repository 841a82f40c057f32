using ActorSpool.Actors.Storage;
using ActorSpool.Protocols.AppSocket;
using static ActorSpool.Actors.Printers.DeliveryMessages;

namespace ActorSpool.Actors.Printers;

/// <summary>socket://host:port — AppSocket/JetDirect: stream the documents, half-close, wait for the device to close.</summary>
public sealed class AppSocketDeliveryActor(IDocumentStore documents, SpoolSettings settings) : ProtocolDeliveryActor(documents, settings)
{
    private readonly AppSocketOptions _options = new() { ConnectTimeout = settings.ConnectTimeout, IdleTimeout = settings.IdleTimeout };

    protected override Task<long> DeliverAsync(DeliverDocuments delivery, CancellationToken ct) =>
        AppSocketClient.SendAsync(delivery.Target.Host, delivery.Target.Port, Sources(delivery), _options, ct);

    public static Akka.Actor.Props Props(IDocumentStore documents, SpoolSettings settings) =>
        Akka.Actor.Props.Create(() => new AppSocketDeliveryActor(documents, settings));
}
