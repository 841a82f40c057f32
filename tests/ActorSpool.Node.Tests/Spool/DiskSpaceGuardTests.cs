using ActorSpool.Node.Spool;
using ActorSpool.TestSupport;

namespace ActorSpool.Node.Tests.Intake;

/// <summary>The free-space floor of the spool disk, asked at every submission.</summary>
public sealed class DiskSpaceGuardTests
{
    [Fact]
    public void Below_the_floor_says_why_and_above_it_lets_work_in()
    {
        long free = 50L * 1024 * 1024;
        var guard = new DiskSpaceGuard(100L * 1024 * 1024, () => free);
        Assert.Equal("the spool disk has 50 MiB free, less than the 100 MiB kept free (actorspool.limits.min-free-disk); try again later", guard.Shortage());
        free = 100L * 1024 * 1024;
        Assert.Null(guard.Shortage());
    }

    [Fact]
    public void An_unknown_free_space_or_a_floor_of_zero_refuses_nothing()
    {
        Assert.Null(new DiskSpaceGuard(100, () => null).Shortage());
        Assert.Null(new DiskSpaceGuard(0, () => 0).Shortage());
    }

    [Fact]
    public void The_directory_probe_reads_the_real_file_system()
    {
        using var dir = new TempDirectory();
        Assert.Null(DiskSpaceGuard.ForDirectory(dir.Path, 1).Shortage());
        Assert.NotNull(DiskSpaceGuard.ForDirectory(dir.Path, long.MaxValue).Shortage());
    }
}
