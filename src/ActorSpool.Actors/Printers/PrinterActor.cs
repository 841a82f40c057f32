using System.Diagnostics;
using ActorSpool.Actors.Membership;
using ActorSpool.Actors.Storage;
using ActorSpool.Actors.Topology;
using ActorSpool.Domain.Jobs;
using ActorSpool.Domain.Messages;
using ActorSpool.Domain.Printers;
using ActorSpool.Domain.Topology;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using static ActorSpool.Actors.Printers.DeliveryMessages;
using static ActorSpool.Domain.Messages.PrinterProtocol;

namespace ActorSpool.Actors.Printers;

/// <summary>
/// One output device: the single truth about its health. Probes it on a heartbeat, hands it one delivery at a
/// time through a supervised protocol child, keeps a circuit breaker per path (uri and fallback-uri), delivers
/// over the fallback while the primary path is unusable and goes back when it recovers, and publishes its
/// <see cref="PrinterStatus"/> so queues route around it when it is unhealthy.
/// </summary>
public sealed class PrinterActor : ReceiveActor, IWithTimers
{
    private sealed record Pending(DeliverJob Job, IActorRef ReplyTo)
    {
        public DateTimeOffset ArrivedAt { get; } = DateTimeOffset.UtcNow;
    }

    /// <summary>A waiting job's predecessor may still arrive: look again.</summary>
    private sealed record StartWaiting
    {
        public static readonly StartWaiting Instance = new();
    }

    /// <summary>
    /// How long a job waits for the job its queue sent just before it on trust (workers' messages overtake each other by
    /// milliseconds); then the printer asks the queue whether that one still comes, and again at this interval.
    /// </summary>
    private static readonly TimeSpan PredecessorAskEvery = TimeSpan.FromMilliseconds(250);

    private sealed record InDelivery(Pending Pending, DevicePath Path)
    {
        public DeliverJob Job => Pending.Job;
    }

    private sealed record HeartbeatTick
    {
        public static readonly HeartbeatTick Instance = new();
    }

    private sealed record DeliveryOverdue(long JobId, int Attempt);

    /// <summary>The pause record stopped (its journal write or recovery failed): start a new one, which recovers.</summary>
    private sealed record RestartPauseRecord
    {
        public static readonly RestartPauseRecord Instance = new();
    }

    private static readonly TimeSpan PauseRecordRestartDelay = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Sharding's hand-off stop message (a rebalance or a graceful leave moves the entity): the delivery on the
    /// wire finishes and is reported first. Stopping mid-delivery would have the job re-queued after the device
    /// may already have printed it.
    /// </summary>
    public sealed record HandOff
    {
        public static readonly HandOff Instance = new();
    }

    private readonly PrinterDefinition _definition;
    private readonly ILiveTopology? _live;
    private IDisposable? _topologySubscription;
    // The definition changed in the live topology: after the hand-off the entity starts again with the new one.
    private bool _restartWithNewDefinition;
    private readonly SpoolSettings _settings;
    private readonly Func<Uri, Props> _protocolFor;
    private readonly Func<Uri, TimeSpan, Task<ProbeCompleted>> _probe;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Queue<Pending> _waiting = new();
    private readonly RecentDeliveries _recent = new(512);
    // Jobs this printer started lately, by queue: a job that names one of them as its predecessor may start.
    private readonly HashSet<(string Queue, long JobId)> _started = new();
    private readonly Queue<(string Queue, long JobId)> _startOrder = new();
    // Predecessors asked about (whether they still come) and when, so each is asked once per interval.
    private readonly Dictionary<(string Queue, long JobId), DateTimeOffset> _askedAbout = new();
    private readonly Func<IActorRef?> _queues;
    private readonly List<DevicePath> _paths = new();
    private readonly IActorRef _mediator;
    // sequential = on: the turn across queues (who may dispatch next) and the jobs it expects.
    private readonly SequentialTurns _turns = new();
    private readonly List<IActorRef> _statusAskers = new();

    private InDelivery? _current;
    private IActorRef _pauseRecord = ActorRefs.Nobody;
    // False until the pause record recovered: no delivery starts before the printer knows whether it is paused.
    private bool _pauseKnown;
    private bool _paused;
    private bool _handingOff;
    private string? _lastError;
    private long _delivered;
    private long _failed;
    private long _deliveryStarted;
    private PrinterStatus? _published;

