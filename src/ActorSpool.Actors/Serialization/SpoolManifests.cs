using System.Collections.Frozen;
using ActorSpool.Domain.Balancing;
using ActorSpool.Domain.Jobs;
using ActorSpool.Domain.Messages;

namespace ActorSpool.Actors.Serialization;

/// <summary>
/// The manifest <see cref="SpoolJsonSerializer"/> writes for every <see cref="ISpoolMessage"/>: a short name pinned
/// here, so a type can be renamed or moved without changing what journals, snapshots and other nodes know it by.
/// </summary>
/// <remarks>
/// <para>
/// Scheme: the queue journal's events and its snapshot have bare kebab-case names ("job-accepted", "queue-snapshot");
/// they are stored for good. Messages that only travel between nodes carry their protocol's prefix: "q." queue,
/// "b." balancer, "w." worker, "p." printer, "l." live feed, "a." alerts, "t." topology ("q.submit-job", "q.job-accepted").
/// </para>
/// <para>
/// Rules. A new <see cref="ISpoolMessage"/> gets an entry with a name no entry ever had, and no legacy name
/// (SpoolManifestsTests fails for a type without an entry). A short name never changes and is never reused: stored
/// events carry it. Renaming or moving a type changes only its <c>typeof</c> here; its legacy name stays as written,
/// the full name at its old location, because journals and snapshots written before manifests were pinned
/// (December 2026) carry that name and must keep reading.
/// </para>
/// </remarks>
public static class SpoolManifests
{
    private sealed record Entry(Type Type, string Manifest, string? Legacy);

