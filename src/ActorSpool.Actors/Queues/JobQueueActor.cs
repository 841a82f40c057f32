using ActorSpool.Actors.Membership;
using ActorSpool.Actors.Storage;
using ActorSpool.Actors.Topology;
using ActorSpool.Domain.Balancing;
using ActorSpool.Domain.Jobs;
using ActorSpool.Domain.Messages;
using ActorSpool.Domain.Printers;
using ActorSpool.Domain.Topology;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Akka.Persistence;
using static ActorSpool.Domain.Messages.BalancerProtocol;
using static ActorSpool.Domain.Messages.JobQueueProtocol;
using static ActorSpool.Domain.Messages.JobQueueProtocol.Events;
using static ActorSpool.Domain.Messages.PrinterProtocol;
using static ActorSpool.Domain.Messages.WorkerProtocol;

namespace ActorSpool.Actors.Queues;

/// <summary>
/// One logical queue: an event-sourced entity that owns its jobs' life cycle. It accepts jobs, picks a
/// printer of its pool by health (failover or balance), asks the balancer for a worker, and records every
/// outcome; retries go to the next healthy printer until the attempts run out, then the job is aborted.
/// </summary>
public sealed class JobQueueActor : ReceivePersistentActor, IWithTimers
{
    /// <summary>A job waiting for the balancer to grant a worker, bound for <paramref name="Printer"/>.</summary>
    private sealed record Placement(string Printer, DateTimeOffset RequestedAt);

    /// <summary>The highest document number reserved for an incoming job, and when (a Send-Document under way).</summary>
    private sealed record DocumentSlot(int Number, DateTimeOffset ReservedAt);

    /// <summary>A job handed to a worker.</summary>
    private sealed record Running(string Printer, int Attempt, IActorRef Worker, DateTimeOffset StartedAt);

    private sealed record Tick
    {
        public static readonly Tick Instance = new();
    }

    private sealed record SnapshotDue
    {
        public static readonly SnapshotDue Instance = new();
    }

    private sealed record RetentionTick
    {
        public static readonly RetentionTick Instance = new();
    }

    /// <summary>The confirmations of one journal write arrived: publish its job changes (once per write, not per event).</summary>
    private sealed record PublishChanges
    {
        public static readonly PublishChanges Instance = new();
    }

    private sealed record RecoveryFinished
    {
        public static readonly RecoveryFinished Instance = new();
    }

    /// <summary>The time after recovery within which workers still delivering our jobs have answered.</summary>
    private sealed record ReclaimWindowClosed
    {
        public static readonly ReclaimWindowClosed Instance = new();
    }

    /// <summary>Place the jobs whose grant named a worker of a crashed node (a moment later, see <see cref="Granted"/>).</summary>
    private sealed record PlaceAgain
    {
        public static readonly PlaceAgain Instance = new();
    }

    private static readonly TimeSpan PlaceAgainAfter = TimeSpan.FromMilliseconds(100);

    private static readonly TimeSpan ReclaimWindow = TimeSpan.FromSeconds(5);

    private QueueDefinition _definition;
    private readonly ILiveTopology? _live;
    private IDisposable? _topologySubscription;
    private readonly SpoolSettings _settings;
    private readonly IActorRef _balancer;
    private readonly IActorRef _printers;
    private readonly IDocumentStore _documents;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, PrinterStatus> _printerStatus = new();
    private readonly Dictionary<long, Placement> _placing = new();
    private readonly Dictionary<long, Running> _running = new();
    // The job last dispatched to each printer, which the next one names as the job it comes after.
    private readonly Dictionary<string, long> _lastSentTo = new();
    // Document numbers handed to Send-Documents under way (not persisted: a lost one leaves a gap in the numbers).
    private readonly Dictionary<long, DocumentSlot> _documentSlots = new();
    // The candidate last offered to each sequential printer of the pool (its job id; null: none).
    private readonly Dictionary<string, long?> _offered = new();
    // Nodes whose process this node found gone, by address, until they are removed from the cluster.
    private readonly Dictionary<Address, UniqueAddress> _crashedNodes = new();
    // Whether any printer of the pool said it is sequential (most pools have none: the hot path then skips the offers).
    private bool _anySequential;
    // Journal trimming: up to which sequence number it may go (the latest snapshot's), how far it went, the last write.
    private long _trimDue;
    private long _trimmedTo;
    private DateTimeOffset _lastWrite;
    /// <summary>
    /// Trimming deletes rows in the journal's database: on SQLite that takes the file's write lock, and the journal's
    /// next write waited for it (Microsoft.Data.Sqlite retries a busy statement every 150 ms: a 150 ms stall in the
    /// bench's p99). So a queue trims once it has written nothing for this long, or when its journal has grown by
    /// <see cref="TrimAnywayAfter"/> events under load that never pauses.
    /// </summary>
    private static readonly TimeSpan TrimWhenIdleFor = TimeSpan.FromSeconds(2);
    private const long TrimAnywayAfter = 50_000;
    private QueueRules _rules;
    private readonly JobChangeBatcher _changes;
    // Looked up once: every journal write publishes through it.
    private readonly IActorRef _mediator;
    private bool _publishScheduled;
    private QueueState _state = new();
    // Who waits for an answer deferred behind writes in flight, oldest first (deferred answers go out in order).
    private readonly Queue<IActorRef> _awaitingDurability = new();
    // Events applied but not yet durable; snapshots wait until there are none.
    private int _unconfirmed;
    private int _rotation;
    private int _eventsSinceSnapshot;

