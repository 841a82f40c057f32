using ActorSpool.Node.Spool;

namespace ActorSpool.Node.Tests.Ingress;

/// <summary>Overload is a prompt "busy", never a hang: the node's bound on submissions in progress.</summary>
public sealed class IntakeLimiterTests
{
    [Fact]
    public async Task Submissions_beyond_the_slots_wait_and_get_a_slot_when_one_is_freed()
    {
        var limiter = new IntakeLimiter(maxConcurrent: 2, maxWaiting: 10, maxWait: TimeSpan.FromMinutes(5));
        using var first = await limiter.TryEnterAsync(CancellationToken.None);
        var second = await limiter.TryEnterAsync(CancellationToken.None);
        Assert.NotNull(first);
        Assert.NotNull(second);

        var third = limiter.TryEnterAsync(CancellationToken.None);
        Assert.False(third.IsCompleted);
        second!.Dispose();
        Assert.NotNull(await third.WaitAsync(TimeSpan.FromMinutes(1)));
        Assert.Equal(0, limiter.Refused);
    }

    [Fact]
    public async Task A_submission_that_finds_the_waiting_line_full_is_refused_at_once()
    {
        var limiter = new IntakeLimiter(maxConcurrent: 1, maxWaiting: 1, maxWait: TimeSpan.FromMinutes(5));
        using var busy = await limiter.TryEnterAsync(CancellationToken.None);
        var waiting = limiter.TryEnterAsync(CancellationToken.None);

        // The line holds one; the next is not kept waiting for minutes, it is told "busy" now.
        Assert.Null(await limiter.TryEnterAsync(CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(1)));
        Assert.Equal(1, limiter.Refused);
        Assert.False(waiting.IsCompleted);
    }

    [Fact]
    public async Task A_submission_that_waited_its_longest_is_refused()
    {
        var limiter = new IntakeLimiter(maxConcurrent: 1, maxWaiting: 10, maxWait: TimeSpan.FromMilliseconds(50));
        using var busy = await limiter.TryEnterAsync(CancellationToken.None);
        Assert.Null(await limiter.TryEnterAsync(CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(1)));
        Assert.Equal(1, limiter.Refused);
    }

    [Fact]
    public async Task A_slot_given_back_twice_counts_once()
    {
        var limiter = new IntakeLimiter(maxConcurrent: 1, maxWaiting: 0, maxWait: TimeSpan.Zero);
        var slot = await limiter.TryEnterAsync(CancellationToken.None);
        slot!.Dispose();
        slot.Dispose();
        using var again = await limiter.TryEnterAsync(CancellationToken.None);
        Assert.NotNull(again);
        Assert.Null(await limiter.TryEnterAsync(CancellationToken.None));
    }
}
