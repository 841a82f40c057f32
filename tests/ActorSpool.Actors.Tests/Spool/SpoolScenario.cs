using ActorSpool.TestSupport;

namespace ActorSpool.Actors.Tests.Spool;

/// <summary>
/// A test that starts its own spool (<see cref="Spool"/>) over devices it runs itself (<see cref="Peers"/>): both are
/// stopped after the test, the spool first, and the data directory deleted.
/// </summary>
public abstract class SpoolScenario : IAsyncLifetime
{
    protected TempDirectory Data { get; } = new();

    /// <summary>Simulated devices and servers the test started; disposed after the spool.</summary>
    protected List<IAsyncDisposable> Peers { get; } = new();

    protected SpoolHarness? Spool { get; set; }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (Spool is not null) await Spool.DisposeAsync();
        foreach (var peer in Peers) await peer.DisposeAsync();
        Data.Dispose();
    }
}