    public ITimerScheduler Timers { get; set; } = null!;

    public PrinterActor(PrinterDefinition definition, SpoolSettings settings, Func<Uri, Props> protocolFor, Func<Uri, TimeSpan, Task<ProbeCompleted>> probe,
        ILiveTopology? live = null, Func<IActorRef?>? queues = null)
    {
        _queues = queues ?? (() => null);
        _definition = definition;
        _live = live;
        _settings = settings;
        _protocolFor = protocolFor;
        _probe = probe;
        _mediator = DistributedPubSub.Get(Context.System).Mediator;
        foreach (var target in definition.Paths)
        {
            _paths.Add(new DevicePath(target, _paths.Count, new CircuitBreaker(settings.BreakerFailures, settings.BreakerOpenFor),
                new DeliveryErrorRatio(settings.FallbackErrorWindow, settings.FallbackErrorMinDeliveries, settings.FallbackErrorRatio)));
        }

        Receive<HandOff>(_ =>
        {
            _handingOff = true;
            Refuse(_waiting, _restartWithNewDefinition ? "restarting with its changed definition" : "moving to another node");
            if (_current is null) Context.Stop(Self);
        });
        Receive<LiveDefinition>(changed =>
        {
            if (_handingOff || (changed.Printer is { } now && TopologyEditWire.SameDefinition(now, _definition))) return;
            // Paths, breakers and probes are built from the definition: the entity hands off (a delivery under way
            // finishes) and starts again with the new one; a removed printer just stops.
            _restartWithNewDefinition = changed.Printer is not null;
            _log.Info("Printer {0}: {1} in the live topology", _definition.Name, changed.Printer is null ? "removed" : "changed; restarting with the new definition");
            Context.Parent.Tell(new Passivate(HandOff.Instance));
        });
        Receive<DeliverJob>(job =>
        {
            if (_current is { } c && SameAttempt(c.Job, job) || _waiting.Any(p => SameAttempt(p.Job, job)))
            {
                // A worker re-sent a request we already hold (its first acknowledgement got lost): acknowledge again.
                Sender.Tell(new DeliveryQueued(_definition.Name, job.JobId, job.Attempt));
                return;
            }
            if (_recent.Find(job.Queue, job.JobId, job.Attempt) is { } finished)
            {
                // A late re-send of an attempt already settled here: answer with its outcome instead of printing twice.
                Sender.Tell(finished);
                return;
            }
            if (_handingOff)
            {
                Sender.Tell(new DeliveryFinished(_definition.Name, job.JobId, job.Attempt, DeliveryOutcome.NotStarted, $"printer {_definition.Name} is moving to another node", 0));
                return;
            }
            // Freshly started (e.g. moved here after a node died): the first probe is under way, so the job waits
            // for its answer instead of being bounced back to the queue.
            if (!IsAcceptingWork && !AwaitingFirstProbe)
            {
                Sender.Tell(new DeliveryFinished(_definition.Name, job.JobId, job.Attempt, DeliveryOutcome.NotStarted, $"printer {_definition.Name} is not accepting work ({string.Join(", ", Reasons())})", 0));
                return;
            }
            _waiting.Enqueue(new Pending(job, Sender));
            Sender.Tell(new DeliveryQueued(_definition.Name, job.JobId, job.Attempt));
            StartNext();
        });
        Receive<DocumentsDelivered>(d => IsCurrent(d.JobId, d.Attempt), d =>
        {
            var path = _current!.Path;
            path.Breaker.RecordSuccess();
            path.Errors.Record(DateTimeOffset.UtcNow, failed: false);
            path.Reachable = true;
            _lastError = null;
            _delivered++;
            SpoolMetrics.DeliveryAttempts.WithLabels(_definition.Name, "delivered").Inc();
            SpoolMetrics.DeliverySeconds.WithLabels(_definition.Name).Observe(System.Diagnostics.Stopwatch.GetElapsedTime(_deliveryStarted).TotalSeconds);
            Finish(DeliveryOutcome.Delivered, null, d.Bytes);
        });
        Receive<DeliveryFaulted>(f => IsCurrent(f.JobId, f.Attempt), f =>
        {
            SpoolMetrics.ProtocolRestarts.WithLabels(_definition.Name).Inc();
            Fail(f.Error, f.DeviceUnreachable);
        });
        Receive<DeliveryOverdue>(o => IsCurrent(o.JobId, o.Attempt), _ =>
        {
            // The protocol actor is stuck past every timeout of its own: replace it rather than wait on it.
            var path = _current!.Path;
            if (_current.Job.ByWorker)
            {
                _current.Pending.ReplyTo.Tell(new AbandonDelivery(_current.Job.JobId, _current.Job.Attempt, path.Target));
            }
            else
            {
                Context.Stop(path.Protocol);
                path.Protocol = StartProtocol(path);
            }
            Fail($"no answer from the device within {_settings.DeliveryTimeout}", false);
        });
        Receive<Terminated>(t => _current is { Job.ByWorker: true } c && c.Pending.ReplyTo.Equals(t.ActorRef), _ =>
            // The worker's node died mid-delivery: the device may or may not have the job; its queue re-queues it.
            Finish(DeliveryOutcome.NotStarted, "the delivering worker stopped", 0));
        Receive<MemberCrashed>(crashed =>
        {
            // Its workers' deliveries end now rather than at the node's removal: the next job need not wait for them.
            var address = crashed.Member.Address;
            bool OnCrashedNode(Pending p) => p.Job.ByWorker && p.ReplyTo.Path.Address.Equals(address);
            var stale = _waiting.Where(OnCrashedNode).ToList();
            if (stale.Count > 0)
            {
                var keep = _waiting.Where(p => !OnCrashedNode(p)).ToList();
                _waiting.Clear();
                foreach (var pending in keep) _waiting.Enqueue(pending);
            }
            var lostDelivery = _current is { } current && OnCrashedNode(current.Pending) ? current : null;
            var ending = (lostDelivery is null ? [] : new[] { lostDelivery.Job.JobId }).Concat(stale.Select(p => p.Job.JobId)).ToList();
            if (ending.Count > 0) _log.Info("Printer {0}: node {1} crashed; its workers' job(s) {2} end here", _definition.Name, address, string.Join(",", ending));
            if (lostDelivery is not null) Finish(DeliveryOutcome.NotStarted, "the delivering worker's node crashed", 0);
            else if (stale.Count > 0) StartNext();
        });
        Receive<HeartbeatTick>(_ => Probe());
        Receive<StartWaiting>(_ => StartNext());
        Receive<JobQueueProtocol.Replies.JobOnItsWay>(answer =>
        {
            if (answer.Coming) return;
            // Its worker died, it failed or went back in line: the jobs sent after it need not wait for it.
            NoLongerAwaited(answer.Queue, answer.JobId);
            StartNext();
        });
        Receive<ProbeCompleted>(p =>
        {
            var path = _paths.FirstOrDefault(x => x.Target == p.Target);
            if (path is null) return;
            var wasUsable = path.IsUsable(DateTimeOffset.UtcNow);
            path.Reachable = p.Reachable;
            path.DeviceReasons = p.DeviceReasons;
            path.DeviceAccepting = p.DeviceAccepting;
            path.ProbeLatency = p.Reachable ? p.Latency : null;
            if (!p.Reachable) _lastError = p.Error;
            if (wasUsable != path.IsUsable(DateTimeOffset.UtcNow))
            {
                _log.Info("Printer {0}: {1} path {2} is now {3}", _definition.Name, path.Describe(_paths.Count), path.Target, path.IsUsable(DateTimeOffset.UtcNow) ? "usable" : $"unusable ({p.Error ?? string.Join(",", p.DeviceReasons)})");
            }
            PublishStatus(force: true);
            StartNext();
        });
        Receive<SequenceCandidate>(c =>
        {
            if (!_definition.Sequential) return;
            _turns.Offer(c.Queue, c.JobId is { } id && c.SubmittedAt is { } at ? new SequentialTurns.Candidate(c.Queue, id, at) : null, DateTimeOffset.UtcNow);
            PublishStatus();
            StartNext();
        });
        Receive<GetPrinterStatus>(_ =>
        {
            // Whether it is paused is part of the answer: before the pause record recovered (milliseconds) it waits.
            if (_pauseKnown) Sender.Tell(CurrentStatus());
            else _statusAskers.Add(Sender);
        });
        // A pause is journaled by the child before it takes effect, so it outlives a restart or a move of this entity.
        Receive<PausePrinter>(_ => _pauseRecord.Tell(new PrinterPauseRecord.Record(true, Sender)));
        Receive<ResumePrinter>(_ => _pauseRecord.Tell(new PrinterPauseRecord.Record(false, Sender)));
        Receive<PrinterPauseRecord.Recovered>(recovered =>
        {
            _pauseKnown = true;
            _paused = recovered.Paused;
            if (_paused) _log.Info("Printer {0}: paused (as recorded)", _definition.Name);
            foreach (var asker in _statusAskers) asker.Tell(CurrentStatus());
            _statusAskers.Clear();
            PublishStatus(force: true);
            StartNext();
        });
        Receive<PrinterPauseRecord.Recorded>(recorded =>
        {
            _paused = recorded.Paused;
            PublishStatus();
            if (!_paused) StartNext();
            recorded.ReplyTo.Tell(CurrentStatus());
        });
        Receive<PrinterPauseRecord.NotRecorded>(failed => failed.ReplyTo.Tell(new Akka.Actor.Status.Failure(
            new StorageUnavailableException($"printer {_definition.Name}: the pause could not be recorded: {failed.Cause.Message}", failed.Cause))));
        Receive<Terminated>(t => t.ActorRef.Equals(_pauseRecord), _ =>
            Timers.StartSingleTimer("pause-record", RestartPauseRecord.Instance, PauseRecordRestartDelay));
        Receive<RestartPauseRecord>(_ => _pauseRecord = StartPauseRecord());
        Receive<Terminated>(_ => { });
        // Stale answers of an attempt already failed by the watchdog.
        Receive<DocumentsDelivered>(_ => { });
        Receive<DeliveryFaulted>(_ => { });
        Receive<DeliveryOverdue>(_ => { });
    }

