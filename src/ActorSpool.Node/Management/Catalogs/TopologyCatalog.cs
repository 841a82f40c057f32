using ActorSpool.Actors.Topology;
using ActorSpool.Domain.Jobs;
using ActorSpool.Domain.Topology;
using ActorSpool.Node.Spool;
using static ActorSpool.Domain.Messages.JobQueueProtocol;

namespace ActorSpool.Node.Management.Catalogs;

/// <summary>What to do with the unfinished jobs of a queue being removed with <c>--force</c>.</summary>
/// <param name="MoveTo">Move pending and held jobs there and wait for the ones printing; null: cancel every unfinished job.</param>
public sealed record QueueRemoval(string? MoveTo);

/// <summary>What a forced removal did: the topology change, and each job it moved or canceled (or could not).</summary>
public sealed record QueueRemovalResult(TopologyChangeResult Change, IReadOnlyList<string> JobLines);

/// <summary>Changes the live topology (spoolctl printer/queue add|set|remove, config apply) through <see cref="ITopologyAdmin"/>.</summary>
public sealed class TopologyCatalog(ITopologyAdmin admin, ILiveTopology live, ISpoolGateway spool, JobCatalog jobs)
{
    /// <summary>How long a forced removal waits for the jobs being printed to finish.</summary>
    public static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(120);

    public SpoolTopology Topology => live.Current;

    public long Version => live.Version;

    public Task<TopologyChangeResult> ChangeAsync(IReadOnlyList<TopologyEdit> edits, string by, CancellationToken ct) => admin.ChangeAsync(edits, by, ct);

    /// <summary>
    /// Removes a queue. Without <paramref name="force"/> the keeper refuses while the queue holds unfinished jobs. With
    /// it, the jobs are moved or canceled first (moves are copies then cancels, see <see cref="JobCatalog.MoveAsync"/>),
    /// jobs being printed are waited for (move) or canceled (cancel), and the removal is tried until the queue is empty
    /// or <see cref="DrainTimeout"/> passed: the keeper never removes a queue that still holds a job.
    /// </summary>
    public async Task<QueueRemovalResult> RemoveQueueAsync(string queue, QueueRemoval? force, string by, CancellationToken ct)
    {
        var remove = new TopologyEdit[] { new TopologyEdit.RemoveQueue(queue) };
        if (force is null) return new QueueRemovalResult(await admin.ChangeAsync(remove, by, ct), []);

        var target = force.MoveTo is { } name ? Topology.FindQueue(name) ?? throw new CommandException($"no queue {name} to move the jobs to") : null;
        if (target is not null && string.Equals(target.Name, queue, StringComparison.OrdinalIgnoreCase))
            throw CommandException.Usage($"queue remove: --move-to names the queue being removed ({queue})");

        var lines = new List<string>();
        var handled = new HashSet<long>();
        var deadline = DateTimeOffset.UtcNow + DrainTimeout;
        while (true)
        {
            foreach (var job in await spool.GetJobsAsync(queue, JobFilter.NotCompleted, null, 0, ct))
            {
                if (handled.Contains(job.JobId)) continue;
                if (target is null)
                {
                    var cancel = await spool.CancelJobAsync(queue, job.JobId, Requester.Operator, $"queue {queue} removed", ct);
                    if (cancel.Outcome == CommandOutcome.Ok)
                    {
                        handled.Add(job.JobId);
                        lines.Add($"job {job.JobId} canceled (was {job.State.ToKeyword()})");
                    }
                }
                else if (job.State is JobState.Pending or JobState.PendingHeld && !job.Incoming)
                {
                    var move = await jobs.MoveAsync(queue, job, target, Requester.Operator, ct);
                    if (move.Outcome == CommandOutcome.Ok)
                    {
                        handled.Add(job.JobId);
                        lines.Add($"job {job.JobId} moved to {target.Name} as job {move.NewJobId}");
                    }
                }
            }

            var result = await admin.ChangeAsync(remove, by, ct);
            if (result.Outcome != TopologyChangeOutcome.Conflict || DateTimeOffset.UtcNow >= deadline) return new QueueRemovalResult(result, lines);
            // Jobs being printed (or still receiving documents) finish first; new ones may have arrived meanwhile.
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
        }
    }
}
