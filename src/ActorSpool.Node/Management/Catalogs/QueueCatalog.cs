using ActorSpool.Actors.Topology;
using ActorSpool.Domain.Jobs;
using ActorSpool.Domain.Topology;
using ActorSpool.Node.Spool;
using static ActorSpool.Domain.Messages.JobQueueProtocol;

namespace ActorSpool.Node.Management.Catalogs;

/// <summary>A queue as spoolctl and the REST API show it (spoolctl's <c>--json</c> shape, the API's QueueView).</summary>
public sealed record QueueView(
    string Name,
    string Mode,
    bool Sequential,
    bool Paused,
    int Pending,
    int Held,
    int Processing,
    int Completed,
    int Canceled,
    int Aborted,
    IReadOnlyList<string> Printers,
    IReadOnlyList<string> AcceptingPrinters,
    int DefaultPriority,
    int MaxAttempts,
    long MaxDocumentBytes,
    int? RawPort)
{
    public string State => Paused ? "paused" : AcceptingPrinters.Count > 0 ? "ready" : "no-printer";

    public static QueueView From(QueueDefinition q, Replies.QueueStatus s) => new(
        q.Name, q.Mode.ToString().ToLowerInvariant(), q.Sequential, s.Paused, s.Pending, s.Held, s.Processing, s.Completed, s.Canceled, s.Aborted,
        q.Printers, s.AcceptingPrinters, q.DefaultPriority, q.MaxAttempts, q.MaxDocumentBytes, q.RawPort);
}

/// <summary>One configured queue and what its entity answered: a view, or why there is none.</summary>
public sealed record QueueAnswer(QueueDefinition Definition, QueueView? View, string? Error);

/// <summary>What a pause or resume came to: the queue's new view, or the queue's refusal.</summary>
public sealed record QueueChange(QueueView? View, Replies.CommandResult? Refusal);

/// <summary>Queues' views, gathered from their entities, for spoolctl's <c>queue</c> palette and the REST API alike.</summary>
public sealed class QueueCatalog(ISpoolGateway spool, ILiveTopology liveTopology)
{
    public SpoolTopology Topology => liveTopology.Current;

    /// <summary>Every configured queue in name order; a queue that does not answer in time has an error instead.</summary>
    public async Task<IReadOnlyList<QueueAnswer>> ListAsync(CancellationToken ct) =>
        await Task.WhenAll(Topology.QueueNames.Select(n => Topology.Queues[n]).Select(async q =>
        {
            try
            {
                return new QueueAnswer(q, await ShowAsync(q, ct), null);
            }
            catch (TimeoutException e)
            {
                return new QueueAnswer(q, null, e.Message);
            }
        }));

    /// <summary>One queue's view; throws <see cref="TimeoutException"/> when its entity does not answer.</summary>
    public async Task<QueueView> ShowAsync(QueueDefinition queue, CancellationToken ct) =>
        QueueView.From(queue, await spool.GetQueueStatusAsync(queue.Name, ct));

    /// <summary>Pauses or resumes dispatching (persisted by the queue); the queue refuses a requester who is no admin.</summary>
    public async Task<QueueChange> PauseOrResumeAsync(QueueDefinition queue, bool pause, Requester by, CancellationToken ct)
    {
        var answer = pause ? await spool.PauseQueueAsync(queue.Name, by, ct) : await spool.ResumeQueueAsync(queue.Name, by, ct);
        return answer switch
        {
            Replies.QueueStatus status => new QueueChange(QueueView.From(queue, status), null),
            Replies.CommandResult refused => new QueueChange(null, refused),
            _ => throw new InvalidOperationException($"unexpected answer to pause/resume: {answer?.GetType().Name ?? "null"}"),
        };
    }
}