    private bool IsAcceptingWork => CurrentStatus().IsAcceptingWork;

    // Until the pause record recovered, jobs wait as they do for the first probe.
    private bool AwaitingFirstProbe => !_paused && (!_pauseKnown || _paths.All(p => p.Reachable is null));

    protected override void PreStart()
    {
        foreach (var path in _paths) path.Protocol = StartProtocol(path);
        _pauseRecord = StartPauseRecord();
        Timers.StartPeriodicTimer("heartbeat", HeartbeatTick.Instance, TimeSpan.Zero, _settings.HeartbeatInterval);
        var self = Self;
        var name = _definition.Name;
        _topologySubscription = _live?.Subscribe(t => self.Tell(new LiveDefinition(t.FindPrinter(name))));
        Context.System.EventStream.Subscribe(Self, typeof(MemberCrashed));
    }

    protected override void PostStop()
    {
        // Whoever waits on this printer hears now rather than at their timeout.
        var pending = _current is null ? _waiting.ToList() : _waiting.Prepend(_current.Pending).ToList();
        foreach (var p in pending)
        {
            p.ReplyTo.Tell(new DeliveryFinished(_definition.Name, p.Job.JobId, p.Job.Attempt, DeliveryOutcome.NotStarted, "printer entity stopped", 0));
        }
        SpoolMetrics.PrinterAccepting.RemoveLabelled(_definition.Name);
        SpoolMetrics.PrinterBreakerOpen.RemoveLabelled(_definition.Name);
        SpoolMetrics.PrinterFallbackInUse.RemoveLabelled(_definition.Name);
        foreach (var path in _paths) SpoolMetrics.PrinterPathInUse.RemoveLabelled(_definition.Name, path.Target.ToString());
        _topologySubscription?.Dispose();
        Context.System.EventStream.Unsubscribe(Self);
        // Through the region (entity -> shard -> region): the shard starts the entity again once this one is gone.
        if (_restartWithNewDefinition) Context.ActorSelection(Context.Parent.Path.Parent).Tell(new GetPrinterStatus(_definition.Name), ActorRefs.NoSender);
    }

