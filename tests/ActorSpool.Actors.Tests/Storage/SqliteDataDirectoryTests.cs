using ActorSpool.Actors.Hosting;
using ActorSpool.Actors.Storage;
using ActorSpool.Actors.Tests.Hosting;
using ActorSpool.Actors.Tests.Serialization;
using ActorSpool.TestSupport;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.TestKit.Xunit2;
using Microsoft.Data.Sqlite;

namespace ActorSpool.Actors.Tests.Storage;

/// <summary>
/// The journal's and the snapshots' SQLite files are written in WAL mode with synchronous=FULL: one synced append
/// per commit instead of a rollback file created, synced and deleted each time, and no less durable.
/// </summary>
public sealed class SqliteDataDirectoryTests : SqliteDataDirectoryTestKit
{
    [Fact]
    public async Task The_journal_of_a_new_data_directory_commits_in_WAL_mode_with_full_sync()
    {
        using var dataDirectory = SqliteDataDirectory.Prepare(Data.Path);

        var writer = Sys.ActorOf(Props.Create(() => new EventWriter("wal-probe")));
        foreach (var text in new[] { "one", "two", "three" })
        {
            Assert.Equal(text, await writer.Ask<string>(text, TimeSpan.FromSeconds(30)));
        }

        Assert.Equal(["wal"], SqliteFiles.Rows(JournalFile, "PRAGMA journal_mode"));
        Assert.Equal(["wal"], SqliteFiles.Rows(SnapshotsFile, "PRAGMA journal_mode"));
        Assert.Equal(["3"], SqliteFiles.Rows(JournalFile, "SELECT count(*) FROM journal WHERE persistence_id = 'wal-probe'"));
        // The journal's connections set no pragma of their own: this is what each of its commits syncs by (2 = FULL).
        await using var journalConnection = new SqliteConnection(SpoolPersistence.SqliteConnectionString(Data.Path));
        await journalConnection.OpenAsync();
        await using var command = journalConnection.CreateCommand();
        command.CommandText = "PRAGMA synchronous";
        Assert.Equal(2L, await command.ExecuteScalarAsync());
    }

    [Fact]
    public void A_data_directory_of_an_earlier_version_is_switched_to_WAL_and_keeps_its_rows()
    {
        // Written by an earlier main in rollback mode, journal and snapshots in one file.
        File.Move(JournalFixture.CopyTo(JournalFixture.MainBeforePinning, Data.Path), JournalFile);
        Assert.Equal(["delete"], SqliteFiles.Rows(JournalFile, "PRAGMA journal_mode"));
        var journalRows = SqliteFiles.Rows(JournalFile, "SELECT * FROM journal ORDER BY ordering");
        var snapshotRows = SqliteFiles.Rows(JournalFile, "SELECT * FROM snapshot ORDER BY persistence_id, sequence_number");

        using var dataDirectory = SqliteDataDirectory.Prepare(Data.Path);

        Assert.Equal(["wal"], SqliteFiles.Rows(JournalFile, "PRAGMA journal_mode"));
        Assert.Equal(["wal"], SqliteFiles.Rows(SnapshotsFile, "PRAGMA journal_mode"));
        Assert.Equal(journalRows, SqliteFiles.Rows(JournalFile, "SELECT * FROM journal ORDER BY ordering"));
        Assert.Equal(snapshotRows, SqliteFiles.Rows(SnapshotsFile, "SELECT * FROM snapshot ORDER BY persistence_id, sequence_number"));
    }

    /// <summary>Persists each string it is sent and answers it once durable.</summary>
    private sealed class EventWriter(string persistenceId) : UntypedPersistentActor
    {
        public override string PersistenceId { get; } = persistenceId;

        protected override void OnCommand(object message)
        {
            if (message is string text) Persist(text, _ => Sender.Tell(text));
        }

        protected override void OnRecover(object message)
        {
        }
    }
}
