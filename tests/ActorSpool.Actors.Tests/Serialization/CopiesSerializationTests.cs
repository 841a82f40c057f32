using System.Text;
using System.Text.Json.Nodes;
using ActorSpool.Actors.Serialization;
using ActorSpool.Domain.Jobs;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using static ActorSpool.Domain.Messages.JobQueueProtocol;
using static ActorSpool.Domain.Messages.JobQueueProtocol.Events;
using static ActorSpool.Domain.Messages.PrinterProtocol;
using static ActorSpool.Domain.Messages.WorkerProtocol;

namespace ActorSpool.Actors.Tests.Serialization;

/// <summary>
/// Copies in the journal and on the wire: journals and snapshots written before copies existed read as one copy,
/// collated (what those jobs printed), and every message that carries a job's copies keeps them between nodes.
/// </summary>
public sealed class CopiesSerializationTests() : TestKit("akka.loglevel = WARNING")
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 8, 0, 0, TimeSpan.Zero);

    private SpoolJsonSerializer Serializer => new((ExtendedActorSystem)Sys);

    private T RoundTrip<T>(T message) where T : notnull
    {
        var serializer = Serializer;
        return (T)serializer.FromBinary(serializer.ToBinary(message), serializer.Manifest(message));
    }

    /// <summary>Reads <paramref name="json"/> as the versions before copies stored it: under the type's full name of then.</summary>
    private object Read(string json, Type type) =>
        Serializer.FromBinary(Encoding.UTF8.GetBytes(json), SpoolManifests.Entries.Single(e => e.Type == type).Legacy!);

    private static JobRecord Job(int copies, bool uncollated = false) =>
        new JobRecord(42, "office", "alice", "report", 50, 3, [new JobDocument(1, 1234, "application/pdf", "report.pdf")], T0) with
        {
            Copies = new Copies(copies, uncollated),
        };

    [Fact]
    public void An_event_written_before_copies_existed_reads_as_one_collated_copy()
    {
        // JobAccepted as the previous version wrote it: the job record has no Copies and no UncollatedCopies.
        const string json = """
            {"Job":{"JobId":42,"Queue":"office","Owner":"alice","Name":"report","Priority":50,"Sequence":3,
             "Documents":[{"Number":1,"Length":1234,"Format":"application/pdf","Name":"report.pdf"}],
             "SubmittedAt":"2026-01-01T08:00:00+00:00","State":"Pending","Attempts":0,"Dispatches":0,"Printer":null,
             "Worker":null,"LastError":null,"ProcessingAt":null,"CompletedAt":null,"CanceledBy":null,"Incoming":false,
             "LastDocumentAt":null,"HoldUntil":null,"ReleaseAt":null,"RestartedAfter":0},
             "Held":false,"At":"2026-01-01T08:00:00+00:00"}
            """;

        var accepted = Assert.IsType<JobAccepted>(Read(json, typeof(JobAccepted)));

        Assert.Equal(42, accepted.Job.JobId);
        Assert.Equal(1, accepted.Job.Copies.Count);
        Assert.False(accepted.Job.Copies.Uncollated);
    }

    [Fact]
    public void An_event_with_copies_as_main_wrote_it_reads_as_those_copies()
    {
        // JobAccepted as main wrote it before Copies was one value: two fields of the job record.
        const string json = """
            {"Job":{"JobId":42,"Queue":"office","Owner":"alice","Name":"report","Priority":50,"Sequence":3,
             "Documents":[{"Number":1,"Length":1234,"Format":"application/pdf","Name":"report.pdf"}],
             "SubmittedAt":"2026-01-01T08:00:00+00:00","State":"Pending","Attempts":0,"Dispatches":0,"Printer":null,
             "Worker":null,"LastError":null,"ProcessingAt":null,"CompletedAt":null,"CanceledBy":null,"Incoming":false,
             "LastDocumentAt":null,"HoldUntil":null,"ReleaseAt":null,"RestartedAfter":0,"Copies":3,"UncollatedCopies":true},
             "Held":false,"At":"2026-01-01T08:00:00+00:00"}
            """;
        var serializer = Serializer;

        // Under the pinned manifest (journals since pinning) and the full name (journals before).
        foreach (var manifest in new[] { "job-accepted", "ActorSpool.Domain.Jobs.JobQueueEvents+JobAccepted" })
        {
            var accepted = Assert.IsType<JobAccepted>(serializer.FromBinary(Encoding.UTF8.GetBytes(json), manifest));
            Assert.Equal(new Copies(3, Uncollated: true), accepted.Job.Copies);
        }
        var collated = Assert.IsType<JobAccepted>(Read(json.Replace("\"UncollatedCopies\":true", "\"UncollatedCopies\":false"), typeof(JobAccepted)));
        Assert.Equal(new Copies(3, Uncollated: false), collated.Job.Copies);
    }

    [Fact]
    public void A_job_record_stores_its_copies_as_two_fields_as_before()
    {
        // The record has one Copies value; its stored JSON keeps "Copies" (a number) and "UncollatedCopies".
        var job = JsonNode.Parse(Serializer.ToBinary(new JobCreated(Job(3, uncollated: true), T0)))!["Job"]!.AsObject();

        Assert.Equal(3, job["Copies"]!.GetValue<int>());
        Assert.True(job["UncollatedCopies"]!.GetValue<bool>());
        Assert.DoesNotContain(job, p => p.Key is "Count" or "Uncollated");
    }

    [Fact]
    public void A_snapshot_written_before_copies_existed_reads_as_one_copy_per_job()
    {
        // A snapshot as JSON with the copies fields taken out: exactly what versions before copies stored (JSON then).
        var snapshot = new QueueSnapshot([Job(5, uncollated: true), Job(2) with { JobId = 43 }], 10);
        var node = JsonNode.Parse(Serializer.ToBinary(snapshot))!;
        foreach (var job in node["Jobs"]!.AsArray())
        {
            Assert.True(job!.AsObject().Remove("Copies"));
            Assert.True(job.AsObject().Remove("UncollatedCopies"));
        }

        var old = Assert.IsType<QueueSnapshot>(Read(node.ToJsonString(), typeof(QueueSnapshot)));

        Assert.Equal([42L, 43], old.Jobs.Select(j => j.JobId));
        Assert.All(old.Jobs, j => Assert.Equal(1, j.Copies.Count));
        Assert.All(old.Jobs, j => Assert.False(j.Copies.Uncollated));
        Assert.Equal(1, QueueState.FromSnapshot(old).Find(42)!.Copies.Count);
    }

    [Fact]
    public void Events_and_snapshots_keep_the_copies_they_were_written_with()
    {
        Assert.Equal(5, RoundTrip(new JobAccepted(Job(5), false, T0)).Job.Copies.Count);
        Assert.True(RoundTrip(new JobCreated(Job(2, uncollated: true), T0)).Job.Copies.Uncollated);

        // Snapshots are stored binary; JSON ones stored before QueueSnapshotSerializer still read.
        var written = new QueueSnapshot([Job(7, uncollated: true)], 4);
        var binary = new QueueSnapshotSerializer((ExtendedActorSystem)Sys);
        foreach (var snapshot in new[] { (QueueSnapshot)binary.FromBinary(binary.ToBinary(written), binary.Manifest(written)), RoundTrip(written) })
        {
            Assert.Equal(7, snapshot.Jobs[0].Copies.Count);
            Assert.True(snapshot.Jobs[0].Copies.Uncollated);
        }
    }

    [Fact]
    public void Messages_between_nodes_carry_the_copies()
    {
        JobDocument[] documents = [new JobDocument(1, 10, "text/plain", null)];
        var submit = RoundTrip(new Commands.SubmitJob("office", 1, "alice", "a", null, false, documents) { Copies = new Copies(3, true) });
        var create = RoundTrip(new Commands.CreateJob("office", 2, "alice", "b", null, null) { Copies = new Copies(4, false) });
        var execute = RoundTrip(new ExecuteJob("office", 3, 1, "lj-1", documents, 9) { Copies = new Copies(5, true) });
        var deliver = RoundTrip(new DeliverJob("lj-1", "office", 3, 1, documents) { Copies = new Copies(6, true) });

        Assert.Equal((3, true), (submit.Copies.Count, submit.Copies.Uncollated));
        Assert.Equal((4, false), (create.Copies.Count, create.Copies.Uncollated));
        Assert.Equal((5, true), (execute.Copies.Count, execute.Copies.Uncollated));
        Assert.Equal((6, true), (deliver.Copies.Count, deliver.Copies.Uncollated));
    }

    [Fact]
    public void A_delivery_from_a_node_that_predates_copies_means_one_copy()
    {
        var deliver = Assert.IsType<DeliverJob>(Read(
            """{"Printer":"lj-1","Queue":"office","JobId":3,"Attempt":1,"Documents":[{"Number":1,"Length":10,"Format":"text/plain","Name":null}]}""",
            typeof(DeliverJob)));

        Assert.Equal(1, deliver.Copies.Count);
        Assert.False(deliver.Copies.Uncollated);
    }
}
