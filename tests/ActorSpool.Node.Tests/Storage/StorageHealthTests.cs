using ActorSpool.Actors.Storage;
using ActorSpool.Node.Spool;
using ActorSpool.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ActorSpool.Node.Tests.Storage;

/// <summary>The readiness check against a real PostgreSQL whose connection hangs (through <see cref="TcpFaultProxy"/>).</summary>
public sealed class StorageHealthTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task A_database_that_hangs_for_good_is_reported_unavailable_by_one_check_and_available_again_once_it_answers()
    {
        await using var proxy = TcpFaultProxy.Start(postgres.Server.Port);
        // No timeouts of Npgsql's own (0 = wait for ever): only the check's timeout can end a check.
        var database = new NpgsqlConnectionStringBuilder(postgres.Server.CreateDatabase($"health_{Guid.NewGuid():N}"[..30]))
        {
            Port = proxy.Port,
            Timeout = 0,
            CommandTimeout = 0,
        };
        await using var store = new PostgresDocumentStore(database.ConnectionString);
        await store.InitializeAsync();
        var health = new StorageHealth(store, NullLogger<StorageHealth>.Instance, TimeProvider.System);
        await health.CheckAsync(CancellationToken.None);
        Assert.True(health.Current.Available);

        proxy.Hang();
        var connectionsBefore = proxy.AcceptedConnections;
        await health.CheckAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.False(health.Current.Available);
        Assert.Equal("no answer within 3 s", health.Current.Error);

        // The hung query is still out: further checks wait for it instead of piling up new ones.
        await health.CheckAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.False(health.Current.Available);
        Assert.Equal(connectionsBefore, proxy.AcceptedConnections);

        proxy.PassThrough();
        await Eventually.WaitUntilAsync(async () =>
        {
            await health.CheckAsync(CancellationToken.None);
            return health.Current.Available;
        }, "the check reports the database available again");
    }
}
