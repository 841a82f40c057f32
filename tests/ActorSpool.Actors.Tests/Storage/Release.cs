namespace ActorSpool.Actors.Tests.Storage;

/// <summary>Runs an action once when disposed (e.g. releases a lock a test holds).</summary>
internal sealed class Release(Func<Task> action) : IAsyncDisposable
{
    private Func<Task>? _action = action;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _action, null) is { } action)
        {
            await action();
        }
    }
}
