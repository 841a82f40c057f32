using ActorSpool.Actors.Storage;
using ActorSpool.Protocols.Lpd;
using static ActorSpool.Actors.Printers.DeliveryMessages;

namespace ActorSpool.Actors.Printers;

/// <summary>lpd://host[:port]/queue — RFC 1179 "receive job": data files, then the control file (which carries the copies).</summary>
public sealed class LpdDeliveryActor(IDocumentStore documents, SpoolSettings settings) : ProtocolDeliveryActor(documents, settings)
{
    protected override Task<long> DeliverAsync(DeliverDocuments delivery, CancellationToken ct)
    {
        var target = delivery.Target;
        var queue = target.AbsolutePath.Trim('/');
        var files = delivery.Documents
            .Select(d => new LpdDocument(d.Length, c => OpenFencedAsync(delivery.JobId, d.Number, c), d.Name))
            .ToList();
        // RFC 1179 job numbers have three digits. Copies go in the control file (lpr -#N), the data files once.
        var info = new LpdJobInfo((int)(delivery.JobId % 1000), Environment.MachineName, "actorspool", $"job {delivery.JobId}")
        {
            Copies = delivery.Copies.Count,
            UncollatedCopies = delivery.Copies.Uncollated,
        };
        var options = new LpdOptions { ConnectTimeout = Settings.ConnectTimeout, IdleTimeout = Settings.IdleTimeout };
        return LpdClient.SendAsync(target.Host, target.Port > 0 ? target.Port : 515, queue, files, info, options, ct);
    }

    public static Akka.Actor.Props Props(IDocumentStore documents, SpoolSettings settings) =>
        Akka.Actor.Props.Create(() => new LpdDeliveryActor(documents, settings));
}
