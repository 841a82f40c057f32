using ActorSpool.Actors.Membership;
using ActorSpool.Actors.Printers;
using ActorSpool.Domain.Balancing;
using ActorSpool.Domain.Jobs;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using static ActorSpool.Actors.Printers.DeliveryMessages;
using static ActorSpool.Domain.Messages.BalancerProtocol;
using static ActorSpool.Domain.Messages.JobQueueProtocol;
using static ActorSpool.Domain.Messages.PrinterProtocol;
using static ActorSpool.Domain.Messages.WorkerProtocol;

namespace ActorSpool.Actors.Workers;

/// <summary>
/// One unit of a node's spooling capacity (SAP's spool work process): runs one granted job at a time. It gets in
/// line at the job's printer, and when the printer grants its permit it delivers the documents itself, through a
/// protocol actor supervised under it, so the bytes flow on the node the balancer chose. It reports the outcome
/// to the job's queue until the queue confirms it persisted it, and only then tells the balancer it is free.
/// </summary>
public sealed class SpoolWorkerActor : ReceiveActor, IWithTimers
{
    private sealed record Register
    {
        public static readonly Register Instance = new();
    }

    private sealed record DeliveryTimedOut(long JobId, int Attempt);

    private sealed record RetryReport
    {
        public static readonly RetryReport Instance = new();
    }

    /// <summary>No acknowledgement from the printer yet: the request may have gone to a shard on a node that died.</summary>
    private sealed record ResendDelivery(long JobId, int Attempt);

    private static readonly TimeSpan DeliveryAckTimeout = TimeSpan.FromSeconds(3);

    private readonly SpoolSettings _settings;
    private readonly IActorRef _balancer;
    private readonly IActorRef _printers;
    private readonly IActorRef _queues;
    private readonly string _node;
    private readonly ICrashPoints _crashPoints;
    private readonly Func<Uri, Props> _protocolFor;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    // One protocol actor per device address this worker has delivered to, created on first use.
    private readonly Dictionary<Uri, IActorRef> _protocols = new();

    private ExecuteJob? _job;
    private IActorRef? _printer;
    private IActorRef? _drainRequester;
    // The path of the delivery our protocol actor is making now (between the permit and its answer).
    private Uri? _delivering;
    // The printer entity stopped while our protocol actor delivered: its answer goes straight to the queue.
    private bool _printerLost;
    private Commands.ReportOutcome? _report;
    private int _reportTries;
    private long _completed;
    private long _failed;
    private long _delivered;
    private long _deliveredBytes;

    public ITimerScheduler Timers { get; set; } = null!;

