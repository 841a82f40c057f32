using System.Text.Json.Nodes;
using ActorSpool.Actors.Serialization;
using ActorSpool.Domain.Jobs;
using ActorSpool.TestSupport;
using Akka.Actor;
using Akka.Persistence;
using Akka.TestKit.Xunit2;
using Microsoft.Data.Sqlite;
using static ActorSpool.Domain.Messages.JobQueueProtocol.Events;

namespace ActorSpool.Actors.Tests.Serialization;

/// <summary>
/// A queue's journal and snapshot written by an earlier version (<see cref="JournalFixture"/>, committed under
/// Fixtures/) recover with today's serializer: every event and the snapshot with its type and values.
/// </summary>
public sealed class JournalReplayTests : TestKit
{
    private readonly TempDirectory _directory;
    private readonly string _database;

    public JournalReplayTests()
        : this(new TempDirectory())
    {
    }

    private JournalReplayTests(TempDirectory directory)
        : this(directory, JournalFixture.CopyTo(JournalFixture.MainBeforePinning, directory.Path))
    {
    }

    private JournalReplayTests(TempDirectory directory, string database)
        : base(JournalFixture.Config(database))
    {
        _directory = directory;
        _database = database;
    }

    [Fact]
    public void The_fixture_of_main_stores_full_type_names_as_manifests()
    {
        // Guards the fixture itself: rewritten by a build that pins manifests, it would no longer test old journals.
        // Its snapshot is JSON (7431) too, from before QueueSnapshotSerializer: JSON snapshots must keep recovering.
        var (journal, snapshot) = JournalFixture.StoredManifests(_database);

        // The events were JobQueueEvents' then, in ActorSpool.Domain.Jobs; they are JobQueueProtocol.Events' now.
        Assert.Equal(JournalFixture.Events.Select(e => ("ActorSpool.Domain.Jobs.JobQueueEvents+" + e.GetType().Name, 7431L)), journal);
        Assert.Equal([(typeof(QueueSnapshot).FullName!, 7431L)], snapshot);
        Assert.Equal("ActorSpool.Domain.Jobs.JobQueueEvents+JobAccepted", journal[0].Manifest);
    }

    [Fact]
    public void Every_event_of_the_journal_replays_with_its_values()
    {
        var recovered = Recover(new Recovery(SnapshotSelectionCriteria.None));

        Assert.Null(recovered.Snapshot);
        Assert.Equal(Enumerable.Range(1, JournalFixture.Events.Count).Select(i => (long)i), recovered.Events.Select(e => e.SequenceNr));
        foreach (var (expected, actual) in JournalFixture.Events.Zip(recovered.Events)) SameValue.Equal(expected, actual.Event);

        // Spelled out for a few fields that only init properties or nested records carry.
        var accepted = Assert.IsType<JobAccepted>(recovered.Events[0].Event);
        Assert.Equal((2, true, "report.pdf"), (accepted.Job.Copies.Count, accepted.Job.Copies.Uncollated, accepted.Job.Documents[0].Name));
        var held = Assert.IsType<JobHeld>(recovered.Events[9].Event);
        Assert.Equal(("weekend", new DateTimeOffset(2026, 12, 5, 0, 0, 0, TimeSpan.FromHours(1))), (held.HoldUntil, held.ReleaseAt));
        var restarted = Assert.IsType<JobRestarted>(recovered.Events[16].Event);
        Assert.Equal((4L, (string?)null), (restarted.Sequence, restarted.HoldUntil));
        Assert.Equal([2L, 3], Assert.IsType<JobsPurged>(recovered.Events[18].Event).JobIds);
    }

    [Fact]
    public void Recovery_offers_the_snapshot_and_replays_the_events_after_it()
    {
        var recovered = Recover(Recovery.Default);

        Assert.NotNull(recovered.Snapshot);
        Assert.Equal(JournalFixture.SnapshotAfter, recovered.Snapshot.Metadata.SequenceNr);
        SameValue.Equal(JournalFixture.Snapshot, recovered.Snapshot.Snapshot);
        var snapshot = Assert.IsType<QueueSnapshot>(recovered.Snapshot.Snapshot);
        Assert.True(snapshot.Paused);
        Assert.Equal([JobState.Completed, JobState.PendingHeld, JobState.PendingHeld], snapshot.Jobs.Select(j => j.State));
        Assert.True(snapshot.Jobs[2].Incoming);

        Assert.Equal(JournalFixture.Events.Count - JournalFixture.SnapshotAfter, recovered.Events.Count);
        foreach (var (expected, actual) in JournalFixture.Events.Skip(JournalFixture.SnapshotAfter).Zip(recovered.Events))
            SameValue.Equal(expected, actual.Event);
    }

    [Fact]
    public void Today_writes_every_field_the_fixture_stored_as_it_was_stored()
    {
        // However the types are arranged in code (moved, their fields regrouped into a value), each event and the JSON
        // snapshot is written with every field the fixture holds, under the same name and with the same value; a
        // field added since may come on top. So a stored shape changes only on purpose, with a replay test of its own.
        var (journal, snapshot) = JournalFixture.StoredPayloads(_database);
        var serializer = new SpoolJsonSerializer((ExtendedActorSystem)Sys);

        Assert.Equal(JournalFixture.Events.Count, journal.Count);
        foreach (var (written, stored, i) in JournalFixture.Events.Zip(journal, Enumerable.Range(1, journal.Count)))
            AssertWrittenAsStored(JsonNode.Parse(stored), JsonNode.Parse(serializer.ToBinary(written)), $"event {i} ({written.GetType().Name})");
        AssertWrittenAsStored(JsonNode.Parse(snapshot), JsonNode.Parse(serializer.ToBinary(JournalFixture.Snapshot)), "snapshot");
    }

    private static void AssertWrittenAsStored(JsonNode? stored, JsonNode? written, string path)
    {
        switch (stored)
        {
            case JsonObject fields:
                var writtenFields = Assert.IsType<JsonObject>(written);
                foreach (var (name, value) in fields)
                {
                    Assert.True(writtenFields.ContainsKey(name), $"{path}: {name} is no longer written");
                    AssertWrittenAsStored(value, writtenFields[name], $"{path}.{name}");
                }
                break;
            case JsonArray items:
                var writtenItems = Assert.IsType<JsonArray>(written);
                Assert.Equal(items.Count, writtenItems.Count);
                for (var i = 0; i < items.Count; i++) AssertWrittenAsStored(items[i], writtenItems[i], $"{path}[{i}]");
                break;
            default:
                Assert.True(JsonNode.DeepEquals(stored, written),
                    $"{path}: stored {stored?.ToJsonString() ?? "null"}, written {written?.ToJsonString() ?? "null"}");
                break;
        }
    }

    protected override void AfterAll()
    {
        base.AfterAll();
        SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }

    private Recovered Recover(Recovery recovery) => this.Recover(JournalFixture.PersistenceId, recovery);
}
