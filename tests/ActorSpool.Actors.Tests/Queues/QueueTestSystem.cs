using Akka.Configuration;

namespace ActorSpool.Actors.Tests.Queues;

/// <summary>An ActorSystem for a queue entity on its own: the cluster provider (pub-sub, sharding messages) and Akka.Persistence.TestKit's in-memory journal and snapshot store.</summary>
public static class QueueTestSystem
{
    public static readonly Config Config = ConfigurationFactory.ParseString("""
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
        akka.loglevel = WARNING
        akka.persistence.journal {
          plugin = "akka.persistence.journal.test"
          auto-start-journals = ["akka.persistence.journal.test"]
          test { class = "Akka.Persistence.TestKit.TestJournal, Akka.Persistence.TestKit", plugin-dispatcher = "akka.actor.default-dispatcher" }
        }
        akka.persistence.snapshot-store {
          plugin = "akka.persistence.snapshot-store.test"
          auto-start-snapshot-stores = ["akka.persistence.snapshot-store.test"]
          test { class = "Akka.Persistence.TestKit.TestSnapshotStore, Akka.Persistence.TestKit", plugin-dispatcher = "akka.actor.default-dispatcher" }
        }
        """);
}
