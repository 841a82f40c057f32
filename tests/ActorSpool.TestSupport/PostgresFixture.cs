using Xunit;

namespace ActorSpool.TestSupport;

/// <summary>
/// xunit class/collection fixture owning one <see cref="ThrowawayPostgres"/> server for the lifetime of the test
/// class (or collection). Tests isolate themselves with <see cref="ThrowawayPostgres.CreateDatabase"/>.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private ThrowawayPostgres? _server;

    /// <summary>The running server (available once xunit has initialized the fixture).</summary>
    public ThrowawayPostgres Server => _server ?? throw new InvalidOperationException("The PostgreSQL fixture has not been initialized.");

    public async Task InitializeAsync()
    {
        _server = await ThrowawayPostgres.StartAsync().ConfigureAwait(false);
    }

    public async Task DisposeAsync()
    {
        var server = Interlocked.Exchange(ref _server, null);
        if (server is not null)
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }
    }
}
