using ActorSpool.Actors.Storage;
using ActorSpool.Protocols.Documents;
using ActorSpool.Protocols.IppDelivery;
using static ActorSpool.Actors.Printers.DeliveryMessages;

namespace ActorSpool.Actors.Printers;

/// <summary>ipp://host:port/path — Print-Job (or Create-Job + Send-Document), then poll the device until it finished.</summary>
public sealed class IppDeliveryActor(IDocumentStore documents, SpoolSettings settings) : ProtocolDeliveryActor(documents, settings)
{
    protected override async Task<long> DeliverAsync(DeliverDocuments delivery, CancellationToken ct)
    {
        var format = delivery.Documents.Select(d => d.Format).FirstOrDefault() ?? DocumentFormatDetector.OctetStream;
        if (format == DocumentFormatDetector.OctetStream && delivery.Documents.Length > 0)
        {
            // Many IPP devices refuse application/octet-stream: tell them what it is, as CUPS's auto-typing would.
            format = await DetectAsync(delivery.JobId, delivery.Documents[0].Number, ct);
        }
        var options = new IppDeliveryOptions
        {
            ConnectTimeout = Settings.ConnectTimeout,
            IdleTimeout = Settings.IdleTimeout,
            JobTimeout = Settings.DeliveryTimeout,
            JobName = $"actorspool job {delivery.JobId}",
            DocumentFormat = format,
            // The device makes the copies when its copies-supported allows, else the client sends the documents again.
            Copies = delivery.Copies.Count,
            UncollatedCopies = delivery.Copies.Uncollated,
            Certificates = Settings.PrinterCertificates,
        };
        var result = await IppDeliveryClient.SendAsync(delivery.Target, Sources(delivery), options, ct);
        return result.BytesSent;
    }

    private async Task<string> DetectAsync(long jobId, int documentNumber, CancellationToken ct)
    {
        await using var stream = await Documents.OpenReadAsync(jobId, documentNumber, ct);
        var head = new byte[DocumentFormatDetector.SampleSize];
        var read = await stream.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, ct);
        return DocumentFormatDetector.Detect(head.AsSpan(0, read));
    }

    public static Akka.Actor.Props Props(IDocumentStore documents, SpoolSettings settings) =>
        Akka.Actor.Props.Create(() => new IppDeliveryActor(documents, settings));
}
