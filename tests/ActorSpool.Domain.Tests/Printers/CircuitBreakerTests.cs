using ActorSpool.Domain.Printers;

namespace ActorSpool.Domain.Tests.Printers;

public sealed class CircuitBreakerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Opens_after_the_threshold_then_half_opens_after_the_pause()
    {
        var breaker = new CircuitBreaker(3, TimeSpan.FromSeconds(10));
        Assert.False(breaker.RecordFailure(T0));
        Assert.False(breaker.RecordFailure(T0));
        Assert.True(breaker.RecordFailure(T0));
        Assert.True(breaker.IsOpen(T0.AddSeconds(5)));
        Assert.False(breaker.IsOpen(T0.AddSeconds(11)));
        Assert.True(breaker.IsHalfOpen(T0.AddSeconds(11)));

        // A failed trial re-opens at once; a success closes it.
        Assert.True(breaker.RecordFailure(T0.AddSeconds(11)));
        Assert.True(breaker.IsOpen(T0.AddSeconds(12)));
        breaker.RecordSuccess();
        Assert.False(breaker.IsOpen(T0.AddSeconds(12)));
        Assert.Equal(0, breaker.ConsecutiveFailures);
    }
}