    /// <summary>This printer's definition in the live topology now (null: removed).</summary>
    private sealed record LiveDefinition(PrinterDefinition? Printer);

    /// <summary>Protocol faults are isolated: restart the protocol actor, never escalate to the printer.</summary>
    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(-1, -1, Decider.From(_ => Directive.Restart), loggingEnabled: false);

    private IActorRef StartPauseRecord() => Context.Watch(Context.ActorOf(PrinterPauseRecord.Props(_definition.Name), "pause"));

    private IActorRef StartProtocol(DevicePath path) =>
        Context.ActorOf(_protocolFor(path.Target), $"{path.Target.Scheme}-{(path.IsFallback ? $"fallback{path.Index}" : "primary")}-{Guid.NewGuid():N}"[..40]);

    /// <summary>The first usable path whose error ratio has not set it aside; when every usable one is set aside, the first usable.</summary>
    private DevicePath? UsablePath()
    {
        var now = DateTimeOffset.UtcNow;
        return _paths.FirstOrDefault(p => p.IsUsable(now) && !p.Errors.IsSetAside(now)) ?? _paths.FirstOrDefault(p => p.IsUsable(now));
    }

    /// <summary>
    /// The waiting delivery to start: highest priority first, then a queue's own order. Queues grant a printer more than
    /// one job at a time, and their workers' requests may arrive in any order.
    /// </summary>
    private Pending? TakeNextWaiting()
    {
        var all = _waiting.ToList();
        var now = DateTimeOffset.UtcNow;
        var ready = all.Where(p => MissingPredecessor(p) is null || now - p.ArrivedAt >= _settings.PredecessorWait);
        // A sequential printer starts jobs of all its queues in submission order, and none before an earlier one on its way.
        var next = _definition.Sequential
            ? ready.OrderBy(p => p.Job.SubmittedAt).ThenBy(p => p.Job.Queue, StringComparer.Ordinal).ThenBy(p => p.Job.JobId)
                .FirstOrDefault(p => _turns.MayStart(p.Job.Queue, p.Job.JobId, p.Job.SubmittedAt, now, _settings.PredecessorWait))
            : ready.OrderByDescending(p => p.Job.Priority).ThenBy(p => p.Job.Queue, StringComparer.Ordinal).ThenBy(p => p.Job.Sequence)
                .FirstOrDefault();
        if (next is null) return null;
        if (MissingPredecessor(next) is { } missing)
        {
            _log.Info("Printer {0}: job {1} of queue {2} starts without job {3}, which its queue sent before it: not here after {4:0.0} s",
                _definition.Name, next.Job.JobId, next.Job.Queue, missing.JobId, (now - next.ArrivedAt).TotalSeconds);
        }
        _waiting.Clear();
        foreach (var pending in all.Where(p => !ReferenceEquals(p, next))) _waiting.Enqueue(pending);
        return next;
    }

