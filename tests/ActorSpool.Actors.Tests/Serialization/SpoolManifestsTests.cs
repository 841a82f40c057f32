using System.Reflection;
using System.Text.RegularExpressions;
using ActorSpool.Actors.Serialization;
using ActorSpool.Domain.Balancing;
using ActorSpool.Domain.Jobs;
using ActorSpool.Domain.Messages;
using Akka.Actor;
using Akka.TestKit.Xunit2;

namespace ActorSpool.Actors.Tests.Serialization;

/// <summary>
/// The manifests of <see cref="SpoolManifests"/>: every message has one, the persisted ones stay what they are, and
/// the full type names older journals carry still read.
/// </summary>
public sealed class SpoolManifestsTests() : TestKit("akka.loglevel = WARNING")
{
    /// <summary>
    /// The journal's and the snapshot's manifests as stored since they were pinned. Never edit one: stored events
    /// carry them. A new persisted type adds its line.
    /// </summary>
    private static readonly Dictionary<Type, string> PersistedManifests = new()
    {
        [typeof(JobQueueProtocol.Events.JobAccepted)] = "job-accepted",
        [typeof(TopologyProtocol.Events.TopologyReplaced)] = "topology-replaced",
        [typeof(JobQueueProtocol.Events.JobDispatched)] = "job-dispatched",
        [typeof(JobQueueProtocol.Events.JobCompleted)] = "job-completed",
        [typeof(JobQueueProtocol.Events.JobAttemptFailed)] = "job-attempt-failed",
        [typeof(JobQueueProtocol.Events.JobInterrupted)] = "job-interrupted",
        [typeof(JobQueueProtocol.Events.JobAborted)] = "job-aborted",
        [typeof(JobQueueProtocol.Events.JobCanceled)] = "job-canceled",
        [typeof(JobQueueProtocol.Events.JobHeld)] = "job-held",
        [typeof(JobQueueProtocol.Events.JobReleased)] = "job-released",
        [typeof(JobQueueProtocol.Events.JobCreated)] = "job-created",
        [typeof(JobQueueProtocol.Events.DocumentAdded)] = "document-added",
        [typeof(JobQueueProtocol.Events.JobClosed)] = "job-closed",
        [typeof(JobQueueProtocol.Events.JobRestarted)] = "job-restarted",
        [typeof(JobQueueProtocol.Events.QueuePaused)] = "queue-paused",
        [typeof(JobQueueProtocol.Events.QueueResumed)] = "queue-resumed",
        [typeof(JobQueueProtocol.Events.JobsPurged)] = "jobs-purged",
        [typeof(QueueSnapshot)] = "queue-snapshot",
        [typeof(PrinterProtocol.PauseEvents.PrinterPaused)] = "printer-paused",
        [typeof(PrinterProtocol.PauseEvents.PrinterResumed)] = "printer-resumed",
    };

