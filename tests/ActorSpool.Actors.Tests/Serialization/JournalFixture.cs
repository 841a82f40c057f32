using ActorSpool.Actors.Hosting;
using ActorSpool.Actors.Tests.Hosting;
using ActorSpool.Domain.Jobs;
using ActorSpool.TestSupport;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Microsoft.Data.Sqlite;
using static ActorSpool.Domain.Messages.JobQueueProtocol;
using static ActorSpool.Domain.Messages.JobQueueProtocol.Events;

namespace ActorSpool.Actors.Tests.Serialization;

/// <summary>
/// A queue's journal and snapshot as the node stores them (SpoolPersistence on SQLite, the serializer bound in
/// config/actorspool.conf): every event type of <see cref="Events"/> and a <see cref="QueueSnapshot"/>.
/// <see cref="WriteAsync"/> writes them with whatever serializers this build has (today: events JSON, the snapshot
/// binary); the files in Fixtures/ were written by earlier versions and are replayed by <see cref="JournalReplayTests"/>.
/// </summary>
/// <remarks>
/// Frozen: the fixtures were written from exactly these values, so change them only together with a new fixture.
/// </remarks>
public static class JournalFixture
{
    public const string Queue = "fixture";
    public const string PersistenceId = "job-queue-" + Queue;

    /// <summary>Written by main before manifests were pinned: manifests are full type names.</summary>
    public const string MainBeforePinning = "journal-main-2026-12-05.db";

    private static readonly DateTimeOffset T0 = new(2026, 12, 2, 8, 0, 0, TimeSpan.Zero);
    private const string Worker1 = "akka.tcp://actorspool@10.0.0.1:4053/user/spool-worker-1#1234";
    private const string Worker2 = "akka.tcp://actorspool@10.0.0.2:4053/user/spool-worker-3#5678";

    private static readonly DateTimeOffset WeekendStarts = new(2026, 12, 5, 0, 0, 0, TimeSpan.FromHours(1));

    private static readonly JobDocument Report = new(1, 52_000, "application/pdf", "report.pdf");
    private static readonly JobDocument Drawing = new(1, 2_048, "application/postscript", null);

    private static readonly JobRecord Job1 = new(1, Queue, "alice", "report", 50, 1, [Report], T0)
    {
        Copies = new Copies(2, Uncollated: true),
    };

    private static readonly JobRecord Job2 = new(2, Queue, "bob", "slides", 70, 2, [Report with { Name = "slides.pdf" }], T0.AddMinutes(1))
    {
        State = JobState.PendingHeld,
        HoldUntil = HoldUntil.Indefinite,
    };

    private static readonly JobRecord Job3 = new(3, Queue, "carol", "drawing", 50, 3, [], T0.AddMinutes(2))
    {
        State = JobState.PendingHeld,
        Incoming = true,
        LastDocumentAt = T0.AddMinutes(2),
        HoldUntil = HoldUntil.Night,
    };

    /// <summary>The journal in order (sequence numbers 1, 2, ...): a story of three jobs touching every event type.</summary>
    public static IReadOnlyList<IJobQueueEvent> Events { get; } =
    [
        new JobAccepted(Job1, false, T0),
        new JobDispatched(1, 1, "lj-1", Worker1, T0.AddSeconds(1)),
        new JobAttemptFailed(1, 1, "lj-1", "connection refused", T0.AddSeconds(2)),
        new JobDispatched(1, 2, "lj-2", Worker2, T0.AddSeconds(3)),
        new JobInterrupted(1, "worker lost", T0.AddSeconds(4)),
        new JobDispatched(1, 3, "lj-2", Worker2, T0.AddSeconds(5)),
        new JobCompleted(1, 3, "lj-2", T0.AddSeconds(6)),
        new JobAccepted(Job2, true, T0.AddMinutes(1)),
        new JobReleased(2, T0.AddMinutes(1).AddSeconds(10)),
        new JobHeld(2, T0.AddMinutes(1).AddSeconds(20)) { HoldUntil = HoldUntil.Weekend, ReleaseAt = WeekendStarts },
        new JobCreated(Job3, T0.AddMinutes(2)),
        new QueuePaused("operator", T0.AddMinutes(3)),
        // The snapshot is taken here (SnapshotAfter).
        new DocumentAdded(3, Drawing, T0.AddMinutes(4)),
        new JobClosed(3, "last-document", T0.AddMinutes(5)) { HoldUntil = HoldUntil.Night, ReleaseAt = T0.AddHours(10) },
        new JobCanceled(2, "alice", T0.AddMinutes(6)),
        new JobAborted(3, "document-format-not-supported", T0.AddMinutes(7)),
        new JobRestarted(1, 4, T0.AddMinutes(8)) { ReleaseAt = T0.AddHours(1) },
        new QueueResumed(T0.AddMinutes(9)),
        new JobsPurged([2, 3], T0.AddMinutes(10)),
    ];

    /// <summary>The snapshot is saved after this many events, so recovery offers it and then replays the rest.</summary>
    public const int SnapshotAfter = 12;

    /// <summary>The queue after the first <see cref="SnapshotAfter"/> events.</summary>
    public static QueueSnapshot Snapshot { get; } = new(
        [
            Job1 with
            {
                State = JobState.Completed,
                Attempts = 2,
                Dispatches = 3,
                Printer = "lj-2",
                Worker = Worker2,
                LastError = "worker lost",
                ProcessingAt = T0.AddSeconds(5),
                CompletedAt = T0.AddSeconds(6),
            },
            Job2 with { HoldUntil = HoldUntil.Weekend, ReleaseAt = WeekendStarts },
            Job3,
        ],
        4)
    {
        Paused = true,
    };