    private static readonly Entry[] Table =
    [
        // The queue's journal and snapshot.
        new(typeof(JobQueueProtocol.Events.JobAccepted), "job-accepted", "ActorSpool.Domain.Jobs.JobQueueEvents+JobAccepted"),
        new(typeof(JobQueueProtocol.Events.JobDispatched), "job-dispatched", "ActorSpool.Domain.Jobs.JobQueueEvents+JobDispatched"),
        new(typeof(JobQueueProtocol.Events.JobCompleted), "job-completed", "ActorSpool.Domain.Jobs.JobQueueEvents+JobCompleted"),
        new(typeof(JobQueueProtocol.Events.JobAttemptFailed), "job-attempt-failed", "ActorSpool.Domain.Jobs.JobQueueEvents+JobAttemptFailed"),
        new(typeof(JobQueueProtocol.Events.JobInterrupted), "job-interrupted", "ActorSpool.Domain.Jobs.JobQueueEvents+JobInterrupted"),
        new(typeof(JobQueueProtocol.Events.JobAborted), "job-aborted", "ActorSpool.Domain.Jobs.JobQueueEvents+JobAborted"),
        new(typeof(JobQueueProtocol.Events.JobCanceled), "job-canceled", "ActorSpool.Domain.Jobs.JobQueueEvents+JobCanceled"),
        new(typeof(JobQueueProtocol.Events.JobHeld), "job-held", "ActorSpool.Domain.Jobs.JobQueueEvents+JobHeld"),
        new(typeof(JobQueueProtocol.Events.JobReleased), "job-released", "ActorSpool.Domain.Jobs.JobQueueEvents+JobReleased"),
        new(typeof(JobQueueProtocol.Events.JobCreated), "job-created", "ActorSpool.Domain.Jobs.JobQueueEvents+JobCreated"),
        new(typeof(JobQueueProtocol.Events.DocumentAdded), "document-added", "ActorSpool.Domain.Jobs.JobQueueEvents+DocumentAdded"),
        new(typeof(JobQueueProtocol.Events.JobClosed), "job-closed", "ActorSpool.Domain.Jobs.JobQueueEvents+JobClosed"),
        new(typeof(JobQueueProtocol.Events.JobRestarted), "job-restarted", "ActorSpool.Domain.Jobs.JobQueueEvents+JobRestarted"),
        new(typeof(JobQueueProtocol.Events.QueuePaused), "queue-paused", "ActorSpool.Domain.Jobs.JobQueueEvents+QueuePaused"),
        new(typeof(JobQueueProtocol.Events.QueueResumed), "queue-resumed", "ActorSpool.Domain.Jobs.JobQueueEvents+QueueResumed"),
        new(typeof(JobQueueProtocol.Events.JobsPurged), "jobs-purged", "ActorSpool.Domain.Jobs.JobQueueEvents+JobsPurged"),
        // A printer's pause journal.
        new(typeof(PrinterProtocol.PauseEvents.PrinterPaused), "printer-paused", Legacy: null), // new since the names were pinned
        new(typeof(PrinterProtocol.PauseEvents.PrinterResumed), "printer-resumed", Legacy: null),
        // Snapshots are written by QueueSnapshotSerializer now; this entry reads the JSON ones stored before it.
        new(typeof(QueueSnapshot), "queue-snapshot", "ActorSpool.Domain.Jobs.QueueSnapshot"),

        // Queue protocol: commands, queries, replies.
        new(typeof(JobQueueProtocol.Commands.SubmitJob), "q.submit-job", "ActorSpool.Domain.Messages.JobQueueProtocol+Commands+SubmitJob"),
        new(typeof(JobQueueProtocol.Commands.CreateJob), "q.create-job", "ActorSpool.Domain.Messages.JobQueueProtocol+Commands+CreateJob"),
        new(typeof(JobQueueProtocol.Commands.ReserveDocument), "q.reserve-document", "ActorSpool.Domain.Messages.JobQueueProtocol+Commands+ReserveDocument"),
        new(typeof(JobQueueProtocol.Commands.AddDocument), "q.add-document", "ActorSpool.Domain.Messages.JobQueueProtocol+Commands+AddDocument"),
        new(typeof(JobQueueProtocol.Commands.CloseJob), "q.close-job", "ActorSpool.Domain.Messages.JobQueueProtocol+Commands+CloseJob"),
        new(typeof(JobQueueProtocol.Commands.RestartJob), "q.restart-job", "ActorSpool.Domain.Messages.JobQueueProtocol+Commands+RestartJob"),
        new(typeof(JobQueueProtocol.Commands.CancelJob), "q.cancel-job", "ActorSpool.Domain.Messages.JobQueueProtocol+Commands+CancelJob"),
        new(typeof(JobQueueProtocol.Commands.PurgeJobs), "q.purge-jobs", Legacy: null), // new since the names were pinned
        new(typeof(JobQueueProtocol.Commands.PurgeFinishedJobs), "q.purge-finished-jobs", Legacy: null),
        new(typeof(JobQueueProtocol.Commands.HoldJob), "q.hold-job", "ActorSpool.Domain.Messages.JobQueueProtocol+Commands+HoldJob"),
        new(typeof(JobQueueProtocol.Commands.ReleaseJob), "q.release-job", "ActorSpool.Domain.Messages.JobQueueProtocol+Commands+ReleaseJob"),
        new(typeof(JobQueueProtocol.Commands.ReportOutcome), "q.report-outcome", "ActorSpool.Domain.Messages.JobQueueProtocol+Commands+ReportOutcome"),
        new(typeof(JobQueueProtocol.Commands.PauseQueue), "q.pause-queue", "ActorSpool.Domain.Messages.JobQueueProtocol+Commands+PauseQueue"),
        new(typeof(JobQueueProtocol.Commands.ResumeQueue), "q.resume-queue", "ActorSpool.Domain.Messages.JobQueueProtocol+Commands+ResumeQueue"),
        new(typeof(JobQueueProtocol.Commands.WakeUp), "q.wake-up", "ActorSpool.Domain.Messages.JobQueueProtocol+Commands+WakeUp"),
        new(typeof(JobQueueProtocol.Queries.GetJob), "q.get-job", "ActorSpool.Domain.Messages.JobQueueProtocol+Queries+GetJob"),
        new(typeof(JobQueueProtocol.Queries.GetJobs), "q.get-jobs", "ActorSpool.Domain.Messages.JobQueueProtocol+Queries+GetJobs"),
        new(typeof(JobQueueProtocol.Queries.GetQueueStatus), "q.get-queue-status", "ActorSpool.Domain.Messages.JobQueueProtocol+Queries+GetQueueStatus"),
        new(typeof(JobQueueProtocol.Queries.FindKnownJobs), "q.find-known-jobs", Legacy: null), // new since the names were pinned
        new(typeof(JobQueueProtocol.Replies.JobAccepted), "q.job-accepted", "ActorSpool.Domain.Messages.JobQueueProtocol+Replies+JobAccepted"),
        new(typeof(JobQueueProtocol.Replies.JobRejected), "q.job-rejected", "ActorSpool.Domain.Messages.JobQueueProtocol+Replies+JobRejected"),
        new(typeof(JobQueueProtocol.Replies.JobInfo), "q.job-info", "ActorSpool.Domain.Messages.JobQueueProtocol+Replies+JobInfo"),
        new(typeof(JobQueueProtocol.Replies.DocumentReserved), "q.document-reserved", "ActorSpool.Domain.Messages.JobQueueProtocol+Replies+DocumentReserved"),
        new(typeof(JobQueueProtocol.Replies.JobList), "q.job-list", "ActorSpool.Domain.Messages.JobQueueProtocol+Replies+JobList"),
        new(typeof(JobQueueProtocol.Replies.KnownJobs), "q.known-jobs", Legacy: null), // new since the names were pinned
        new(typeof(JobQueueProtocol.Queries.IsJobOnItsWay), "q.is-job-on-its-way", Legacy: null),
        new(typeof(JobQueueProtocol.Replies.JobOnItsWay), "q.job-on-its-way", Legacy: null),
        new(typeof(JobQueueProtocol.Replies.CommandResult), "q.command-result", "ActorSpool.Domain.Messages.JobQueueProtocol+Replies+CommandResult"),
        new(typeof(JobQueueProtocol.Replies.OutcomeRecorded), "q.outcome-recorded", "ActorSpool.Domain.Messages.JobQueueProtocol+Replies+OutcomeRecorded"),
        new(typeof(JobQueueProtocol.Replies.QueueStatus), "q.queue-status", "ActorSpool.Domain.Messages.JobQueueProtocol+Replies+QueueStatus"),
        new(typeof(JobQueueProtocol.Replies.StorageUnavailable), "q.storage-unavailable", Legacy: null), // new since the names were pinned

        // Balancer protocol.
        new(typeof(BalancerProtocol.RegisterWorker), "b.register-worker", "ActorSpool.Domain.Messages.BalancerProtocol+RegisterWorker"),
        new(typeof(BalancerProtocol.RequestWorker), "b.request-worker", "ActorSpool.Domain.Messages.BalancerProtocol+RequestWorker"),
        new(typeof(BalancerProtocol.UnregisterWorker), "b.unregister-worker", "ActorSpool.Domain.Messages.BalancerProtocol+UnregisterWorker"),
        new(typeof(BalancerProtocol.WithdrawRequest), "b.withdraw-request", "ActorSpool.Domain.Messages.BalancerProtocol+WithdrawRequest"),
        new(typeof(BalancerProtocol.WorkFinished), "b.work-finished", "ActorSpool.Domain.Messages.BalancerProtocol+WorkFinished"),
        new(typeof(BalancerProtocol.WorkerGranted), "b.worker-granted", "ActorSpool.Domain.Messages.BalancerProtocol+WorkerGranted"),
        new(typeof(BalancerProtocol.GetBalancerStatus), "b.get-balancer-status", "ActorSpool.Domain.Messages.BalancerProtocol+GetBalancerStatus"),
        new(typeof(BalancerProtocol.BalancerStatus), "b.balancer-status", "ActorSpool.Domain.Messages.BalancerProtocol+BalancerStatus"),
        new(typeof(WorkRequest), "b.work-request", "ActorSpool.Domain.Balancing.WorkRequest"),

        // Worker protocol.
        new(typeof(WorkerProtocol.ExecuteJob), "w.execute-job", "ActorSpool.Domain.Messages.WorkerProtocol+ExecuteJob"),
        new(typeof(WorkerProtocol.IsWorkingOn), "w.is-working-on", "ActorSpool.Domain.Messages.WorkerProtocol+IsWorkingOn"),
        new(typeof(WorkerProtocol.WorkingOn), "w.working-on", "ActorSpool.Domain.Messages.WorkerProtocol+WorkingOn"),
        new(typeof(WorkerProtocol.GetWorkerStatus), "w.get-worker-status", "ActorSpool.Domain.Messages.WorkerProtocol+GetWorkerStatus"),
        new(typeof(WorkerProtocol.WorkerStatus), "w.worker-status", "ActorSpool.Domain.Messages.WorkerProtocol+WorkerStatus"),

        // Printer protocol and the status printers publish.
        new(typeof(PrinterProtocol.DeliverJob), "p.deliver-job", "ActorSpool.Domain.Messages.PrinterProtocol+DeliverJob"),
        new(typeof(PrinterProtocol.DeliveryQueued), "p.delivery-queued", "ActorSpool.Domain.Messages.PrinterProtocol+DeliveryQueued"),
        new(typeof(PrinterProtocol.DeliveryFinished), "p.delivery-finished", "ActorSpool.Domain.Messages.PrinterProtocol+DeliveryFinished"),
        new(typeof(PrinterProtocol.GetPrinterStatus), "p.get-printer-status", "ActorSpool.Domain.Messages.PrinterProtocol+GetPrinterStatus"),
        new(typeof(PrinterProtocol.PausePrinter), "p.pause-printer", "ActorSpool.Domain.Messages.PrinterProtocol+PausePrinter"),
        new(typeof(PrinterProtocol.ResumePrinter), "p.resume-printer", "ActorSpool.Domain.Messages.PrinterProtocol+ResumePrinter"),
        new(typeof(PrinterProtocol.PrinterStatus), "p.printer-status", "ActorSpool.Domain.Printers.PrinterStatus"),
        new(typeof(PrinterProtocol.SequenceCandidate), "p.sequence-candidate", Legacy: null), // new since the names were pinned

        // The web console's live feed (new since the names were pinned).
        new(typeof(LiveProtocol.JobChanges), "l.job-changes", Legacy: null),
        new(typeof(LiveProtocol.NodeStats), "l.node-stats", Legacy: null),

        // The alert manager's inputs besides printers and queues.
        new(typeof(AlertProtocol.StorageReport), "a.storage-report", Legacy: null),

        // The live topology: the keeper's journal event (stored for good) and its messages.
        new(typeof(TopologyProtocol.Events.TopologyReplaced), "topology-replaced", Legacy: null),
        new(typeof(TopologyProtocol.Commands.ChangeTopology), "t.change-topology", Legacy: null),
        new(typeof(TopologyProtocol.Queries.GetTopology), "t.get-topology", Legacy: null),
        new(typeof(TopologyProtocol.Replies.TopologyChangeAnswer), "t.topology-change-answer", Legacy: null),
        new(typeof(TopologyProtocol.Replies.TopologyPublished), "t.topology-published", Legacy: null),
        new(typeof(TopologyProtocol.Replies.TopologyVersion), "t.topology-version", Legacy: null),
    ];

    private static readonly FrozenDictionary<Type, string> ManifestsByType = Table.ToFrozenDictionary(e => e.Type, e => e.Manifest);

    // Short names and legacy names in one lookup: a name meaning two types would be ambiguous, so it throws here.
    private static readonly FrozenDictionary<string, Type> TypesByName = Table
        .Select(e => (Name: e.Manifest, e.Type))
        .Concat(Table.Where(e => e.Legacy is not null).Select(e => (Name: e.Legacy!, e.Type)))
        .ToFrozenDictionary(n => n.Name, n => n.Type, StringComparer.Ordinal);

    /// <summary>Every entry: the type, its short manifest, and the full name older journals carry for it (null: none).</summary>
    public static IEnumerable<(Type Type, string Manifest, string? Legacy)> Entries => Table.Select(e => (e.Type, e.Manifest, e.Legacy));

    /// <summary>The short manifest of <paramref name="type"/>, or null when it has no entry.</summary>
    public static string? ManifestOf(Type type) => ManifestsByType.GetValueOrDefault(type);

    /// <summary>The type a manifest names: a short manifest or a legacy full name.</summary>
    public static bool TryGetType(string manifest, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Type? type) =>
        TypesByName.TryGetValue(manifest, out type);
}