    /// <summary>Every ISpoolMessage's full name on main when manifests were pinned: the manifests of older journals and nodes.</summary>
    private static readonly (string FullName, Type Type)[] FullNamesOfMain =
    [
        ("ActorSpool.Domain.Balancing.WorkRequest", typeof(WorkRequest)),
        ("ActorSpool.Domain.Jobs.JobQueueEvents+DocumentAdded", typeof(JobQueueProtocol.Events.DocumentAdded)),
        ("ActorSpool.Domain.Jobs.JobQueueEvents+JobAborted", typeof(JobQueueProtocol.Events.JobAborted)),
        ("ActorSpool.Domain.Jobs.JobQueueEvents+JobAccepted", typeof(JobQueueProtocol.Events.JobAccepted)),
        ("ActorSpool.Domain.Jobs.JobQueueEvents+JobAttemptFailed", typeof(JobQueueProtocol.Events.JobAttemptFailed)),
        ("ActorSpool.Domain.Jobs.JobQueueEvents+JobCanceled", typeof(JobQueueProtocol.Events.JobCanceled)),
        ("ActorSpool.Domain.Jobs.JobQueueEvents+JobClosed", typeof(JobQueueProtocol.Events.JobClosed)),
        ("ActorSpool.Domain.Jobs.JobQueueEvents+JobCompleted", typeof(JobQueueProtocol.Events.JobCompleted)),
        ("ActorSpool.Domain.Jobs.JobQueueEvents+JobCreated", typeof(JobQueueProtocol.Events.JobCreated)),
        ("ActorSpool.Domain.Jobs.JobQueueEvents+JobDispatched", typeof(JobQueueProtocol.Events.JobDispatched)),
        ("ActorSpool.Domain.Jobs.JobQueueEvents+JobHeld", typeof(JobQueueProtocol.Events.JobHeld)),
        ("ActorSpool.Domain.Jobs.JobQueueEvents+JobInterrupted", typeof(JobQueueProtocol.Events.JobInterrupted)),
        ("ActorSpool.Domain.Jobs.JobQueueEvents+JobReleased", typeof(JobQueueProtocol.Events.JobReleased)),
        ("ActorSpool.Domain.Jobs.JobQueueEvents+JobRestarted", typeof(JobQueueProtocol.Events.JobRestarted)),
        ("ActorSpool.Domain.Jobs.JobQueueEvents+JobsPurged", typeof(JobQueueProtocol.Events.JobsPurged)),
        ("ActorSpool.Domain.Jobs.JobQueueEvents+QueuePaused", typeof(JobQueueProtocol.Events.QueuePaused)),
        ("ActorSpool.Domain.Jobs.JobQueueEvents+QueueResumed", typeof(JobQueueProtocol.Events.QueueResumed)),
        ("ActorSpool.Domain.Jobs.QueueSnapshot", typeof(QueueSnapshot)),
        ("ActorSpool.Domain.Messages.BalancerProtocol+BalancerStatus", typeof(BalancerProtocol.BalancerStatus)),
        ("ActorSpool.Domain.Messages.BalancerProtocol+GetBalancerStatus", typeof(BalancerProtocol.GetBalancerStatus)),
        ("ActorSpool.Domain.Messages.BalancerProtocol+RegisterWorker", typeof(BalancerProtocol.RegisterWorker)),
        ("ActorSpool.Domain.Messages.BalancerProtocol+RequestWorker", typeof(BalancerProtocol.RequestWorker)),
        ("ActorSpool.Domain.Messages.BalancerProtocol+UnregisterWorker", typeof(BalancerProtocol.UnregisterWorker)),
        ("ActorSpool.Domain.Messages.BalancerProtocol+WithdrawRequest", typeof(BalancerProtocol.WithdrawRequest)),
        ("ActorSpool.Domain.Messages.BalancerProtocol+WorkerGranted", typeof(BalancerProtocol.WorkerGranted)),
        ("ActorSpool.Domain.Messages.BalancerProtocol+WorkFinished", typeof(BalancerProtocol.WorkFinished)),
        ("ActorSpool.Domain.Messages.JobQueueProtocol+Commands+AddDocument", typeof(JobQueueProtocol.Commands.AddDocument)),
        ("ActorSpool.Domain.Messages.JobQueueProtocol+Commands+CancelJob", typeof(JobQueueProtocol.Commands.CancelJob)),
        ("ActorSpool.Domain.Messages.JobQueueProtocol+Commands+CloseJob", typeof(JobQueueProtocol.Commands.CloseJob)),
        ("ActorSpool.Domain.Messages.JobQueueProtocol+Commands+CreateJob", typeof(JobQueueProtocol.Commands.CreateJob)),
        ("ActorSpool.Domain.Messages.JobQueueProtocol+Commands+HoldJob", typeof(JobQueueProtocol.Commands.HoldJob)),
        ("ActorSpool.Domain.Messages.JobQueueProtocol+Commands+PauseQueue", typeof(JobQueueProtocol.Commands.PauseQueue)),
        ("ActorSpool.Domain.Messages.JobQueueProtocol+Commands+ReleaseJob", typeof(JobQueueProtocol.Commands.ReleaseJob)),
        ("ActorSpool.Domain.Messages.JobQueueProtocol+Commands+ReportOutcome", typeof(JobQueueProtocol.Commands.ReportOutcome)),
        ("ActorSpool.Domain.Messages.JobQueueProtocol+Commands+ReserveDocument", typeof(JobQueueProtocol.Commands.ReserveDocument)),
        ("ActorSpool.Domain.Messages.JobQueueProtocol+Commands+RestartJob", typeof(JobQueueProtocol.Commands.RestartJob)),
        ("ActorSpool.Domain.Messages.JobQueueProtocol+Commands+ResumeQueue", typeof(JobQueueProtocol.Commands.ResumeQueue)),
        ("ActorSpool.Domain.Messages.JobQueueProtocol+Commands+SubmitJob", typeof(JobQueueProtocol.Commands.SubmitJob)),
        ("ActorSpool.Domain.Messages.JobQueueProtocol+Commands+WakeUp", typeof(JobQueueProtocol.Commands.WakeUp)),
        ("ActorSpool.Domain.Messages.JobQueueProtocol+Queries+GetJob", typeof(JobQueueProtocol.Queries.GetJob)),
        ("ActorSpool.Domain.Messages.JobQueueProtocol+Queries+GetJobs", typeof(JobQueueProtocol.Queries.GetJobs)),
        ("ActorSpool.Domain.Messages.JobQueueProtocol+Queries+GetQueueStatus", typeof(JobQueueProtocol.Queries.GetQueueStatus)),
        ("ActorSpool.Domain.Messages.JobQueueProtocol+Replies+CommandResult", typeof(JobQueueProtocol.Replies.CommandResult)),
        ("ActorSpool.Domain.Messages.JobQueueProtocol+Replies+DocumentReserved", typeof(JobQueueProtocol.Replies.DocumentReserved)),
        ("ActorSpool.Domain.Messages.JobQueueProtocol+Replies+JobAccepted", typeof(JobQueueProtocol.Replies.JobAccepted)),
        ("ActorSpool.Domain.Messages.JobQueueProtocol+Replies+JobInfo", typeof(JobQueueProtocol.Replies.JobInfo)),
        ("ActorSpool.Domain.Messages.JobQueueProtocol+Replies+JobList", typeof(JobQueueProtocol.Replies.JobList)),
        ("ActorSpool.Domain.Messages.JobQueueProtocol+Replies+JobRejected", typeof(JobQueueProtocol.Replies.JobRejected)),
        ("ActorSpool.Domain.Messages.JobQueueProtocol+Replies+OutcomeRecorded", typeof(JobQueueProtocol.Replies.OutcomeRecorded)),
        ("ActorSpool.Domain.Messages.JobQueueProtocol+Replies+QueueStatus", typeof(JobQueueProtocol.Replies.QueueStatus)),
        ("ActorSpool.Domain.Messages.PrinterProtocol+DeliverJob", typeof(PrinterProtocol.DeliverJob)),
        ("ActorSpool.Domain.Messages.PrinterProtocol+DeliveryFinished", typeof(PrinterProtocol.DeliveryFinished)),
        ("ActorSpool.Domain.Messages.PrinterProtocol+DeliveryQueued", typeof(PrinterProtocol.DeliveryQueued)),
        ("ActorSpool.Domain.Messages.PrinterProtocol+GetPrinterStatus", typeof(PrinterProtocol.GetPrinterStatus)),
        ("ActorSpool.Domain.Messages.PrinterProtocol+PausePrinter", typeof(PrinterProtocol.PausePrinter)),
        ("ActorSpool.Domain.Messages.PrinterProtocol+ResumePrinter", typeof(PrinterProtocol.ResumePrinter)),
        ("ActorSpool.Domain.Messages.WorkerProtocol+ExecuteJob", typeof(WorkerProtocol.ExecuteJob)),
        ("ActorSpool.Domain.Messages.WorkerProtocol+GetWorkerStatus", typeof(WorkerProtocol.GetWorkerStatus)),
        ("ActorSpool.Domain.Messages.WorkerProtocol+IsWorkingOn", typeof(WorkerProtocol.IsWorkingOn)),
        ("ActorSpool.Domain.Messages.WorkerProtocol+WorkerStatus", typeof(WorkerProtocol.WorkerStatus)),
        ("ActorSpool.Domain.Messages.WorkerProtocol+WorkingOn", typeof(WorkerProtocol.WorkingOn)),
        ("ActorSpool.Domain.Printers.PrinterStatus", typeof(PrinterProtocol.PrinterStatus)),
    ];