    private void StartNext()
    {
        if (_current is not null || _waiting.Count == 0 || !_pauseKnown) return;
        var path = _paused ? null : UsablePath();
        if (path is null)
        {
            if (AwaitingFirstProbe) return; // ProbeCompleted starts them
            // Breaker opened or device lost while jobs waited: hand them back untouched so queues re-route them.
            Refuse(_waiting, "stopped accepting work");
            PublishStatus();
            return;
        }
        if (TakeNextWaiting() is not { } next)
        {
            // Every waiting job comes after one still on its way here.
            var now = DateTimeOffset.UtcNow;
            var asking = AskAboutMissingPredecessors(now);
            var due = new[]
            {
                _waiting.Min(p => p.ArrivedAt) + _settings.PredecessorWait, _turns.NextExpiry(_settings.PredecessorWait) ?? DateTimeOffset.MaxValue,
                asking ? now + PredecessorAskEvery : DateTimeOffset.MaxValue,
            }.Min() - now;
            Timers.StartSingleTimer("predecessor", StartWaiting.Instance, due > TimeSpan.Zero ? due : TimeSpan.FromMilliseconds(10));
            return;
        }
        _current = new InDelivery(next, path);
        RememberStarted(next.Job.Queue, next.Job.JobId);
        _deliveryStarted = System.Diagnostics.Stopwatch.GetTimestamp();
        var job = _current.Job;
        var delivery = new DeliverDocuments(job.JobId, job.Attempt, path.Target, job.Documents, job.Copies);
        if (job.ByWorker)
        {
            // The bytes flow on the worker's node (the balancer's choice); this entity keeps the permit, the breaker
            // and the path. The worker sends its protocol actor's answer back here.
            Context.Watch(_current.Pending.ReplyTo);
            _current.Pending.ReplyTo.Tell(new DeliveryPermit(_definition.Name, delivery));
        }
        else
        {
            path.Protocol.Tell(delivery);
        }
        Timers.StartSingleTimer("overdue", new DeliveryOverdue(_current.Job.JobId, _current.Job.Attempt), _settings.DeliveryTimeout + TimeSpan.FromSeconds(10));
        PublishStatus();
    }

