using System.Net.Sockets;
using ActorSpool.Actors.Storage;
using ActorSpool.Domain.Jobs;
using ActorSpool.Domain.Printers;
using ActorSpool.Domain.Topology;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using static ActorSpool.Actors.Printers.DeliveryMessages;
using static ActorSpool.Domain.Messages.PrinterProtocol;

namespace ActorSpool.Actors.Printers;

/// <summary>
/// One output device: the single truth about its health. Probes it on a heartbeat, hands it one delivery at a
/// time through a supervised protocol child, keeps a circuit breaker over failures, and publishes its
/// <see cref="PrinterStatus"/> so queues route around it when it is unhealthy.
/// </summary>
public sealed class PrinterActor : ReceiveActor, IWithTimers
{
    private sealed record Pending(DeliverJob Job, IActorRef ReplyTo);

    private sealed record HeartbeatTick
    {
        public static readonly HeartbeatTick Instance = new();
    }

    private sealed record DeliveryOverdue(long JobId, int Attempt);

    private readonly PrinterDefinition _definition;
    private readonly SpoolSettings _settings;
    private readonly IDocumentStore _documents;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Queue<Pending> _waiting = new();
    private readonly CircuitBreaker _breaker;
    private readonly IActorRef _mediator;

    private IActorRef _protocol = ActorRefs.Nobody;
    private Pending? _current;
    private bool? _reachable;
    private bool _paused;
    private string? _lastError;
    private long _delivered;
    private long _failed;
    private PrinterStatus? _published;
    private long _deliveryStarted;

    public ITimerScheduler Timers { get; set; } = null!;

    public PrinterActor(PrinterDefinition definition, SpoolSettings settings, IDocumentStore documents)
    {
        _definition = definition;
        _settings = settings;
        _documents = documents;
        _breaker = new CircuitBreaker(settings.BreakerFailures, settings.BreakerOpenFor);
        _mediator = DistributedPubSub.Get(Context.System).Mediator;

        Receive<DeliverJob>(job =>
        {
            if (!IsAcceptingWork)
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
            _breaker.RecordSuccess();
            _reachable = true;
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
            Context.Stop(_protocol);
            _protocol = StartProtocol();
            Fail($"no answer from the device within {_settings.DeliveryTimeout}", false);
        });
        Receive<HeartbeatTick>(_ => Probe());
        Receive<ProbeCompleted>(p =>
        {
            _reachable = p.Reachable;
            if (!p.Reachable) _lastError = p.Error;
            PublishStatus(force: true);
            StartNext();
        });
        Receive<GetPrinterStatus>(_ => Sender.Tell(CurrentStatus()));
        Receive<PausePrinter>(_ =>
        {
            _paused = true;
            PublishStatus();
            Sender.Tell(CurrentStatus());
        });
        Receive<ResumePrinter>(_ =>
        {
            _paused = false;
            PublishStatus();
            StartNext();
            Sender.Tell(CurrentStatus());
        });
        // Stale answers of an attempt already failed by the watchdog.
        Receive<DocumentsDelivered>(_ => { });
        Receive<DeliveryFaulted>(_ => { });
        Receive<DeliveryOverdue>(_ => { });
    }

    private bool IsAcceptingWork => CurrentStatus().IsAcceptingWork;

    protected override void PreStart()
    {
        _protocol = StartProtocol();
        Timers.StartPeriodicTimer("heartbeat", HeartbeatTick.Instance, TimeSpan.Zero, _settings.HeartbeatInterval);
    }

    protected override void PostStop()
    {
        // Whoever waits on this printer hears now rather than at their timeout.
        foreach (var pending in _current is null ? _waiting : _waiting.Prepend(_current))
        {
            pending.ReplyTo.Tell(new DeliveryFinished(_definition.Name, pending.Job.JobId, pending.Job.Attempt, DeliveryOutcome.NotStarted, "printer entity stopped", 0));
        }
    }

    /// <summary>Protocol faults are isolated: restart the protocol actor, never escalate to the printer.</summary>
    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(-1, -1, Decider.From(_ => Directive.Restart), loggingEnabled: false);

    private IActorRef StartProtocol()
    {
        var props = _definition.Uri.Scheme switch
        {
            "socket" => AppSocketDeliveryActor.Props(_documents, _settings),
            _ => UnsupportedProtocolActor.Props(_definition.Uri.Scheme),
        };
        return Context.ActorOf(props, $"{_definition.Uri.Scheme}-delivery-{Guid.NewGuid():N}"[..32]);
    }

    private void StartNext()
    {
        if (_current is not null || _waiting.Count == 0) return;
        if (!IsAcceptingWork)
        {
            // Breaker opened or device lost while jobs waited: hand them back untouched so queues re-route them.
            while (_waiting.TryDequeue(out var pending))
            {
                pending.ReplyTo.Tell(new DeliveryFinished(_definition.Name, pending.Job.JobId, pending.Job.Attempt, DeliveryOutcome.NotStarted, $"printer {_definition.Name} stopped accepting work", 0));
            }
            PublishStatus();
            return;
        }
        _current = _waiting.Dequeue();
        _deliveryStarted = System.Diagnostics.Stopwatch.GetTimestamp();
        _protocol.Tell(new DeliverDocuments(_current.Job.JobId, _current.Job.Attempt, _definition.Uri, _current.Job.Documents));
        Timers.StartSingleTimer("overdue", new DeliveryOverdue(_current.Job.JobId, _current.Job.Attempt), _settings.DeliveryTimeout + TimeSpan.FromSeconds(10));
        PublishStatus();
    }

