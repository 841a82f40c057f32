using ActorSpool.Actors.Hosting;
using Akka.Configuration;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace ActorSpool.Actors.Tests.Hosting;

/// <summary>
/// The node's persistence settings as a <see cref="Config"/>: exactly what <see cref="SpoolPersistence"/> adds to a
/// host's builder, for the tests whose ActorSystem is a TestKit's or made without Akka.Hosting.
/// </summary>
public static class PersistenceConfig
{
    /// <summary>SQLite in a data directory, as a node without --db.</summary>
    public static Config Sqlite(string dataDirectory) => Of(akka => akka.WithSqlitePersistence(dataDirectory));

    public static Config Of(string providerName, string connectionString, string? snapshotConnectionString = null) =>
        Of(akka => akka.WithSpoolPersistence(providerName, connectionString, snapshotConnectionString));

    /// <summary>The builder's configuration after <paramref name="configure"/>, as the ActorSystem would start with it.</summary>
    public static Config Of(Action<AkkaConfigurationBuilder> configure)
    {
        var builder = new AkkaConfigurationBuilder(new ServiceCollection(), "persistence-config");
        configure(builder);
        return builder.Configuration.Value;
    }
}
