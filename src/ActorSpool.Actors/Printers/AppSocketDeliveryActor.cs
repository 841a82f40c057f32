using ActorSpool.Actors.Storage;
using ActorSpool.Protocols.AppSocket;
using Akka.Actor;
using static ActorSpool.Actors.Printers.DeliveryMessages;

namespace ActorSpool.Actors.Printers;

/// <summary>
/// Delivers one job at a time over AppSocket (socket://host:port). Any fault — refused, reset, hang past the
/// timeouts — escapes as an exception: the actor fails, its Printer parent restarts it, and
/// <see cref="PreRestart"/> reports the failed attempt. Bytes stream from the document store to the socket.
/// </summary>
public sealed class AppSocketDeliveryActor : ReceiveActor
{
    public AppSocketDeliveryActor(IDocumentStore documents, SpoolSettings settings)
    {
        var options = new AppSocketOptions
        {
            ConnectTimeout = settings.ConnectTimeout,
            IdleTimeout = settings.IdleTimeout,
        };

        ReceiveAsync<DeliverDocuments>(async delivery =>
        {
            using var deadline = new CancellationTokenSource(settings.DeliveryTimeout);
            var sources = delivery.Documents
                .Select(d => (Func<CancellationToken, Task<Stream>>)(ct => documents.OpenReadAsync(delivery.JobId, d.Number, ct)))
                .ToList();
            var bytes = await AppSocketClient.SendAsync(delivery.Target.Host, delivery.Target.Port, sources, options, deadline.Token);
            Context.Parent.Tell(new DocumentsDelivered(delivery.JobId, delivery.Attempt, bytes));
        });
    }

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
        PrinterDeliveryException p => $"{p.Kind}: {p.Message}",
        OperationCanceledException => "delivery timed out",
        _ => reason.Message,
    };

    public static Props Props(IDocumentStore documents, SpoolSettings settings) =>
        Akka.Actor.Props.Create(() => new AppSocketDeliveryActor(documents, settings));
}
