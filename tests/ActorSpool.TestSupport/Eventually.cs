namespace ActorSpool.TestSupport;

/// <summary>Waits on a condition with a generous limit instead of sleeping for a guessed time.</summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultPatience = TimeSpan.FromSeconds(60);

    /// <summary>Polls <paramref name="condition"/> until it holds; throws <see cref="TimeoutException"/> naming <paramref name="what"/> after <paramref name="timeout"/>.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultPatience);
        while (!await condition().ConfigureAwait(false))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Gave up waiting for: {what}");
            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    public static Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        WaitUntilAsync(() => Task.FromResult(condition()), what, timeout);

    /// <summary>Polls <paramref name="probe"/> until <paramref name="done"/> accepts its value, and returns that value.</summary>
    public static async Task<T> ValueAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan? timeout = null, string what = "condition")
    {
        var limit = timeout ?? TimeSpan.FromSeconds(90);
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            var last = await probe().ConfigureAwait(false);
            if (done(last)) return last;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{what} not reached within {limit}; last: {last}");
            await Task.Delay(250).ConfigureAwait(false);
        }
    }
}
