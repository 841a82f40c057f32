using System.Runtime.Serialization;
using ActorSpool.Actors.Serialization;
using ActorSpool.Domain.Jobs;
using ActorSpool.TestSupport;
using Akka.Actor;
using Akka.Persistence;
using Akka.TestKit.Xunit2;
using Microsoft.Data.Sqlite;

namespace ActorSpool.Actors.Tests.Serialization;

/// <summary>
/// A queue's snapshot is written binary by <see cref="QueueSnapshotSerializer"/>, on the node's own config
/// (config/actorspool.conf, SQLite persistence), while JSON snapshots stored before it keep reading.
/// </summary>
public sealed class QueueSnapshotSerializerTests : TestKit
{
    private readonly TempDirectory _directory;
    private readonly string _database;

    public QueueSnapshotSerializerTests()
        : this(new TempDirectory())
    {
    }

    private QueueSnapshotSerializerTests(TempDirectory directory)
        : this(directory, Path.Combine(directory.Path, "actorspool.db"))
    {
    }

    private QueueSnapshotSerializerTests(TempDirectory directory, string database)
        : base(JournalFixture.Config(database))
    {
        _directory = directory;
        _database = database;
    }

    private static QueueSnapshot Snapshot => JournalFixture.Snapshot;

    [Fact]
    public void The_system_writes_a_queue_snapshot_with_the_binary_serializer_and_everything_else_as_JSON()
    {
        var serializer = Sys.Serialization.FindSerializerFor(Snapshot);

        Assert.IsType<QueueSnapshotSerializer>(serializer);
        Assert.Equal(QueueSnapshotSerializer.SerializerId, serializer.Identifier);
        Assert.Equal(QueueSnapshotSerializer.SnapshotManifest, Akka.Serialization.Serialization.ManifestFor(serializer, Snapshot));
        var bytes = serializer.ToBinary(Snapshot);
        Assert.Equal(QueueSnapshotCodec.FormatVersion, bytes[0]);
        SameValue.Equal(Snapshot, Sys.Serialization.Deserialize(bytes, QueueSnapshotSerializer.SerializerId, QueueSnapshotSerializer.SnapshotManifest));

        // The snapshot's binding is the more specific one; the ISpoolMessage binding still covers events and messages.
        Assert.All(JournalFixture.Events, e => Assert.IsType<SpoolJsonSerializer>(Sys.Serialization.FindSerializerFor(e)));
    }

    [Fact]
    public void A_JSON_snapshot_stored_before_still_reads_under_both_of_its_manifests()
    {
        var json = new SpoolJsonSerializer((ExtendedActorSystem)Sys).ToBinary(Snapshot);
        Assert.Equal((byte)'{', json[0]);

        SameValue.Equal(Snapshot, Sys.Serialization.Deserialize(json, SpoolJsonSerializer.SerializerId, "queue-snapshot"));
        SameValue.Equal(Snapshot, Sys.Serialization.Deserialize(json, SpoolJsonSerializer.SerializerId, "ActorSpool.Domain.Jobs.QueueSnapshot"));
    }

    [Fact]
    public void Unreadable_bytes_or_a_foreign_manifest_fail_loudly()
    {
        var bytes = Sys.Serialization.FindSerializerFor(Snapshot).ToBinary(Snapshot);
        bytes[^1] ^= 0xFF;

        var e = Assert.Throws<SerializationException>(
            () => Sys.Serialization.Deserialize(bytes, QueueSnapshotSerializer.SerializerId, QueueSnapshotSerializer.SnapshotManifest));
        Assert.IsType<InvalidDataException>(e.InnerException);
        Assert.Throws<SerializationException>(() => Sys.Serialization.Deserialize(bytes, QueueSnapshotSerializer.SerializerId, "queue-snapshot"));
        Assert.Throws<SerializationException>(() => new QueueSnapshotSerializer((ExtendedActorSystem)Sys).ToBinary(JournalFixture.Events[0]));
    }

    [Fact]
    public void A_big_queue_s_snapshot_is_a_fraction_of_its_JSON()
    {
        var t0 = new DateTimeOffset(2026, 12, 2, 8, 0, 0, TimeSpan.Zero);
        var jobs = Enumerable.Range(1, 1000)
            .Select(i => new JobRecord(i, "office", "alice", $"job {i}", 50, i, [new JobDocument(1, 512, "application/pdf", null)], t0.AddSeconds(i)))
            .ToArray();
        var snapshot = new QueueSnapshot(jobs, 1001);

        var binary = Sys.Serialization.FindSerializerFor(snapshot).ToBinary(snapshot);
        var json = new SpoolJsonSerializer((ExtendedActorSystem)Sys).ToBinary(snapshot);

        Assert.True(binary.Length * 10 < json.Length, $"binary {binary.Length} bytes, JSON {json.Length} bytes");
    }

    [Fact]
    public async Task The_snapshot_store_keeps_the_snapshot_binary_and_recovery_reads_it()
    {
        // The fixture's journal and snapshot written by this build, into the SQLite file this system's persistence uses.
        await JournalFixture.WriteAsync(_database);

        var (journal, snapshot) = JournalFixture.StoredManifests(_database);
        Assert.All(journal, row => Assert.Equal(SpoolJsonSerializer.SerializerId, row.Serializer));
        Assert.Equal([(QueueSnapshotSerializer.SnapshotManifest, (long)QueueSnapshotSerializer.SerializerId)], snapshot);

        var recovered = this.Recover(JournalFixture.PersistenceId, Recovery.Default);

        Assert.NotNull(recovered.Snapshot);
        Assert.Equal(JournalFixture.SnapshotAfter, recovered.Snapshot.Metadata.SequenceNr);
        SameValue.Equal(Snapshot, recovered.Snapshot.Snapshot);
        Assert.Equal(JournalFixture.Events.Count - JournalFixture.SnapshotAfter, recovered.Events.Count);
    }

    protected override void AfterAll()
    {
        base.AfterAll();
        SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }
}
