namespace ActorSpool.Node.Tests.Management;

/// <summary>Waits on a condition with a generous limit (a busy 2-core machine is slow, never wrong).</summary>
public static class Eventually
{
    public static async Task<T> ValueAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan? timeout = null, string what = "condition")
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        T last;
        while (true)
        {
            last = await probe();
            if (done(last)) return last;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{what} not reached within {timeout ?? TimeSpan.FromSeconds(90)}; last: {last}");
            await Task.Delay(250);
        }
    }
}