    private void Fail(string error, bool deviceUnreachable)
    {
        var path = _current!.Path;
        _failed++;
        _lastError = error;
        SpoolMetrics.DeliveryAttempts.WithLabels(_definition.Name, "failed").Inc();
        if (deviceUnreachable) path.Reachable = false;
        var which = path.Describe(_paths.Count);
        if (path.Errors.Record(DateTimeOffset.UtcNow, failed: true) && _paths.Count > 1)
        {
            _log.Warning("Printer {0}: the {1} path {2} failed more than {3:P0} of its deliveries within {4}; set aside until {5:HH:mm:ss}Z, then tried again",
                _definition.Name, which, path.Target, path.Errors.Threshold, path.Errors.Window, path.Errors.SetAsideUntil);
        }
        if (path.Breaker.RecordFailure(DateTimeOffset.UtcNow))
        {
            _log.Warning("Printer {0}: circuit breaker of the {1} path {2} open for {3} after {4} consecutive failures (last: {5})", _definition.Name, which, path.Target, path.Breaker.OpenFor, path.Breaker.ConsecutiveFailures, error);
        }
        else
        {
            _log.Warning("Printer {0}: delivery of job {1} over the {2} path failed: {3}", _definition.Name, _current.Job.JobId, which, error);
        }
        Finish(DeliveryOutcome.Failed, error, 0);
    }

    private void Finish(DeliveryOutcome outcome, string? error, long bytes)
    {
        var current = _current!;
        _current = null;
        Timers.Cancel("overdue");
        if (current.Job.ByWorker) Context.Unwatch(current.Pending.ReplyTo);
        var finished = new DeliveryFinished(_definition.Name, current.Job.JobId, current.Job.Attempt, outcome, error, bytes);
        _recent.Remember(current.Job.Queue, finished);
        current.Pending.ReplyTo.Tell(finished);
        if (_handingOff)
        {
            Context.Stop(Self);
            return;
        }
        PublishStatus();
        StartNext();
    }

    private void RememberStarted(string queue, long jobId)
    {
        _turns.Started(queue, jobId);
        NoLongerAwaited(queue, jobId);
    }

    /// <summary>Jobs that name this one as their predecessor may start.</summary>
    private void NoLongerAwaited(string queue, long jobId)
    {
        _askedAbout.Remove((queue, jobId));
        if (!_started.Add((queue, jobId))) return;
        _startOrder.Enqueue((queue, jobId));
        if (_startOrder.Count > 1024) _started.Remove(_startOrder.Dequeue());
    }

    /// <summary>
    /// Asks the queues whether the predecessors that waiting jobs have waited for longer than <see cref="PredecessorAskEvery"/>
    /// still come (one lost with its worker's node never does). True while any is asked about, so the printer looks again.
    /// </summary>
    private bool AskAboutMissingPredecessors(DateTimeOffset now)
    {
        if (_queues() is not { } queues) return false;
        var awaited = _waiting.Select(p => (Pending: p, Missing: MissingPredecessor(p))).Where(w => w.Missing is not null).ToList();
        foreach (var forgotten in _askedAbout.Keys.Where(k => !awaited.Any(w => w.Missing == k)).ToList()) _askedAbout.Remove(forgotten);
        foreach (var (pending, missing) in awaited)
        {
            var key = missing!.Value;
            if (now - pending.ArrivedAt < PredecessorAskEvery || (_askedAbout.TryGetValue(key, out var asked) && now - asked < PredecessorAskEvery)) continue;
            _askedAbout[key] = now;
            queues.Tell(new JobQueueProtocol.Queries.IsJobOnItsWay(key.Queue, key.JobId, _definition.Name));
        }
        return awaited.Count > 0;
    }

