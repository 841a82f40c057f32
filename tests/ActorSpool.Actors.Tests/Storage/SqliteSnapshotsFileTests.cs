using ActorSpool.Actors.Hosting;
using ActorSpool.Actors.Storage;
using ActorSpool.Actors.Tests.Hosting;
using ActorSpool.Actors.Tests.Serialization;
using ActorSpool.Domain.Jobs;
using ActorSpool.TestSupport;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.TestKit.Xunit2;
using Microsoft.Data.Sqlite;

namespace ActorSpool.Actors.Tests.Storage;

/// <summary>
/// A data directory written before snapshots got their own SQLite file keeps its snapshots: they move to
/// snapshots.db at the first start, the journal stays where it is, and the snapshot store reads them from there.
/// </summary>
public sealed class SqliteSnapshotsFileTests : SqliteDataDirectoryTestKit
{
    [Fact]
    public async Task Snapshots_in_the_journals_file_move_to_their_own_file_and_still_load()
    {
        // A journal file of the old layout: journal and snapshot tables side by side (written by an earlier main).
        var fixture = JournalFixture.CopyTo(JournalFixture.MainBeforePinning, Data.Path);
        File.Move(fixture, JournalFile);
        var snapshotRows = SqliteFiles.Rows(JournalFile, "SELECT * FROM snapshot ORDER BY persistence_id, sequence_number");
        var journalRows = SqliteFiles.Rows(JournalFile, "SELECT * FROM journal ORDER BY ordering");
        Assert.NotEmpty(snapshotRows);

        Assert.True(SqliteSnapshotsFile.MoveFromJournalFile(JournalFile, SnapshotsFile));

        Assert.Equal(snapshotRows, SqliteFiles.Rows(SnapshotsFile, "SELECT * FROM snapshot ORDER BY persistence_id, sequence_number"));
        Assert.Equal(journalRows, SqliteFiles.Rows(JournalFile, "SELECT * FROM journal ORDER BY ordering"));
        Assert.DoesNotContain("snapshot", SqliteFiles.Tables(JournalFile));
        Assert.False(File.Exists(SnapshotsFile + ".moving"));
        // Once moved, a second start moves nothing.
        Assert.False(SqliteSnapshotsFile.MoveFromJournalFile(JournalFile, SnapshotsFile));

        // The snapshot store of a node on this data directory finds the queue's snapshot in the new file.
        var store = Persistence.Instance.Apply(Sys).SnapshotStoreFor(null);
        var loaded = await store.Ask<LoadSnapshotResult>(
            new LoadSnapshot(JournalFixture.PersistenceId, SnapshotSelectionCriteria.Latest, long.MaxValue), TimeSpan.FromSeconds(30));
        Assert.NotNull(loaded.Snapshot);
        Assert.Equal(JournalFixture.SnapshotAfter, loaded.Snapshot.Metadata.SequenceNr);
        Assert.True(Assert.IsType<QueueSnapshot>(loaded.Snapshot.Snapshot).Paused);
    }

    [Fact]
    public void Nothing_moves_without_an_old_snapshot_table_or_when_the_snapshots_file_exists()
    {
        SqliteFiles.Execute(JournalFile, "CREATE TABLE journal (ordering INTEGER PRIMARY KEY);");
        Assert.False(SqliteSnapshotsFile.MoveFromJournalFile(JournalFile, SnapshotsFile));
        Assert.False(File.Exists(SnapshotsFile));

        SqliteFiles.Execute(JournalFile, "CREATE TABLE snapshot (persistence_id TEXT, sequence_nr INTEGER); INSERT INTO snapshot VALUES ('old', 1);");
        SqliteFiles.Execute(SnapshotsFile, "CREATE TABLE snapshot (persistence_id TEXT, sequence_nr INTEGER);");
        Assert.False(SqliteSnapshotsFile.MoveFromJournalFile(JournalFile, SnapshotsFile));
        Assert.Contains("snapshot", SqliteFiles.Tables(JournalFile));
    }
}