    public ITimerScheduler Timers { get; set; } = null!;

    public override string PersistenceId { get; }

    public JobQueueActor(QueueDefinition definition, SpoolSettings settings, IActorRef balancer, IActorRef printers, IDocumentStore documents,
        ILiveTopology? live = null)
    {
        _definition = definition;
        _live = live;
        _settings = settings;
        _balancer = balancer;
        _printers = printers;
        _documents = documents;
        _rules = new QueueRules(definition, settings.HoldTimeZone);
        PersistenceId = PersistenceIdFor(definition.Name);
        _changes = new JobChangeBatcher(definition.Name, Akka.Cluster.Cluster.Get(Context.System).SelfAddress.ToString());
        _mediator = DistributedPubSub.Get(Context.System).Mediator;

        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is QueueSnapshot snapshot) _state = QueueState.FromSnapshot(snapshot);
            // Events before the recovered snapshot may still be in the journal (the last incarnation had not trimmed them).
            if (_settings.TrimJournal) _trimDue = offer.Metadata.SequenceNr;
        });
        Recover<IJobQueueEvent>(e =>
        {
            _state.Apply(e);
            _eventsSinceSnapshot++;
        });
        Recover<RecoveryCompleted>(_ => Self.Tell(RecoveryFinished.Instance));

        Command<RecoveryFinished>(_ => OnRecovered());
        Command<WorkingOn>(Reclaim);
        Command<ReclaimWindowClosed>(_ => InterruptUnclaimed("no worker claimed the delivery after the queue restarted"));
        Command<Commands.ReserveDocument>(ReserveDocument);
        Command<Commands.ReportOutcome>(RecordOutcome);
        Command<Commands.WakeUp>(_ => { });
        Command<LiveDefinition>(changed => Redefine(changed.Queue));
        Command<IJobQueueCommand>(Decide);
        Command<WorkerGranted>(Granted);
        Command<Terminated>(WorkerLost);
        Command<MemberCrashed>(NodeCrashed);
        Command<PrinterStatus>(status =>
        {
            if (!_definition.Printers.Contains(status.Name)) return;
            _printerStatus[status.Name] = status;
            _anySequential |= status.Sequential;
            TryDispatch();
        });
        Command<SubscribeAck>(_ => { });
        Command<Tick>(_ => OnTick());
        Command<PlaceAgain>(_ => TryDispatch());
        Command<ClusterEvent.MemberRemoved>(removed =>
        {
            // Only now may a process started again on that address join: its workers are fine.
            if (_crashedNodes.TryGetValue(removed.Member.Address, out var crashed) && crashed.Equals(removed.Member.UniqueAddress))
                _crashedNodes.Remove(removed.Member.Address);
        });
        Command<ClusterEvent.CurrentClusterState>(_ => { });
        Command<RetentionTick>(_ => PurgeOldJobs());
        Command<SnapshotDue>(_ => SnapshotIfQuiet());
        Command<PublishChanges>(_ => PublishDurableChanges());
        // Answers wait for the writes in flight, so nothing is shown that is not durable yet.
        Command<Queries.GetJob>(q => Answer(new Replies.JobInfo(_state.Find(q.JobId))));
        Command<Queries.GetJobs>(q => Answer(new Replies.JobList(QueueRules.Listing(_state, q.Which, q.Owner, q.Limit))));
        Command<Queries.GetQueueStatus>(_ => Answer(Status()));
        Command<Queries.FindKnownJobs>(q => Answer(new Replies.KnownJobs(q.JobIds.Where(id => _state.Find(id) is not null).ToArray())));
        // About deliveries in memory, not about anything stored: answered at once, not behind the writes in flight.
        Command<Queries.IsJobOnItsWay>(q => Sender.Tell(new Replies.JobOnItsWay(q.Queue, q.JobId, IsOnItsWayTo(q.JobId, q.Printer))));
        Command<SaveSnapshotSuccess>(SnapshotSaved);
        Command<SaveSnapshotFailure>(f => _log.Warning("Queue {0}: snapshot failed: {1}", _definition.Name, f.Cause.Message));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(_ => { });
        Command<DeleteMessagesSuccess>(_ => { });
        // Harmless: the events stay and the next snapshot's deletion covers them too.
        Command<DeleteMessagesFailure>(f => _log.Warning("Queue {0}: journal not trimmed up to {1}: {2}", _definition.Name, f.ToSequenceNr, f.Cause.Message));
    }

    public static string PersistenceIdFor(string queue) => $"job-queue-{queue}";

    protected override void PreStart()
    {
        base.PreStart();
        var self = Self;
        var name = _definition.Name;
        _topologySubscription = _live?.Subscribe(t => self.Tell(new LiveDefinition(t.FindQueue(name))));
        Context.System.EventStream.Subscribe(Self, typeof(MemberCrashed));
        Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot, typeof(ClusterEvent.MemberRemoved));
    }

    /// <summary>This queue's definition in the live topology now (null: removed).</summary>
    private sealed record LiveDefinition(QueueDefinition? Queue);

    /// <summary>
    /// The live topology changed this queue: the new printers, mode and limits apply from the next decision on. Jobs
    /// placed on a printer the queue no longer has go back in line. A removed queue (the keeper removes only a queue
    /// without unfinished jobs) stops; its journal stays, so a queue of the same name added later has its history.
    /// </summary>
    private void Redefine(QueueDefinition? changed)
    {
        if (changed is null)
        {
            _log.Info("Queue {0}: removed from the live topology; stopping", _definition.Name);
            Context.Parent.Tell(new Passivate(PoisonPill.Instance));
            return;
        }

        if (TopologyEditWire.SameDefinition(changed, _definition)) return;
        _definition = changed;
        _rules = new QueueRules(changed, _settings.HoldTimeZone);
        foreach (var gone in _printerStatus.Keys.Where(p => !changed.Printers.Contains(p)).ToList()) _printerStatus.Remove(gone);
        foreach (var jobId in _placing.Where(p => !changed.Printers.Contains(p.Value.Printer)).Select(p => p.Key).ToList()) Withdraw(jobId);
        foreach (var printer in changed.Printers.Where(p => !_printerStatus.ContainsKey(p))) _printers.Tell(new GetPrinterStatus(printer));
        _log.Info("Queue {0}: definition changed in the live topology (printers {1}, {2})", changed.Name, string.Join(",", changed.Printers),
            changed.Mode.ToString().ToLowerInvariant());
        TryDispatch();
    }

    private void OnRecovered()
    {
        _mediator.Tell(new Subscribe(StatusTopic, Self));
        foreach (var printer in _definition.Printers) _printers.Tell(new GetPrinterStatus(printer));
        Timers.StartPeriodicTimer("tick", Tick.Instance, _settings.DispatchRetryInterval);
        Timers.StartPeriodicTimer("retention", RetentionTick.Instance, _settings.RetentionInterval);

        // Jobs that were in delivery when the queue stopped: if the queue merely moved (its node died or left),
        // their workers may still be delivering. Ask them; what nobody claims goes back in line. A worker on a node
        // that is no longer a member (it crashed with the queue's old node) cannot answer: its jobs go back at once.
        var inDelivery = _state.Jobs.Where(j => j.State == JobState.Processing).ToList();
        var members = Akka.Cluster.Cluster.Get(Context.System).State.Members
            .Where(m => m.Status is not (MemberStatus.Down or MemberStatus.Removed)).Select(m => m.Address).ToHashSet();
        var workerGone = new List<long>();
        foreach (var job in inDelivery.Where(j => j.Worker is not null))
        {
            if (ActorPath.TryParse(job.Worker, out var worker) && !members.Contains(worker.Address)) workerGone.Add(job.JobId);
            else Context.ActorSelection(job.Worker).Tell(new IsWorkingOn(_definition.Name, job.JobId, job.Dispatches));
        }
        if (inDelivery.Count > 0) Timers.StartSingleTimer("reclaim", ReclaimWindowClosed.Instance, ReclaimWindow);
        _log.Info("Queue {0}: recovered {1} job(s), {2} pending, {3} in delivery", _definition.Name, _state.Count, _state.PendingCount, inDelivery.Count);
        Interrupt(workerGone, "its worker's node left the cluster");
        // A long replay is worth a snapshot now, so the next recovery is short.
        SnapshotIfQuiet();
        TryDispatch();
    }

    private void Reclaim(WorkingOn answer)
    {
        if (_running.ContainsKey(answer.JobId)) return;
        if (_state.Find(answer.JobId) is not { State: JobState.Processing } job || job.Dispatches != answer.Attempt) return;
        if (!answer.Busy)
        {
            // The worker of that name is idle (a process started again on the old address, or the dispatch never reached it).
            Interrupt([answer.JobId], "its worker is not delivering it");
            return;
        }
        _running[answer.JobId] = new Running(job.Printer!, answer.Attempt, Sender, DateTimeOffset.UtcNow);
        Context.Watch(Sender);
    }

    /// <summary>Puts jobs that were in delivery when the queue started back in line, when no worker can be delivering them.</summary>
    private void Interrupt(IReadOnlyCollection<long> jobIds, string reason)
    {
        if (jobIds.Count == 0) return;
        _log.Info("Queue {0}: job(s) {1} were in delivery when the queue started; re-queued: {2}", _definition.Name, string.Join(",", jobIds), reason);
        Commit(jobIds.Select(id => (IJobQueueEvent)new JobInterrupted(id, reason, DateTimeOffset.UtcNow)).ToList());
        TryDispatch();
    }

    /// <summary>Puts processing jobs that no live worker is delivering back in line (at-least-once: one may print twice).</summary>
    private void InterruptUnclaimed(string reason) =>
        Interrupt(_state.Jobs.Where(j => j.State == JobState.Processing && !_running.ContainsKey(j.JobId)).Select(j => j.JobId).ToList(), reason);

    /// <summary>A command the queue's rules decide: applied now, answered when its events are durable.</summary>
    private void Decide(IJobQueueCommand command) => Commit(_rules.Decide(_state, command, DateTimeOffset.UtcNow), Sender);

    /// <summary>
    /// Send-Document asks for a document number before it stores the document, so two Send-Documents never store
    /// under the same number. A reservation also counts as activity for the multiple-operation-time-out.
    /// </summary>
    private void ReserveDocument(Commands.ReserveDocument command)
    {
        if (_rules.DocumentProblem(_state, command) is { } refusal)
        {
            Sender.Tell(refusal);
            return;
        }
        var job = _state.Find(command.JobId)!;
        var recorded = job.Documents.Select(d => d.Number).DefaultIfEmpty(0).Max();
        var number = Math.Max(recorded, _documentSlots.GetValueOrDefault(job.JobId)?.Number ?? 0) + 1;
        _documentSlots[job.JobId] = new DocumentSlot(number, DateTimeOffset.UtcNow);
        Sender.Tell(new Replies.DocumentReserved(job.JobId, number));
    }

    /// <summary>
    /// Group commit. The events are applied at once, so the next command already sees them, and handed to Akka's
    /// PersistAllAsync, which writes everything that arrived while the previous write was in flight as one journal
    /// write. The answer goes out when its own events (and all before them) are durable; nothing is acknowledged from
    /// memory. A device only gets a job after its dispatch event is durable, and the journal is always a prefix of
    /// what was applied, so a job whose acceptance failed to persist can never print.
    /// </summary>
    private void Commit(QueueDecision decision, IActorRef replyTo)
    {
        Commit(decision.Events);
        ReplyWhenDurable(decision.Reply?.Invoke(_state) ?? Status(), replyTo);
        if (decision.Events.Count > 0) TryDispatch();
    }

    /// <summary>Applies live events and persists them in the next shared journal write.</summary>
    private void Commit(IReadOnlyList<IJobQueueEvent> events, Action? whenDurable = null)
    {
        foreach (var e in events)
        {
            var before = JobChangeBatcher.JobIdOf(e) is { } jobId ? _state.Find(jobId)?.State : null;
            Apply(e);
            _changes.Applied(e, before, _state);
        }
        if (events.Count > 0)
        {
            _lastWrite = DateTimeOffset.UtcNow;
            _changes.Committed(events.Count, _state);
            _unconfirmed += events.Count;
            PersistAllAsync(events, Confirmed);
        }
        // Documents go after the journal forgot the jobs (retention or job purge); a crash in between leaves orphans
        // for the orphan sweep.
        if (events.OfType<JobsPurged>().SelectMany(p => p.JobIds).ToArray() is { Length: > 0 } purged) DeferAsync(purged, DeleteDocuments);
        if (whenDurable is not null) DeferAsync(whenDurable, action => action());
    }

    private void DeleteDocuments(long[] jobIds)
    {
        var documents = _documents;
        var log = _log;
        var queue = _definition.Name;
        _ = Task.Run(async () =>
        {
            try
            {
                foreach (var id in jobIds) await documents.DeleteJobAsync(id);
            }
            catch (Exception e)
            {
                log.Warning("Queue {0}: documents of {1} purged job(s) not deleted yet ({2}); the orphan sweep deletes them", queue, jobIds.Length, e.Message);
            }
        });
    }

    private void Confirmed(IJobQueueEvent e)
    {
        // The other confirmations of the same journal write are in the mailbox already: the publication follows them.
        if (_changes.Confirmed() && !_publishScheduled)
        {
            _publishScheduled = true;
            Self.Tell(PublishChanges.Instance);
        }
        // Looked at as a message of its own, outside the persist handler, where the sequence number is settled.
        if (--_unconfirmed == 0 && SnapshotDueNow) Self.Tell(SnapshotDue.Instance);
    }

    /// <summary>The job changes the journal confirmed, to every node's live feed (the web console's events).</summary>
    private void PublishDurableChanges()
    {
        _publishScheduled = false;
        if (_changes.TakeDurable() is { } changes) _mediator.Tell(new Publish(LiveProtocol.JobChangesTopic, changes));
    }

    private bool SnapshotDueNow => _eventsSinceSnapshot >= QueueRules.SnapshotInterval(_settings.SnapshotEvery, _state.Count);

    /// <summary>
    /// A snapshot must hold exactly the durable events up to its sequence number, so it is only taken when no applied
    /// event is still on its way to the journal (the snapshot's sequence number is the last durable one).
    /// </summary>
    private void SnapshotIfQuiet()
    {
        if (!SnapshotDueNow || _unconfirmed > 0) return;
        _eventsSinceSnapshot = 0;
        SaveSnapshot(_state.ToSnapshot());
    }

    /// <summary>
    /// The snapshot holds every event up to its sequence number: older snapshots go, and so do those events, so the
    /// journal stays as long as the events since the last snapshot. Akka.Persistence.Sql keeps the highest deleted row
    /// (marked deleted) so a recovering queue numbers on from there.
    /// </summary>
    private void SnapshotSaved(SaveSnapshotSuccess saved)
    {
        DeleteSnapshots(new SnapshotSelectionCriteria(saved.Metadata.SequenceNr - 1));
        if (_settings.TrimJournal) _trimDue = saved.Metadata.SequenceNr;
        TrimJournalIfDue(DateTimeOffset.UtcNow);
    }

    /// <summary>Deletes the journal up to the latest snapshot when the queue is idle (see <see cref="TrimWhenIdleFor"/>) or far behind.</summary>
    private void TrimJournalIfDue(DateTimeOffset now)
    {
        if (_trimDue <= _trimmedTo || JournalTrimHold.Held) return;
        if (now - _lastWrite < TrimWhenIdleFor && _trimDue - _trimmedTo < TrimAnywayAfter) return;
        DeleteMessages(_trimDue);
        _trimmedTo = _trimDue;
    }

    private void Granted(WorkerGranted grant)
    {
        var jobId = grant.Request.JobId;
        var job = _state.Find(jobId);
        if (OnCrashedNode(grant.Worker) && _placing.Remove(jobId))
        {
            // The balancer granted it before it heard of the crash. Placed again a moment later, not at once: a
            // balancer that has not heard yet would grant the same idle worker again straight away.
            _log.Info("Queue {0}: job {1} was granted worker {2} of a crashed node; placed again", _definition.Name, jobId, grant.Worker.Path);
            _balancer.Tell(new WorkFinished(grant.Worker));
            Timers.StartSingleTimer("place-again", PlaceAgain.Instance, PlaceAgainAfter);
            return;
        }
        if (!_placing.Remove(jobId, out var placement) || _state.Paused || job is not { State: JobState.Pending }
            || !(_printerStatus.GetValueOrDefault(placement.Printer)?.IsAcceptingWork ?? false))
        {
            // Canceled, held or its printer failed while we waited: give the worker back and place the job anew.
            _balancer.Tell(new WorkFinished(grant.Worker));
            TryDispatch();
            return;
        }
        var attempt = job.Dispatches + 1;
        // The queue's previous job for this printer, if it is still under way: the printer starts this one after it.
        long? after = _lastSentTo.TryGetValue(placement.Printer, out var previous) && _running.TryGetValue(previous, out var before)
                      && before.Printer == placement.Printer ? previous : null;
        _lastSentTo[placement.Printer] = jobId;
        _running[jobId] = new Running(placement.Printer, attempt, grant.Worker, DateTimeOffset.UtcNow);
        Context.Watch(grant.Worker);
        // The full address (also for a local worker), so a queue that recovers on another node finds the worker.
        var workerPath = Akka.Serialization.Serialization.SerializedActorPath(grant.Worker);
        // The worker starts once the dispatch is durable: a queue that restarts then knows whom to ask about it.
        Commit([new JobDispatched(jobId, attempt, placement.Printer, workerPath, DateTimeOffset.UtcNow)], () =>
            grant.Worker.Tell(new ExecuteJob(_definition.Name, jobId, attempt, placement.Printer, job.Documents, grant.Request.Pages)
            {
                Copies = job.Copies,
                Priority = job.Priority,
                Sequence = job.Sequence,
                SubmittedAt = job.SubmittedAt,
                After = after,
            }));
        // The printer may take the next job now (jobs-in-flight-per-printer).
        TryDispatch();
    }

    private void RecordOutcome(Commands.ReportOutcome report)
    {
        var replyTo = Sender;
        var job = _state.Find(report.JobId);
        // Current: the dispatch we are waiting for, also when it was not reclaimed yet after a restart.
        var current = (_running.TryGetValue(report.JobId, out var running) && running.Attempt == report.Attempt)
                      || (job is { State: JobState.Processing } && job.Dispatches == report.Attempt);
        if (current) StopRunning(report.JobId);

        Commit(_rules.Outcome(_state, report, current, DateTimeOffset.UtcNow), replyTo);
        // The delivery's printer slot is free now, whatever the outcome.
        TryDispatch();
    }

    private void WorkerLost(Terminated terminated) =>
        Requeue(_running.Where(r => r.Value.Worker.Equals(terminated.ActorRef)).Select(r => r.Key).ToList(), "worker lost during delivery",
            $"worker {terminated.ActorRef.Path} lost");

    /// <summary>
    /// A node crashed (its port refuses): its workers' deliveries are lost now, not only once it is removed, and its
    /// workers no longer take grants that the balancer sent before it heard.
    /// </summary>
    private void NodeCrashed(MemberCrashed crashed)
    {
        var address = crashed.Member.Address;
        // Marked only while it is still a member here: its removal, which clears the mark, must still come.
        if (Akka.Cluster.Cluster.Get(Context.System).State.Members.Any(m => m.UniqueAddress.Equals(crashed.Member))) _crashedNodes[address] = crashed.Member;
        var lost = _running.Where(r => r.Value.Worker.Path.Address.Equals(address)).Select(r => r.Key)
            // In delivery when the queue started, and not claimed yet by that node's worker.
            .Concat(_state.Jobs.Where(j => j.State == JobState.Processing && !_running.ContainsKey(j.JobId)
                                           && j.Worker is not null && ActorPath.TryParse(j.Worker, out var worker) && worker.Address.Equals(address))
                .Select(j => j.JobId))
            .ToList();
        Requeue(lost, "its worker's node crashed", $"worker(s) on crashed node {address} lost");
    }

    private void Requeue(IReadOnlyCollection<long> lost, string reason, string what)
    {
        foreach (var jobId in lost) StopRunning(jobId);
        var events = lost
            .Where(id => _state.Find(id) is { State: JobState.Processing })
            .Select(id => new JobInterrupted(id, reason, DateTimeOffset.UtcNow))
            .ToList();
        if (events.Count == 0) return;
        _log.Warning("Queue {0}: {1} with job(s) {2}; re-queued", _definition.Name, what, string.Join(",", events.Select(e => e.JobId)));
        Commit(events);
        TryDispatch();
    }

    /// <summary>
    /// Whether <paramref name="worker"/> lived on a node found crashed and not removed yet: until the removal no new
    /// process can join on that address, so every worker there is the dead one's.
    /// </summary>
    private bool OnCrashedNode(IActorRef worker) => _crashedNodes.Count > 0 && _crashedNodes.ContainsKey(worker.Path.Address);

    /// <summary>
    /// Whether a printer should go on holding jobs back for <paramref name="jobId"/>: a worker has it for that printer,
    /// or it was in delivery there when the queue started and its worker has not answered yet. Not when it went back in
    /// line, even for the same printer: the workers held by the jobs waiting behind it may be the very ones it needs.
    /// </summary>
    private bool IsOnItsWayTo(long jobId, string printer)
    {
        if (_running.TryGetValue(jobId, out var running)) return running.Printer == printer;
        return Timers.IsTimerActive("reclaim") && _state.Find(jobId) is { State: JobState.Processing } job && job.Printer == printer;
    }

    private void StopRunning(long jobId)
    {
        if (!_running.Remove(jobId, out var running)) return;
        if (!_running.Values.Any(r => r.Worker.Equals(running.Worker))) Context.Unwatch(running.Worker);
    }

    private void OnTick()
    {
        var now = DateTimeOffset.UtcNow;
        PublishDepth();
        TrimJournalIfDue(now);
        // The balancer keeps no journal: after a hand-over it has forgotten our requests, so ask again.
        foreach (var (jobId, placement) in _placing.Where(p => now - p.Value.RequestedAt >= _settings.DispatchRetryInterval).ToList())
        {
            var job = _state.Find(jobId);
            if (_state.Paused || job is not { State: JobState.Pending } || !(_printerStatus.GetValueOrDefault(placement.Printer)?.IsAcceptingWork ?? false))
            {
                _placing.Remove(jobId);
                _balancer.Tell(new WithdrawRequest(_definition.Name, jobId));
                continue;
            }
            _placing[jobId] = placement with { RequestedAt = now };
            _balancer.Tell(new RequestWorker(WorkRequestFor(job, placement.Printer), Self));
        }
        // A delivery that outlived every timeout below it lost its worker without a Terminated (e.g. a partition).
        var overdue = _running.Where(r => now - r.Value.StartedAt > _settings.DeliveryTimeout + TimeSpan.FromMinutes(1)).Select(r => r.Key).ToList();
        overdue.ForEach(StopRunning);
        var events = overdue.Select(id => (IJobQueueEvent)new JobInterrupted(id, "no outcome reported in time", now)).ToList();
        events.AddRange(_rules.TimedEvents(_state, now, _settings.MultipleOperationTimeout,
            jobId => _documentSlots.TryGetValue(jobId, out var slot) && now - slot.ReservedAt < _settings.MultipleOperationTimeout));
        Commit(events);
        SnapshotIfQuiet();
        foreach (var printer in _definition.Printers.Where(p => !_printerStatus.ContainsKey(p)))
        {
            _printers.Tell(new GetPrinterStatus(printer));
        }
        TryDispatch();
        if (!IsRecovering) OfferCandidates(force: true);
    }

    /// <summary>Places as many pending jobs as the pool's healthy, free printers can take right now.</summary>
    private void TryDispatch()
    {
        if (IsRecovering) return;
        try
        {
            Dispatch();
        }
        finally
        {
            OfferCandidates(force: false);
        }
    }

    private void Dispatch()
    {
        if (_state.Paused) return;
        var inFlight = _placing.Values.Select(p => p.Printer).Concat(_running.Values.Select(r => r.Printer))
            .GroupBy(p => p).ToDictionary(g => g.Key, g => g.Count());
        // One request per printer at the balancer at a time, so grants come back in the queue's order; each dispatch
        // names the one before it (After), so the printer keeps that order however the workers' messages arrive.
        foreach (var printer in _placing.Values.Select(p => p.Printer).Distinct()) inFlight[printer] = int.MaxValue;
        var reserved = new HashSet<long>(_placing.Keys);
        while (_state.NextToDispatch(_definition.Sequential, reserved) is { } job)
        {
            if (_definition.Sequential && _running.Count > 0) break;
            var avoid = job.Attempts > 0 ? job.Printer : null;
            // A sequential printer takes the job whose turn it is across all its queues; others wait (or go elsewhere in the pool).
            var printer = PrinterSelector.Choose(_definition,
                p => _printerStatus.GetValueOrDefault(p) is { } status && status.IsTurnOf(_definition.Name, job.JobId) ? status : null,
                inFlight, avoid, _rotation++, _settings.JobsInFlightPerPrinter);
            if (printer is null) break;
            if (avoid is not null && printer != avoid) SpoolMetrics.Failovers.WithLabels(_definition.Name).Inc();
            // A sequential printer expects a job only once it saw it as this queue's candidate: one never offered (the
            // first, taken while nobody had the turn) could be overtaken by a later job of another queue.
            if (_printerStatus[printer].Sequential && _offered.GetValueOrDefault(printer) != job.JobId) OfferCandidate(printer, job);
            _placing[job.JobId] = new Placement(printer, DateTimeOffset.UtcNow);
            reserved.Add(job.JobId);
            inFlight[printer] = int.MaxValue;
            _balancer.Tell(new RequestWorker(WorkRequestFor(job, printer), Self));
        }
    }

    /// <summary>
    /// Tells each sequential printer of the pool which job this queue would send it next (none while paused), so the
    /// printer can give the turn to the earliest submitted job of all its queues. On every change, and on every tick
    /// (<paramref name="force"/>) so a printer that restarted learns it again.
    /// </summary>
    private void OfferCandidates(bool force)
    {
        if (!_anySequential) return;
        var sequential = _definition.Printers.Where(p => _printerStatus.GetValueOrDefault(p)?.Sequential == true).ToList();
        var next = _state.Paused ? null : _state.NextToDispatch(_definition.Sequential, new HashSet<long>(_placing.Keys));
        foreach (var printer in sequential)
        {
            if (!force && _offered.TryGetValue(printer, out var offered) && offered == next?.JobId) continue;
            OfferCandidate(printer, next);
        }
    }

    private void OfferCandidate(string printer, JobRecord? next)
    {
        _offered[printer] = next?.JobId;
        _printers.Tell(new SequenceCandidate(printer, _definition.Name, next?.JobId, next?.SubmittedAt));
    }

    private void PublishDepth()
    {
        var counts = _state.Jobs.GroupBy(j => j.State).ToDictionary(g => g.Key, g => g.Count());
        foreach (var state in Enum.GetValues<JobState>())
        {
            SpoolMetrics.QueueJobs.WithLabels(_definition.Name, state.ToKeyword()).Set(counts.GetValueOrDefault(state));
        }
        // Counters the alert rules take increase() of are exported from 0: a series first seen at 1 shows no increase.
        SpoolMetrics.JobsAborted.WithLabels(_definition.Name);
        foreach (var kind in new[] { "failed", "rejected" }) SpoolMetrics.JournalFailures.WithLabels(_definition.Name, kind);
        var oldestPending = _state.Jobs.Where(j => j.State == JobState.Pending).Select(j => (DateTimeOffset?)j.SubmittedAt).Min();
        SpoolMetrics.QueueOldestPendingSeconds.WithLabels(_definition.Name)
            .Set(oldestPending is { } submitted ? Math.Max(0, (DateTimeOffset.UtcNow - submitted).TotalSeconds) : 0);
    }

    protected override void PostStop()
    {
        // The queue now lives on another node, which reports it from there.
        foreach (var state in Enum.GetValues<JobState>()) SpoolMetrics.QueueJobs.RemoveLabelled(_definition.Name, state.ToKeyword());
        SpoolMetrics.QueueOldestPendingSeconds.RemoveLabelled(_definition.Name);
        _topologySubscription?.Dispose();
        Context.System.EventStream.Unsubscribe(Self);
        Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);
        base.PostStop();
    }

    // Priority and submission time place the request among every queue's at the balancer, the same on each re-request.
    /// <summary>The request for a worker to deliver the job to <paramref name="printer"/>, on a node of the printer's site (else the queue's).</summary>
    private WorkRequest WorkRequestFor(JobRecord job, string printer)
    {
        var status = _printerStatus.GetValueOrDefault(printer);
        var site = DeliverySite.For(status?.Site, status?.AlternateSite, _definition);
        return new(_definition.Name, job.JobId, PageEstimate.ForJob(job), job.TotalBytes)
        {
            Priority = job.Priority, SubmittedAt = job.SubmittedAt, Site = site.Site, AlternateSite = site.Alternate,
        };
    }

    private void PurgeOldJobs()
    {
        var purge = _state.PurgeCandidates(_settings.RetainTerminalJobs, DateTimeOffset.UtcNow - _settings.RetainTerminalFor);
        if (purge.Length == 0) return;
        Commit([new JobsPurged(purge, DateTimeOffset.UtcNow)]);
    }

    /// <summary>Applies a live event (not a replayed one), counts it and does what it means for placements and logs.</summary>
    private void Apply(IJobQueueEvent e)
    {
        _state.Apply(e);
        var queue = _definition.Name;
        switch (e)
        {
            case JobAccepted or JobCreated:
                SpoolMetrics.JobsAccepted.WithLabels(queue).Inc();
                break;
            case JobClosed closed:
                _documentSlots.Remove(closed.JobId);
                if (closed.Reason == "multiple-operation-time-out")
                    _log.Info("Queue {0}: job {1} closed: no Send-Document within {2}", queue, closed.JobId, _settings.MultipleOperationTimeout);
                break;
            case JobReleased released when _state.Find(released.JobId) is { } job && job.State == JobState.Pending:
                _log.Info("Queue {0}: job {1} released", queue, released.JobId);
                break;
            case JobHeld held:
                Withdraw(held.JobId);
                break;
            case JobRestarted restarted:
                _log.Info("Queue {0}: job {1} restarted", queue, restarted.JobId);
                break;
            case QueuePaused paused:
                // Jobs waiting for a worker stay pending; running deliveries finish.
                foreach (var jobId in _placing.Keys.ToList()) Withdraw(jobId);
                _log.Info("Queue {0}: paused by {1}; accepting jobs, dispatching none", queue, paused.By);
                break;
            case QueueResumed:
                _log.Info("Queue {0}: resumed", queue);
                break;
            case JobCompleted:
                SpoolMetrics.JobsFinished.WithLabels(queue, "completed").Inc();
                break;
            case JobCanceled canceled:
                _documentSlots.Remove(canceled.JobId);
                Withdraw(canceled.JobId);
                SpoolMetrics.JobsFinished.WithLabels(queue, "canceled").Inc();
                break;
            case JobAborted aborted:
                _log.Error("Queue {0}: job {1} aborted: {2}", queue, aborted.JobId, aborted.Reason);
                _documentSlots.Remove(aborted.JobId);
                SpoolMetrics.JobsFinished.WithLabels(queue, "aborted").Inc();
                SpoolMetrics.JobsAborted.WithLabels(queue).Inc();
                break;
        }
        _eventsSinceSnapshot++;
    }

    /// <summary>A job that no longer wants a worker: the balancer forgets its request.</summary>
    private void Withdraw(long jobId)
    {
        if (_placing.Remove(jobId)) _balancer.Tell(new WithdrawRequest(_definition.Name, jobId));
    }

    private void Answer(ISpoolMessage reply) => ReplyWhenDurable(reply, Sender);

    /// <summary>Answers once every write applied before is durable; if one fails, <see cref="FailAwaiting"/> answers instead.</summary>
    private void ReplyWhenDurable(object reply, IActorRef replyTo)
    {
        _awaitingDurability.Enqueue(replyTo);
        DeferAsync(reply, r =>
        {
            _awaitingDurability.Dequeue();
            replyTo.Tell(r);
        });
    }

    /// <summary>
    /// The journal failed a write (the database is down, unreachable or timed out): Akka stops the queue, since memory
    /// is ahead of the journal. Everyone still waiting hears so now, rather than at their own timeout; the entity then
    /// restarts (sharding's entity-restart-backoff) and recovers from the journal, which holds a prefix of what was
    /// applied, so nothing unanswered is taken as done.
    /// </summary>
    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        FailAwaiting(StorageUnavailableException.From(cause), "the queue's journal write failed");
        SpoolMetrics.JournalFailures.WithLabels(_definition.Name, "failed").Inc();
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    /// <summary>
    /// The journal refused an event without storing it (Akka keeps the actor running then): memory has it applied, so
    /// the queue stops and recovers from the journal like after a failure, instead of going on ahead of it.
    /// </summary>
    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        FailAwaiting(new StorageUnavailableException(cause.Message, cause), "the queue's journal refused a write");
        SpoolMetrics.JournalFailures.WithLabels(_definition.Name, "rejected").Inc();
        _log.Error(cause, "Queue {0}: the journal rejected {1} (sequence number {2}); restarting from the journal", _definition.Name,
            @event.GetType().Name, sequenceNr);
        Context.Stop(Self);
    }

    private void FailAwaiting(StorageUnavailableException failure, string what)
    {
        var answer = new Replies.StorageUnavailable($"{what}: {failure.Message}") { DiskFull = failure.DiskFull };
        while (_awaitingDurability.TryDequeue(out var replyTo)) replyTo.Tell(answer);
    }

    private Replies.QueueStatus Status() =>
        _rules.Status(_state, _definition.Printers.Where(p => _printerStatus.GetValueOrDefault(p)?.IsAcceptingWork ?? false).ToArray());

    public static Props Props(QueueDefinition definition, SpoolSettings settings, IActorRef balancer, IActorRef printers, IDocumentStore documents,
        ILiveTopology? live = null) =>
        Akka.Actor.Props.Create(() => new JobQueueActor(definition, settings, balancer, printers, documents, live));
}
