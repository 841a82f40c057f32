using ActorSpool.Domain.Jobs;
using ActorSpool.Domain.Topology;
using ActorSpool.Node.Spool;
using static ActorSpool.Domain.Messages.JobQueueProtocol;

namespace ActorSpool.Node.Management.Catalogs;

/// <summary>A job found by its id with its queue, or why it was not (<see cref="Missing"/>).</summary>
public sealed record JobLookup(string? Queue, JobRecord? Job, string? Missing)
{
    public static JobLookup NotFound(string why) => new(null, null, why);
}

/// <summary>Jobs of every queue, gathered from the queue entities, for spoolctl's <c>job</c> palette and the REST API alike.</summary>
public sealed class JobCatalog(ISpoolGateway spool, SpoolTopology topology)
{
    public SpoolTopology Topology => topology;

    /// <summary>The jobs the queues hold (<paramref name="which"/>, of <paramref name="owner"/> when given), queue by queue.</summary>
    public async Task<IReadOnlyList<JobRecord>> GatherAsync(IEnumerable<string> queues, JobFilter which, string? owner, CancellationToken ct)
    {
        var lists = await Task.WhenAll(queues.Select(q => spool.GetJobsAsync(q, which, owner, 0, ct)));
        return lists.SelectMany(l => l).ToList();
    }

    /// <summary>Finds a job by id: its queue from the document store, the record from that queue.</summary>
    public async Task<JobLookup> FindAsync(long id, CancellationToken ct)
    {
        var queue = await spool.FindQueueOfJobAsync(id, ct);
        if (queue is null) return JobLookup.NotFound($"no job {id}");
        if (topology.FindQueue(queue) is null) return JobLookup.NotFound($"job {id} belongs to queue {queue}, which this node does not configure");
        var job = await spool.GetJobAsync(queue, id, ct);
        return job is null
            ? JobLookup.NotFound($"no job {id} (queue {queue} does not know it; finished jobs are kept for a while only)")
            : new JobLookup(queue, job, null);
    }
}
