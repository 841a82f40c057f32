namespace ActorSpool.Domain.Jobs;

/// <summary>
/// Pages a job is expected to print, for the balancer's load measure before a worker has counted them.
/// A rough figure from size: about 3 KiB per page of typical office output.
/// </summary>
public static class PageEstimate
{
    public const long BytesPerPage = 3 * 1024;

    public static long FromBytes(long bytes) => bytes <= 0 ? 1 : (bytes + BytesPerPage - 1) / BytesPerPage;

    /// <summary>The job's pages with all its copies: ten copies of a report load a device ten times as long.</summary>
    public static long ForJob(JobRecord job) => FromBytes(job.TotalBytes) * Math.Max(1, job.Copies.Count);
}
