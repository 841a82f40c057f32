using ActorSpool.TestSupport;

namespace ActorSpool.Chaos.Tests;

/// <summary>
/// Every chaos scenario belongs to this one collection: they run one at a time (each spawns several node
/// processes on a 2-core machine) and share one throwaway PostgreSQL server, each scenario in its own database.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ChaosCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "chaos";
}
