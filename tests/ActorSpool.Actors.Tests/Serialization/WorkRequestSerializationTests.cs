using System.Text;
using ActorSpool.Actors.Serialization;
using ActorSpool.Domain.Balancing;
using Akka.Actor;
using Akka.TestKit.Xunit2;

namespace ActorSpool.Actors.Tests.Serialization;

/// <summary>
/// A work request between a queue's node and the balancer's: its priority and submission time travel, and one from a
/// node that predates them reads as the default priority with no submission time (the balancer's arrival then).
/// </summary>
public sealed class WorkRequestSerializationTests() : TestKit("akka.loglevel = WARNING")
{
    private SpoolJsonSerializer Serializer => new((ExtendedActorSystem)Sys);

    [Fact]
    public void Priority_and_submission_time_travel_between_nodes()
    {
        var submitted = new DateTimeOffset(2026, 1, 1, 8, 0, 0, TimeSpan.Zero);
        var request = new WorkRequest("urgent", 7, 3, 9000) { Priority = 90, SubmittedAt = submitted };
        var serializer = Serializer;

        var read = Assert.IsType<WorkRequest>(serializer.FromBinary(serializer.ToBinary(request), serializer.Manifest(request)));

        Assert.Equal(request, read);
        Assert.Equal(90, read.Priority);
        Assert.Equal(submitted, read.SubmittedAt);
    }

    [Fact]
    public void A_request_from_a_node_before_priorities_reads_as_the_default_priority()
    {
        const string json = """{"Queue":"office","JobId":42,"Pages":1,"Bytes":3000}""";

        var read = Assert.IsType<WorkRequest>(Serializer.FromBinary(Encoding.UTF8.GetBytes(json), "b.work-request"));

        Assert.Equal(("office", 42L), (read.Queue, read.JobId));
        Assert.Equal(50, read.Priority);
        Assert.Null(read.SubmittedAt);
    }

    [Fact]
    public void The_site_and_alternate_travel_and_a_request_from_before_sites_has_none()
    {
        var request = new WorkRequest("office", 7, 1, 100) { Site = "building-a", AlternateSite = "building-b" };
        var serializer = Serializer;

        var read = Assert.IsType<WorkRequest>(serializer.FromBinary(serializer.ToBinary(request), serializer.Manifest(request)));
        var old = Assert.IsType<WorkRequest>(serializer.FromBinary(Encoding.UTF8.GetBytes("""{"Queue":"office","JobId":42,"Pages":1,"Bytes":3000,"Priority":50}"""), "b.work-request"));

        Assert.Equal(("building-a", "building-b"), (read.Site, read.AlternateSite));
        Assert.Equal(((string?)null, (string?)null), (old.Site, old.AlternateSite));
    }
}
