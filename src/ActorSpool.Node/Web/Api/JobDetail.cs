using ActorSpool.Domain.Jobs;
using Akka.Actor;

namespace ActorSpool.Node.Web.Api;

/// <summary>One delivery attempt of a job, as <c>GET /api/v1/jobs/{id}</c> lists it.</summary>
public sealed record JobAttemptView(int Attempt, string? Printer, string? Node, string Outcome, DateTimeOffset? StartedAt, DateTimeOffset? EndedAt, string? Error);

/// <summary>A job's attempts as far as its record tells them (pure).</summary>
public static class JobAttempts
{
    /// <summary>
    /// The job record keeps the current or last dispatch only (printer, worker, times, last error), so this is at
    /// most one attempt: the latest. Earlier failed attempts show in <see cref="JobRecord.Attempts"/>'s count only.
    /// </summary>
    public static IReadOnlyList<JobAttemptView> Derive(JobRecord job)
    {
        if (job.Dispatches == 0 || job.Printer is null && job.Worker is null) return [];
        var outcome = job.State switch
        {
            JobState.Processing or JobState.ProcessingStopped => "in-progress",
            JobState.Completed => "delivered",
            JobState.Aborted => "failed",
            JobState.Canceled => "canceled",
            _ when job.LastError is not null => "failed",
            _ => "interrupted",
        };
        var ended = job.State.IsTerminal() ? job.CompletedAt : null;
        return [new JobAttemptView(Math.Max(job.Attempts, 1), job.Printer, NodeOf(job.Worker), outcome, job.ProcessingAt, ended, job.LastError)];
    }

    /// <summary>The member address of a worker's actor path (akka.tcp://actorspool@host:port/user/...), or null.</summary>
    public static string? NodeOf(string? workerPath) =>
        workerPath is not null && ActorPath.TryParseAddress(workerPath, out var address) ? address.ToString() : null;
}