    /// <summary>
    /// The job <paramref name="pending"/> still waits for: its predecessor, or when that one waits here too, the one
    /// at the end of that chain, unless it started here or is not coming. Null when nothing is missing, also for
    /// jobs naming each other (a job sent again after its worker died names the job sent after its first attempt):
    /// then the queue's order among them decides.
    /// </summary>
    private (string Queue, long JobId)? MissingPredecessor(Pending pending)
    {
        var job = pending.Job;
        HashSet<long>? seen = null; // only for a chain: most jobs' predecessor started already (hot path)
        while (job.After is { } after && !_started.Contains((job.Queue, after)))
        {
            if (!(seen ??= []).Add(job.JobId)) return null;
            var queue = job.Queue;
            var predecessor = _waiting.FirstOrDefault(p => p.Job.Queue == queue && p.Job.JobId == after);
            if (predecessor is null) return (queue, after);
            job = predecessor.Job;
        }
        return null;
    }

    private void Refuse(Queue<Pending> waiting, string why)
    {
        while (waiting.TryDequeue(out var pending))
        {
            pending.ReplyTo.Tell(new DeliveryFinished(_definition.Name, pending.Job.JobId, pending.Job.Attempt, DeliveryOutcome.NotStarted, $"printer {_definition.Name} {why}", 0));
        }
    }

    private static bool SameAttempt(DeliverJob a, DeliverJob b) => a.Queue == b.Queue && a.JobId == b.JobId && a.Attempt == b.Attempt;

    private bool IsCurrent(long jobId, int attempt) => _current is { } c && c.Job.JobId == jobId && c.Job.Attempt == attempt;

    private void Probe()
    {
        foreach (var path in _paths)
        {
            // A path busy with a delivery is reachable by definition, and many devices take one connection at a time.
            if (_current?.Path == path)
            {
                path.Reachable = true;
                continue;
            }
            TimedProbe(path.Target).PipeTo(Self);
        }
        PublishStatus(force: true);
    }

    private async Task<ProbeCompleted> TimedProbe(Uri target)
    {
        var started = Stopwatch.GetTimestamp();
        var result = await _probe(target, _settings.ProbeTimeout);
        return result with { Latency = Stopwatch.GetElapsedTime(started) };
    }

    private string[] Reasons()
    {
        var now = DateTimeOffset.UtcNow;
        var reasons = new List<string>();
        var primary = _paths[0];
        if (_paused) reasons.Add("paused");
        if (_paths.All(p => p.Reachable is null)) reasons.Add("connecting-to-device");
        else if (_paths.All(p => p.Reachable == false)) reasons.Add("offline-report");
        reasons.AddRange(_paths.SelectMany(p => p.DeviceReasons).Where(r => r != "none").Distinct());
        if (_paths.Any(p => p.Breaker.IsOpen(now))) reasons.Add("stopped-partly");
        if ((!primary.IsUsable(now) || primary.Errors.IsSetAside(now)) && _paths.Skip(1).Any(p => p.IsUsable(now))) reasons.Add("other-warning");
        return reasons.Count == 0 ? ["none"] : reasons.Distinct().ToArray();
    }

    private PrinterStatus CurrentStatus()
    {
        var now = DateTimeOffset.UtcNow;
        var anyUsable = _paths.Any(p => p.IsUsable(now));
        // Not ready before the pause is known: a queue then sends nothing it would have to take back.
        var anyReachable = _pauseKnown && _paths.Any(p => p.Reachable == true && p.DeviceAccepting);
        var state = _paused || !anyUsable
            ? PrinterState.Stopped
            : _current is null ? PrinterState.Idle : PrinterState.Processing;
        var pathInUse = _current?.Path ?? UsablePath();
        var usingFallback = pathInUse?.IsFallback ?? false;
        return new PrinterStatus(
            _definition.Name,
            state,
            anyReachable,
            _paused,
            anyReachable && !anyUsable,
            usingFallback,
            _current is null ? 0 : 1,
            _waiting.Count,
            Reasons(),
            _delivered,
            _failed,
            now)
        {
            LastError = _lastError,
            ProbeLatencyMs = (pathInUse ?? _paths[0]).ProbeLatency?.TotalMilliseconds,
            PathInUse = pathInUse?.Target.ToString(),
            Sequential = _definition.Sequential,
            Site = _definition.Site,
            AlternateSite = _definition.AlternateSite,
            TurnQueue = _turns.Turn?.Queue,
            TurnJobId = _turns.Turn?.JobId,
        };
    }