    private void Fail(string error, bool deviceUnreachable)
    {
        _failed++;
        _lastError = error;
        SpoolMetrics.DeliveryAttempts.WithLabels(_definition.Name, "failed").Inc();
        if (deviceUnreachable) _reachable = false;
        if (_breaker.RecordFailure(DateTimeOffset.UtcNow))
        {
            _log.Warning("Printer {0}: circuit breaker open for {1} after {2} consecutive failures (last: {3})", _definition.Name, _breaker.OpenFor, _breaker.ConsecutiveFailures, error);
        }
        else
        {
            _log.Warning("Printer {0}: delivery of job {1} failed: {2}", _definition.Name, _current?.Job.JobId, error);
        }
        Finish(DeliveryOutcome.Failed, error, 0);
    }

    private void Finish(DeliveryOutcome outcome, string? error, long bytes)
    {
        var current = _current!;
        _current = null;
        Timers.Cancel("overdue");
        current.ReplyTo.Tell(new DeliveryFinished(_definition.Name, current.Job.JobId, current.Job.Attempt, outcome, error, bytes));
        PublishStatus();
        StartNext();
    }

    private bool IsCurrent(long jobId, int attempt) => _current is { } c && c.Job.JobId == jobId && c.Job.Attempt == attempt;

    private void Probe()
    {
        // A device busy with a delivery is reachable by definition, and many AppSocket devices take one connection at a time.
        if (_current is not null)
        {
            _reachable = true;
            PublishStatus(force: true);
            return;
        }
        var uri = _definition.Uri;
        var port = uri.Port > 0 ? uri.Port : DefaultPort(uri.Scheme);
        var timeout = _settings.ProbeTimeout;
        ProbeAsync(uri.Host, port, timeout).PipeTo(Self);
    }

    private static async Task<ProbeCompleted> ProbeAsync(string host, int port, TimeSpan timeout)
    {
        try
        {
            using var client = new TcpClient();
            using var cts = new CancellationTokenSource(timeout);
            await client.ConnectAsync(host, port, cts.Token);
            return new ProbeCompleted(true, null);
        }
        catch (OperationCanceledException)
        {
            return new ProbeCompleted(false, $"no answer from {host}:{port} within {timeout.TotalSeconds:0.#}s");
        }
        catch (SocketException e)
        {
            return new ProbeCompleted(false, $"{host}:{port}: {e.SocketErrorCode}");
        }
    }

    private static int DefaultPort(string scheme) => scheme switch
    {
        "socket" => 9100,
        "ipp" => 631,
        "ipps" => 443,
        "lpd" => 515,
        _ => 0,
    };

    private string[] Reasons()
    {
        var reasons = new List<string>();
        if (_paused) reasons.Add("paused");
        if (_reachable == false) reasons.Add("offline-report");
        if (_reachable is null) reasons.Add("connecting-to-device");
        if (_breaker.IsOpen(DateTimeOffset.UtcNow)) reasons.Add("stopped-partly");
        return reasons.Count == 0 ? ["none"] : reasons.ToArray();
    }

    private PrinterStatus CurrentStatus()
    {
        var now = DateTimeOffset.UtcNow;
        var state = _paused || _reachable != true || _breaker.IsOpen(now)
            ? PrinterState.Stopped
            : _current is null ? PrinterState.Idle : PrinterState.Processing;
        return new PrinterStatus(
            _definition.Name,
            state,
            _reachable == true,
            _paused,
            _breaker.IsOpen(now),
            false,
            _current is null ? 0 : 1,
            _waiting.Count,
            Reasons(),
            _delivered,
            _failed,
            now) { LastError = _lastError };
    }

    private void PublishStatus(bool force = false)
    {
        var status = CurrentStatus();
        if (!force && _published is { } last && SameHealth(last, status)) return;
        _published = status;
        _mediator.Tell(new Publish(StatusTopic, status));
        SpoolMetrics.PrinterAccepting.WithLabels(_definition.Name).Set(status.IsAcceptingWork ? 1 : 0);
        SpoolMetrics.PrinterBreakerOpen.WithLabels(_definition.Name).Set(status.BreakerOpen ? 1 : 0);
    }

    private static bool SameHealth(PrinterStatus a, PrinterStatus b) =>
        a.State == b.State && a.IsAcceptingWork == b.IsAcceptingWork && a.ActiveDeliveries == b.ActiveDeliveries
        && a.WaitingDeliveries == b.WaitingDeliveries && a.Reasons.SequenceEqual(b.Reasons);

    public static Props Props(PrinterDefinition definition, SpoolSettings settings, IDocumentStore documents) =>
        Akka.Actor.Props.Create(() => new PrinterActor(definition, settings, documents));
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
