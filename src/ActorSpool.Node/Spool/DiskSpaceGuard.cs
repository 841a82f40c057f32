namespace ActorSpool.Node.Spool;

/// <summary>
/// Refuses new jobs and documents while the spool's file system has less than a minimum free, so the disk never fills
/// under jobs already accepted: they still print (and free their space), new ones are refused before a byte is written.
/// The free space is asked anew at every submission (statfs: microseconds), so intake resumes as soon as there is room.
/// </summary>
public sealed class DiskSpaceGuard
{
    private readonly Func<long?> _freeBytes;

    /// <param name="minFreeBytes">0 or less: no check.</param>
    /// <param name="freeBytes">The bytes free now; null when unknown (then nothing is refused).</param>
    public DiskSpaceGuard(long minFreeBytes, Func<long?> freeBytes)
    {
        MinFreeBytes = minFreeBytes;
        _freeBytes = freeBytes ?? throw new ArgumentNullException(nameof(freeBytes));
    }

    /// <summary>No check (PostgreSQL keeps the documents on the database's disk; tests that drive an ingress directly).</summary>
    public static DiskSpaceGuard Off { get; } = new(0, () => null);

    public long MinFreeBytes { get; }

    /// <summary>A guard on the file system that holds <paramref name="directory"/>.</summary>
    public static DiskSpaceGuard ForDirectory(string directory, long minFreeBytes)
    {
        var path = Path.GetFullPath(directory);
        return new DiskSpaceGuard(minFreeBytes, () =>
        {
            try
            {
                return new DriveInfo(path).AvailableFreeSpace;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
                return null;
            }
        });
    }

    /// <summary>Why a new submission must wait, or null when there is room.</summary>
    public string? Shortage()
    {
        if (MinFreeBytes <= 0 || _freeBytes() is not { } free || free >= MinFreeBytes)
        {
            return null;
        }

        return $"the spool disk has {Mebibytes(free)} free, less than the {Mebibytes(MinFreeBytes)} kept free (actorspool.limits.min-free-disk); try again later";
    }

    private static string Mebibytes(long bytes) => $"{bytes / (1024.0 * 1024.0):0.#} MiB";
}