    public SpoolWorkerActor(SpoolSettings settings, IActorRef balancer, IActorRef printers, IActorRef queues, string node, Func<Uri, Props> protocolFor,
        ICrashPoints crashPoints)
    {
        _crashPoints = crashPoints;
        _protocolFor = protocolFor;
        _settings = settings;
        _balancer = balancer;
        _printers = printers;
        _queues = queues;
        _node = node;

        Receive<Register>(_ => _balancer.Tell(new RegisterWorker(Self, _node, BusyWith()) { Delivered = _delivered, DeliveredBytes = _deliveredBytes, Site = _settings.Site }));
        Receive<Drain>(_ =>
        {
            Timers.Cancel("register");
            _balancer.Tell(new UnregisterWorker(Self));
            _drainRequester = Sender;
            if (_job is null) Sender.Tell(Drained.Instance);
        });
        Receive<ExecuteJob>(Execute);
        Receive<DeliveryFinished>(d => _job is { } j && d.JobId == j.JobId && d.Attempt == j.Attempt && _report is null, Delivered);
        Receive<DeliveryTimedOut>(t => _job is { } j && t.JobId == j.JobId && t.Attempt == j.Attempt && _report is null, t =>
        {
            StopProtocol(_delivering);
            Delivered(new DeliveryFinished(_job!.Printer, t.JobId, t.Attempt, DeliveryOutcome.Failed, "printer did not answer in time", 0));
        });
        Receive<DeliveryPermit>(p => _job is { } j && p.Delivery.JobId == j.JobId && p.Delivery.Attempt == j.Attempt && _report is null && _delivering is null, p =>
        {
            Timers.Cancel("ack");
            if (_printer is null)
            {
                _printer = Sender;
                Context.Watch(_printer);
            }
            _delivering = p.Delivery.Target;
            ProtocolFor(p.Delivery.Target).Tell(p.Delivery);
        });
        Receive<DeliveryPermit>(p =>
            // A permit for a job this worker no longer holds (it timed out waiting): give the turn back at once.
            Sender.Tell(new DeliveryFaulted(p.Delivery.JobId, p.Delivery.Attempt, "the worker no longer held the job when its turn came", false)));
        Receive<DocumentsDelivered>(d => IsDelivering(d.JobId, d.Attempt), d =>
        {
            _delivering = null;
            SpoolMetrics.NodeDeliveredJobs.Inc();
            SpoolMetrics.NodeDeliveredBytes.Inc(d.Bytes);
            _delivered++;
            _deliveredBytes += d.Bytes;
            if (_printerLost) Delivered(new DeliveryFinished(_job!.Printer, d.JobId, d.Attempt, DeliveryOutcome.Delivered, null, d.Bytes));
            else _printer!.Tell(d);
        });
        Receive<DeliveryFaulted>(f => IsDelivering(f.JobId, f.Attempt), f =>
        {
            _delivering = null;
            if (_printerLost) Delivered(new DeliveryFinished(_job!.Printer, f.JobId, f.Attempt, DeliveryOutcome.Failed, f.Error, 0));
            else _printer!.Tell(f);
        });
        Receive<AbandonDelivery>(a => IsDelivering(a.JobId, a.Attempt), a =>
        {
            // Stuck past every timeout of its own: replace the protocol actor rather than wait on it.
            StopProtocol(a.Target);
            _delivering = null;
        });
        Receive<ResendDelivery>(r => _job is { } j && r.JobId == j.JobId && r.Attempt == j.Attempt && _report is null && _printer is null, _ =>
        {
            var job = _job!;
            // Rare (a printer entity moving or lost with its node): worth a line when a delivery seems to stall.
            _log.Info("Worker: printer {0} has not taken job {1} of queue {2} in line yet; asking again", job.Printer, job.JobId, job.Queue);
            _printers.Tell(Delivery(job));
            Timers.StartSingleTimer("ack", new ResendDelivery(job.JobId, job.Attempt), DeliveryAckTimeout);
        });
        Receive<ClusterEvent.MemberRemoved>(_ =>
        {
            // Our request may have gone to the printer's shard on that member and been lost: send it again as soon as the
            // regions know where the shard went, not after the full acknowledgement timeout.
            if (_job is { } j && _report is null && _printer is null)
            {
                Timers.StartSingleTimer("ack", new ResendDelivery(j.JobId, j.Attempt), MemberRemovals.ShardMoveGrace);
            }
        });
        Receive<ClusterEvent.CurrentClusterState>(_ => { });
        Receive<DeliveryQueued>(q => _job is { } j && q.JobId == j.JobId && q.Attempt == j.Attempt && _report is null, q =>
        {
            Timers.Cancel("ack");
            // Watch the printer entity: if its node dies mid-delivery we hear it now, not at the delivery timeout.
            _printer = Sender;
            Context.Watch(_printer);
        });
        Receive<Terminated>(t => t.ActorRef.Equals(_printer) && _report is null && _job is not null, _ =>
        {
            // Our own protocol actor is delivering: its answer is the outcome. Otherwise the job never started.
            if (_delivering is not null) _printerLost = true;
            else Delivered(new DeliveryFinished(_job!.Printer, _job.JobId, _job.Attempt, DeliveryOutcome.NotStarted, "printer entity stopped during delivery", 0));
        });
        Receive<IsWorkingOn>(q => Sender.Tell(new WorkingOn(q.JobId, q.Attempt, _job is { } j && j.JobId == q.JobId && j.Attempt == q.Attempt && j.Queue == q.Queue)));
        Receive<RetryReport>(_ => SendReport());
        Receive<Replies.OutcomeRecorded>(r => _report is { } p && r.JobId == p.JobId && r.Attempt == p.Attempt, _ => BecomeIdle());
        Receive<GetWorkerStatus>(_ => Sender.Tell(new WorkerStatus(Self.Path.ToString(), _node, _job?.Queue, _job?.JobId, _job?.Printer, _completed, _failed) { Site = _settings.Site }));
        // Late answers for jobs already settled.
        Receive<DeliveryQueued>(_ => { });
        Receive<ResendDelivery>(_ => { });
        Receive<Terminated>(_ => { });
        Receive<DeliveryFinished>(_ => { });
        Receive<DeliveryTimedOut>(_ => { });
        Receive<Replies.OutcomeRecorded>(_ => { });
        Receive<DocumentsDelivered>(_ => { });
        Receive<DeliveryFaulted>(_ => { });
        Receive<AbandonDelivery>(_ => { });
    }

    /// <summary>Protocol faults are isolated: the protocol actor restarts (reporting the failed attempt), the worker goes on.</summary>
    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(-1, -1, Decider.From(_ => Directive.Restart), loggingEnabled: false);

    private bool IsDelivering(long jobId, int attempt) =>
        _delivering is not null && _job is { } j && j.JobId == jobId && j.Attempt == attempt && _report is null;

    private IActorRef ProtocolFor(Uri target)
    {
        if (_protocols.TryGetValue(target, out var protocol)) return protocol;
        protocol = Context.ActorOf(_protocolFor(target), $"{target.Scheme}-{Guid.NewGuid():N}"[..24]);
        _protocols[target] = protocol;
        return protocol;
    }

    private void StopProtocol(Uri? target)
    {
        if (target is null || !_protocols.Remove(target, out var protocol)) return;
        Context.Stop(protocol);
    }