    /// <summary>The node's persistence and serialization config on the SQLite file <paramref name="databasePath"/>.</summary>
    public static Config Config(string databasePath) =>
        ConfigurationFactory.ParseString("""
                akka.loglevel = WARNING
                # Only persistence and serialization matter here: no cluster, no remoting port.
                akka.actor.provider = local
                """)
            .WithFallback(PersistenceConfig.Of(SpoolPersistence.SqliteProvider, $"Data Source={databasePath}"))
            .WithFallback(ConfigurationFactory.ParseString(File.ReadAllText(RepoPaths.Config("actorspool.conf"))));

    /// <summary>The committed fixture <paramref name="fileName"/> copied to <paramref name="directory"/>, so tests never change it.</summary>
    public static string CopyTo(string fileName, string directory)
    {
        var copy = Path.Combine(directory, fileName);
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Serialization", "Fixtures", fileName), copy);
        return copy;
    }

    /// <summary>Persists <see cref="Events"/> and <see cref="Snapshot"/> into a new SQLite file, compacted to commit.</summary>
    public static async Task WriteAsync(string databasePath)
    {
        if (File.Exists(databasePath)) throw new IOException($"{databasePath} exists; the fixture is written into a new file");
        var system = ActorSystem.Create("journal-fixture", Config(databasePath));
        try
        {
            var writer = system.ActorOf(Props.Create(() => new Writer()), "writer");
            var reply = await writer.Ask<object>(Writer.Write.Instance, TimeSpan.FromSeconds(60));
            if (reply is Status.Failure failure) throw new InvalidOperationException("writing the fixture failed", failure.Cause);
        }
        finally
        {
            await system.Terminate();
        }

        // One self-contained file (no -wal beside it), as small as it gets.
        SqliteConnection.ClearAllPools();
        await using var connection = new SqliteConnection($"Data Source={databasePath};Pooling=False");
        await connection.OpenAsync();
        await using var compact = connection.CreateCommand();
        compact.CommandText = "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE; VACUUM;";
        await compact.ExecuteNonQueryAsync();
    }

    /// <summary>The manifest and serializer id of each stored event (in order) and snapshot of the fixture's queue.</summary>
    public static (List<(string Manifest, long Serializer)> Journal, List<(string Manifest, long Serializer)> Snapshot) StoredManifests(
        string databasePath)
    {
        using var connection = new SqliteConnection($"Data Source={databasePath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        return (
            Rows(connection, "SELECT manifest, identifier FROM journal WHERE persistence_id = @id ORDER BY sequence_number"),
            Rows(connection, "SELECT manifest, serializer_id FROM snapshot WHERE persistence_id = @id"));
    }

    /// <summary>The stored bytes of each event (in order) and of the snapshot of the fixture's queue.</summary>
    public static (List<byte[]> Journal, byte[] Snapshot) StoredPayloads(string databasePath)
    {
        using var connection = new SqliteConnection($"Data Source={databasePath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        return (
            Blobs(connection, "SELECT message FROM journal WHERE persistence_id = @id ORDER BY sequence_number"),
            Blobs(connection, "SELECT snapshot FROM snapshot WHERE persistence_id = @id").Single());
    }

    private static List<byte[]> Blobs(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("@id", PersistenceId);
        using var reader = command.ExecuteReader();
        var blobs = new List<byte[]>();
        while (reader.Read()) blobs.Add((byte[])reader.GetValue(0));
        return blobs;
    }

    private static List<(string Manifest, long Serializer)> Rows(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("@id", PersistenceId);
        using var reader = command.ExecuteReader();
        var rows = new List<(string, long)>();
        while (reader.Read()) rows.Add((reader.GetString(0), reader.GetInt64(1)));
        return rows;
    }

    private sealed class Writer : UntypedPersistentActor
    {
        private IActorRef? _replyTo;
        private int _persisted;
        private bool _snapshotSaved;

        public sealed class Write
        {
            public static readonly Write Instance = new();
        }

        public override string PersistenceId => JournalFixture.PersistenceId;

        protected override void OnCommand(object message)
        {
            switch (message)
            {
                case Write:
                    _replyTo = Sender;
                    PersistAll(Events, _ =>
                    {
                        // Inside the handler LastSequenceNr is this event's, so the snapshot lands between events.
                        if (++_persisted == SnapshotAfter) SaveSnapshot(Snapshot);
                        ReplyWhenDone();
                    });
                    break;
                case SaveSnapshotSuccess:
                    _snapshotSaved = true;
                    ReplyWhenDone();
                    break;
                case SaveSnapshotFailure f:
                    _replyTo?.Tell(new Status.Failure(f.Cause));
                    break;
            }
        }

        protected override void OnRecover(object message)
        {
        }

        protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
        {
            _replyTo?.Tell(new Status.Failure(cause));
            base.OnPersistFailure(cause, @event, sequenceNr);
        }

        private void ReplyWhenDone()
        {
            if (_persisted == Events.Count && _snapshotSaved) _replyTo?.Tell(Akka.Done.Instance);
        }
    }
}
