using ActorSpool.Actors.Storage;
using ActorSpool.Protocols.IppDelivery;
using static ActorSpool.Actors.Printers.DeliveryMessages;

namespace ActorSpool.Actors.Printers;

/// <summary>ipp://host:port/path — Print-Job (or Create-Job + Send-Document), then poll the device until it finished.</summary>
public sealed class IppDeliveryActor(IDocumentStore documents, SpoolSettings settings) : ProtocolDeliveryActor(documents, settings)
{
    protected override async Task<long> DeliverAsync(DeliverDocuments delivery, CancellationToken ct)
    {
        var options = new IppDeliveryOptions
        {
            ConnectTimeout = Settings.ConnectTimeout,
            IdleTimeout = Settings.IdleTimeout,
            JobTimeout = Settings.DeliveryTimeout,
            JobName = $"actorspool job {delivery.JobId}",
            DocumentFormat = delivery.Documents.Select(d => d.Format).FirstOrDefault() ?? "application/octet-stream",
        };
        var result = await IppDeliveryClient.SendAsync(delivery.Target, Sources(delivery), options, ct);
        return result.BytesSent;
    }

    public static Akka.Actor.Props Props(IDocumentStore documents, SpoolSettings settings) =>
        Akka.Actor.Props.Create(() => new IppDeliveryActor(documents, settings));
}
