using System.Text.Json.Nodes;
using ActorSpool.Actors.Serialization;
using ActorSpool.Domain.Jobs;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using static ActorSpool.Domain.Messages.JobQueueProtocol;
using static ActorSpool.Domain.Messages.JobQueueProtocol.Events;

namespace ActorSpool.Actors.Tests.Serialization;

/// <summary>
/// A job's attempt history as JSON: it travels between nodes with the job record (replies), while the events that
/// carry a record before its first dispatch keep the stored shape they always had.
/// </summary>
public sealed class AttemptHistorySerializationTests() : TestKit("akka.loglevel = WARNING")
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 8, 0, 0, TimeSpan.Zero);

    private SpoolJsonSerializer Serializer => new((ExtendedActorSystem)Sys);

    private T RoundTrip<T>(T message) where T : notnull
    {
        var serializer = Serializer;
        return (T)serializer.FromBinary(serializer.ToBinary(message), serializer.Manifest(message));
    }

    private static JobRecord Job() =>
        new(42, "office", "alice", "report", 50, 3, [new JobDocument(1, 1234, "application/pdf", "report.pdf")], T0);

    private static JobRecord Retried() => Job() with
    {
        State = JobState.Completed,
        Attempts = 2,
        Dispatches = 2,
        AttemptHistory =
        [
            new JobAttempt(1, "lj-1", "akka.tcp://actorspool@10.0.0.1:4053", T0.AddSeconds(1), T0.AddSeconds(2), AttemptOutcome.Failed, "connection reset"),
            new JobAttempt(2, "lj-2", "akka.tcp://actorspool@10.0.0.2:4053", T0.AddSeconds(3), T0.AddSeconds(4), AttemptOutcome.Delivered, null),
        ],
    };

    [Fact]
    public void Replies_carry_the_history_between_nodes()
    {
        var job = Retried();

        Assert.Equal<JobAttempt>(job.AttemptHistory, RoundTrip(new Replies.JobInfo(job)).Job!.AttemptHistory);
        Assert.Equal<JobAttempt>(job.AttemptHistory, Assert.Single(RoundTrip(new Replies.JobList([job])).Jobs).AttemptHistory);
        Assert.Equal<JobAttempt>(job.AttemptHistory, RoundTrip(new Replies.CommandResult(CommandOutcome.Ok, null, job)).Job!.AttemptHistory);
        var underWay = Job() with { AttemptHistory = [new JobAttempt(1, "lj-1", null, null, null, null, null)] };
        Assert.Equal<JobAttempt>(underWay.AttemptHistory, RoundTrip(new Replies.JobInfo(underWay)).Job!.AttemptHistory);

        var stored = JsonNode.Parse(Serializer.ToBinary(new Replies.JobInfo(job)))!["Job"]!["AttemptHistory"]!.AsArray();
        Assert.Equal("Failed", (string)stored[0]!["Outcome"]!);
    }

    [Fact]
    public void An_event_carrying_a_job_without_history_is_stored_as_before_and_an_old_record_reads_with_none()
    {
        var accepted = JsonNode.Parse(Serializer.ToBinary(new JobAccepted(Job(), false, T0)))!["Job"]!.AsObject();
        Assert.False(accepted.ContainsKey("AttemptHistory"));

        var old = RoundTrip(new JobCreated(Job(), T0)).Job;
        Assert.True(old.AttemptHistory.IsEmpty);
        Assert.False(old.AttemptHistory.IsDefault);
    }

    [Fact]
    public void A_JSON_snapshot_keeps_the_history()
    {
        var snapshot = new QueueSnapshot([Retried(), Job() with { JobId = 43 }], 10);

        var read = RoundTrip(snapshot);

        Assert.Equal<JobAttempt>(snapshot.Jobs[0].AttemptHistory, read.Jobs[0].AttemptHistory);
        Assert.Empty(read.Jobs[1].AttemptHistory);
    }
}