    private static readonly Regex Scheme = new(@"^([qbwplat]\.)?[a-z]+(-[a-z]+)*$");

    private SpoolJsonSerializer Serializer => new((ExtendedActorSystem)Sys);

    /// <summary>Concrete ISpoolMessage types of the spooler's assemblies (the serializer's and those it references).</summary>
    private static IEnumerable<Type> SpoolMessageTypes() =>
        typeof(SpoolJsonSerializer).Assembly.GetReferencedAssemblies()
            .Where(a => a.Name!.StartsWith("ActorSpool.", StringComparison.Ordinal))
            .Select(Assembly.Load)
            .Append(typeof(SpoolJsonSerializer).Assembly)
            .SelectMany(a => a.GetTypes())
            .Where(t => typeof(ISpoolMessage).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false });

    private static bool IsPersisted(Type type) => typeof(JobQueueProtocol.IJobQueueEvent).IsAssignableFrom(type) || type == typeof(QueueSnapshot)
        || type.DeclaringType == typeof(PrinterProtocol.PauseEvents) || type.DeclaringType == typeof(TopologyProtocol.Events);

    [Fact]
    public void Every_spool_message_has_exactly_one_short_manifest()
    {
        var types = SpoolMessageTypes().ToList();
        Assert.Contains(typeof(JobQueueProtocol.Commands.SubmitJob), types);

        var missing = types.Where(t => SpoolManifests.Entries.Count(e => e.Type == t) != 1).Select(t => t.FullName);
        Assert.True(!missing.Any(), $"Give each of these one entry in {nameof(SpoolManifests)}: {string.Join(", ", missing)}");
        Assert.Empty(SpoolManifests.Entries.Select(e => e.Type).Except(types));
        Assert.Equal(types.Count, SpoolManifests.Entries.Select(e => e.Manifest).Distinct().Count());
    }

    [Fact]
    public void Manifests_follow_the_scheme_bare_when_persisted_prefixed_when_only_sent()
    {
        Assert.All(SpoolManifests.Entries, e =>
        {
            Assert.Matches(Scheme, e.Manifest);
            Assert.Equal(IsPersisted(e.Type), !e.Manifest.Contains('.'));
        });
    }

    [Fact]
    public void Persisted_manifests_are_the_pinned_ones()
    {
        var persisted = SpoolMessageTypes().Where(IsPersisted).ToList();

        var unpinned = persisted.Except(PersistedManifests.Keys).Select(t => t.FullName);
        Assert.True(!unpinned.Any(), $"Pin the manifest of each new persisted type in {nameof(PersistedManifests)}: {string.Join(", ", unpinned)}");
        Assert.All(PersistedManifests, p => Assert.Equal(p.Value, SpoolManifests.ManifestOf(p.Key)));
    }

    [Fact]
    public void Every_full_name_of_main_still_reads_as_its_type()
    {
        Assert.All(FullNamesOfMain, n =>
        {
            Assert.True(SpoolManifests.TryGetType(n.FullName, out var type), n.FullName);
            Assert.Equal(n.Type, type);
        });
        Assert.Equal(FullNamesOfMain.Length, SpoolManifests.Entries.Count(e => e.Legacy is not null));
    }

    [Fact]
    public void Commands_keep_who_asked_across_nodes()
    {
        // The queue decides with the requester: a node that lost it on the wire would turn an admin into nobody, or worse.
        var admin = new Requester("root", Authenticated: true, Admin: true);
        object[] commands =
        [
            new JobQueueProtocol.Commands.CancelJob("office", 7, Requester.Claiming("alice")) { Reason = "moved to lab as job 8" },
            new JobQueueProtocol.Commands.PurgeJobs("office", admin),
            new JobQueueProtocol.Commands.PauseQueue("office", admin),
            new JobQueueProtocol.Commands.AddDocument("office", 7, new JobDocument(2, 10, "text/plain", null), true, admin),
        ];
        var serializer = Serializer;
        Assert.All(commands, command =>
            Assert.Equal(command, serializer.FromBinary(serializer.ToBinary(command), serializer.Manifest(command))));
    }

    [Fact]
    public void Each_persisted_type_round_trips_under_its_short_manifest()
    {
        // The fixture's journal holds one of each persisted type (and the snapshot): checked here so a new type gets a sample.
        // A printer's pause journal and the topology keeper's are their own, with one sample of each of their events.
        object[] samples = [.. JournalFixture.Events, JournalFixture.Snapshot,
            new PrinterProtocol.PauseEvents.PrinterPaused(DateTimeOffset.UnixEpoch), new PrinterProtocol.PauseEvents.PrinterResumed(DateTimeOffset.UnixEpoch),
            new TopologyProtocol.Events.TopologyReplaced("actorspool { }", "printer lj-9 added", "operator", DateTimeOffset.UnixEpoch)];
        Assert.Empty(PersistedManifests.Keys.Except(samples.Select(s => s.GetType())));

        var serializer = Serializer;
        Assert.All(samples, sample =>
        {
            var manifest = serializer.Manifest(sample);
            Assert.Equal(PersistedManifests[sample.GetType()], manifest);
            SameValue.Equal(sample, serializer.FromBinary(serializer.ToBinary(sample), manifest));
        });
    }

    [Fact]
    public void The_same_bytes_read_under_the_short_manifest_and_under_the_full_name()
    {
        var serializer = Serializer;
        var submit = new JobQueueProtocol.Commands.SubmitJob("office", 7, "alice", "a", 60, false, [new JobDocument(1, 10, "text/plain", null)]) { Copies = new Copies(2, Uncollated: false) };
        var bytes = serializer.ToBinary(submit);

        Assert.Equal("q.submit-job", serializer.Manifest(submit));
        SameValue.Equal(submit, serializer.FromBinary(bytes, "q.submit-job"));
        SameValue.Equal(submit, serializer.FromBinary(bytes, "ActorSpool.Domain.Messages.JobQueueProtocol+Commands+SubmitJob"));
    }

    [Fact]
    public void An_unknown_manifest_or_a_message_without_one_fails_loudly()
    {
        var serializer = Serializer;

        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.FromBinary("{}"u8.ToArray(), "job-accepted-v2"));
        var e = Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.Manifest(new Unlisted(1)));
        Assert.Contains(nameof(SpoolManifests), e.Message);
    }

    private sealed record Unlisted(int Value) : ISpoolMessage;
}
