using ActorSpool.Actors.Hosting;
using ActorSpool.Actors.Storage;
using ActorSpool.Actors.Tests.Hosting;
using ActorSpool.TestSupport;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using Microsoft.Data.Sqlite;

namespace ActorSpool.Actors.Tests.Storage;

/// <summary>
/// An ActorSystem with the node's own persistence config on a temporary SQLite data directory; nothing touches the
/// files before a test asks.
/// </summary>
public abstract class SqliteDataDirectoryTestKit : TestKit
{
    protected SqliteDataDirectoryTestKit()
        : this(new TempDirectory())
    {
    }

    private SqliteDataDirectoryTestKit(TempDirectory data)
        : base(ConfigurationFactory.ParseString("akka.loglevel = WARNING\nakka.actor.provider = local")
            .WithFallback(PersistenceConfig.Sqlite(data.Path))
            .WithFallback(ConfigurationFactory.ParseString(File.ReadAllText(RepoPaths.Config("actorspool.conf")))))
    {
        Data = data;
    }

    protected TempDirectory Data { get; }

    protected string JournalFile => Path.Combine(Data.Path, SpoolPersistence.SqliteFileName);

    protected string SnapshotsFile => Path.Combine(Data.Path, SqliteSnapshotsFile.FileName);

    protected override void AfterAll()
    {
        base.AfterAll();
        SqliteConnection.ClearAllPools();
        Data.Dispose();
    }
}