    private void PublishStatus(bool force = false)
    {
        // Nothing is told about a printer whose pause is not known yet; Recovered publishes the first status.
        if (!_pauseKnown) return;
        var status = CurrentStatus();
        if (!force && _published is { } last && SameHealth(last, status)) return;
        if (_published?.PathInUse != status.PathInUse && status.PathInUse is { } inUse && _paths.Count > 1)
        {
            var path = _paths.First(p => p.Target.ToString() == inUse);
            _log.Info("Printer {0}: delivering over its {1} path {2}{3}", _definition.Name, path.Describe(_paths.Count), inUse,
                _published?.PathInUse is { } before ? $" (was {before})" : "");
        }
        _published = status;
        _mediator.Tell(new Publish(StatusTopic, status));
        foreach (var path in _paths)
            SpoolMetrics.PrinterPathInUse.WithLabels(_definition.Name, path.Target.ToString()).Set(path.Target.ToString() == status.PathInUse ? 1 : 0);
        SpoolMetrics.PrinterAccepting.WithLabels(_definition.Name).Set(status.IsAcceptingWork ? 1 : 0);
        SpoolMetrics.PrinterBreakerOpen.WithLabels(_definition.Name).Set(status.BreakerOpen ? 1 : 0);
        SpoolMetrics.PrinterFallbackInUse.WithLabels(_definition.Name).Set(status.UsingFallback ? 1 : 0);
    }

    private static bool SameHealth(PrinterStatus a, PrinterStatus b) =>
        a.State == b.State && a.IsAcceptingWork == b.IsAcceptingWork && a.ActiveDeliveries == b.ActiveDeliveries
        && a.WaitingDeliveries == b.WaitingDeliveries && a.UsingFallback == b.UsingFallback && a.PathInUse == b.PathInUse && a.TurnQueue == b.TurnQueue && a.TurnJobId == b.TurnJobId && a.Reasons.SequenceEqual(b.Reasons)
        && a.Site == b.Site && a.AlternateSite == b.AlternateSite;

    /// <param name="queues">The queues' shard region, once there is one: asked whether a job that others wait for still comes.</param>
    public static Props Props(PrinterDefinition definition, SpoolSettings settings, IDocumentStore documents, ILiveTopology? live = null,
        Func<IActorRef?>? queues = null) =>
        Akka.Actor.Props.Create(() => new PrinterActor(definition, settings, target => ProtocolProps.For(target, documents, settings),
            (target, timeout) => DeviceProbe.ProbeAsync(target, timeout, settings.PrinterCertificates), live, queues));
}

/// <summary>The protocol actor for each URI scheme.</summary>
public static class ProtocolProps
{
    public static Props For(Uri target, IDocumentStore documents, SpoolSettings settings) => target.Scheme switch
    {
        "socket" => AppSocketDeliveryActor.Props(documents, settings),
        "ipp" or "ipps" => IppDeliveryActor.Props(documents, settings),
        "lpd" => LpdDeliveryActor.Props(documents, settings),
        _ => UnsupportedProtocolActor.Props(target.Scheme),
    };
}

/// <summary>Stands in for a protocol not built yet: every delivery fails clearly instead of hanging.</summary>
public sealed class UnsupportedProtocolActor : ReceiveActor
{
    public UnsupportedProtocolActor(string scheme)
    {
        Receive<DeliverDocuments>(d => Context.Parent.Tell(new DeliveryFaulted(d.JobId, d.Attempt, $"delivery over {scheme}:// is not supported by this node", false)));
    }

    public static Props Props(string scheme) => Akka.Actor.Props.Create(() => new UnsupportedProtocolActor(scheme));
}
