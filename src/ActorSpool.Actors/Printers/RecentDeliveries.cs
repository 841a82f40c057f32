using static ActorSpool.Domain.Messages.PrinterProtocol;

namespace ActorSpool.Actors.Printers;

/// <summary>
/// The last N settled delivery attempts of one printer, oldest forgotten first. A worker whose request was
/// delayed (a shard hand-off, a lost acknowledgement) may re-send an attempt the printer already finished;
/// answering from here keeps that from printing the job a second time.
/// </summary>
internal sealed class RecentDeliveries(int capacity)
{
    private readonly Dictionary<(string Queue, long JobId, int Attempt), DeliveryFinished> _byAttempt = new();
    private readonly Queue<(string Queue, long JobId, int Attempt)> _order = new();

    public void Remember(string queue, DeliveryFinished finished)
    {
        var key = (queue, finished.JobId, finished.Attempt);
        if (_byAttempt.TryAdd(key, finished)) _order.Enqueue(key);
        else _byAttempt[key] = finished;
        while (_order.Count > capacity) _byAttempt.Remove(_order.Dequeue());
    }

    public DeliveryFinished? Find(string queue, long jobId, int attempt) =>
        _byAttempt.GetValueOrDefault((queue, jobId, attempt));
}