    protected override void PreStart()
    {
        Timers.StartPeriodicTimer("register", Register.Instance, TimeSpan.Zero, _settings.WorkerRegistrationInterval);
        if (InCluster) Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot, typeof(ClusterEvent.MemberRemoved));
    }

    protected override void PostStop()
    {
        if (InCluster) Cluster.Get(Context.System).Unsubscribe(Self);
    }

    private static bool InCluster => ((ExtendedActorSystem)Context.System).Provider is IClusterActorRefProvider;

    private WorkRequest? BusyWith() => _job is { } j ? new WorkRequest(j.Queue, j.JobId, j.Pages, 0) : null;

    private void Execute(ExecuteJob job)
    {
        if (_job is not null || _drainRequester is not null)
        {
            // A balancer fresh from a hand-over may not know yet that we are busy, or the grant crossed our
            // leaving: hand the job straight back, untouched.
            var why = _drainRequester is not null ? "worker leaving" : "worker busy";
            _queues.Tell(new Commands.ReportOutcome(job.Queue, job.JobId, job.Attempt, job.Printer, DeliveryOutcome.NotStarted, why));
            return;
        }
        _job = job;
        SpoolMetrics.WorkersBusy.Inc();
        _printers.Tell(Delivery(job));
        Timers.StartSingleTimer("ack", new ResendDelivery(job.JobId, job.Attempt), DeliveryAckTimeout);
        // The printer bounds the delivery itself; this only covers losing the printer entity altogether.
        Timers.StartSingleTimer("delivery", new DeliveryTimedOut(job.JobId, job.Attempt), _settings.DeliveryTimeout + TimeSpan.FromSeconds(30));
    }

    private static DeliverJob Delivery(ExecuteJob job) => new(job.Printer, job.Queue, job.JobId, job.Attempt, job.Documents)
    {
        ByWorker = true,
        Copies = job.Copies,
        Priority = job.Priority,
        Sequence = job.Sequence,
        SubmittedAt = job.SubmittedAt,
        After = job.After,
    };

    private void Delivered(DeliveryFinished finished)
    {
        Timers.Cancel("delivery");
        Timers.Cancel("ack");
        if (_printer is not null) Context.Unwatch(_printer);
        _printer = null;
        _delivering = null;
        _printerLost = false;
        var job = _job!;
        if (finished.Outcome == DeliveryOutcome.Delivered)
        {
            _completed++;
            _crashPoints.Pass(ICrashPoints.AfterDelivered);
        }
        else if (finished.Outcome == DeliveryOutcome.Failed) _failed++;
        _report = new Commands.ReportOutcome(job.Queue, job.JobId, job.Attempt, job.Printer, finished.Outcome, finished.Error);
        _reportTries = 0;
        SendReport();
    }

    private void SendReport()
    {
        if (_report is null) return;
        if (++_reportTries > 30)
        {
            // The queue restarts its own unfinished deliveries when it recovers, so nothing is lost by giving up here.
            _log.Warning("Worker gave up reporting job {0} attempt {1} to queue {2}", _report.JobId, _report.Attempt, _report.Queue);
            BecomeIdle();
            return;
        }
        _queues.Tell(_report);
        Timers.StartSingleTimer("report", RetryReport.Instance, _settings.OutcomeRetryInterval);
    }

    private void BecomeIdle()
    {
        Timers.Cancel("report");
        if (_job is not null) SpoolMetrics.WorkersBusy.Dec();
        _job = null;
        _report = null;
        if (_drainRequester is not null)
        {
            _drainRequester.Tell(Drained.Instance);
            return;
        }
        _balancer.Tell(new WorkFinished(Self));
    }

    public static Props Props(SpoolSettings settings, IActorRef balancer, IActorRef printers, IActorRef queues, string node, Func<Uri, Props> protocolFor,
        ICrashPoints? crashPoints = null) =>
        Akka.Actor.Props.Create(() => new SpoolWorkerActor(settings, balancer, printers, queues, node, protocolFor, crashPoints ?? NoCrashPoints.Instance));
}

/// <summary>Parent of a node's workers: restarts a failed worker, so capacity stays what was configured.</summary>
public sealed class SpoolWorkerPoolActor : ReceiveActor
{
    public SpoolWorkerPoolActor(int workers, Func<Props> workerProps)
    {
        for (var i = 1; i <= workers; i++) Context.ActorOf(workerProps(), $"spool-worker-{i}");
        SpoolMetrics.Workers.Set(workers);
        Receive<Drain>(_ =>
        {
            var children = Context.GetChildren().ToList();
            var sender = Sender;
            Task.WhenAll(children.Select(c => c.Ask<Drained>(Drain.Instance, TimeSpan.FromSeconds(25))))
                .PipeTo(sender, success: _ => Drained.Instance);
        });
        Receive<GetWorkerStatus>(_ =>
        {
            var children = Context.GetChildren().ToList();
            var sender = Sender;
            Task.WhenAll(children.Select(c => c.Ask<WorkerStatus>(GetWorkerStatus.Instance, TimeSpan.FromSeconds(5))))
                .PipeTo(sender, success: statuses => statuses);
        });
    }

    public static Props Props(int workers, Func<Props> workerProps) =>
        Akka.Actor.Props.Create(() => new SpoolWorkerPoolActor(workers, workerProps));
}
