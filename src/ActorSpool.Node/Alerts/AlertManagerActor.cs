using ActorSpool.Actors.Topology;
using ActorSpool.Domain.Alerts;
using ActorSpool.Domain.Messages;
using ActorSpool.Domain.Topology;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Tools.PublishSubscribe;
using Prometheus;

namespace ActorSpool.Node.Alerts;

/// <summary>
/// The cluster's one alert manager (a singleton, so three nodes do not send each alert three times). It follows what
/// already travels between nodes: printer status and queues' durable job changes over distributed pub-sub, every
/// node's <see cref="AlertProtocol.StorageReport"/>, and cluster membership; <see cref="SpoolAlerts"/> decides, and
/// <see cref="AlertDelivery"/> sends without making this actor wait. It asks every printer for its status when it
/// starts and every minute, so an alert manager that moved to another node learns printers that stay down.
/// </summary>
public sealed class AlertManagerActor : ReceiveActor, IWithTimers
{
    private sealed record Tick
    {
        public static readonly Tick Instance = new();
    }

    private sealed record AskPrinters
    {
        public static readonly AskPrinters Instance = new();
    }

    private static readonly TimeSpan TickInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan AskPrintersInterval = TimeSpan.FromMinutes(1);

    private static readonly Gauge Firing = Metrics.CreateGauge("actorspool_alerts_firing",
        "Alerts firing now per kind, as decided by the cluster's alert manager (on the node hosting it; 0 elsewhere).",
        new GaugeConfiguration { LabelNames = ["kind"] });

    private static readonly string[] Kinds =
    [
        AlertKinds.PrinterDown, AlertKinds.BreakerOpen, AlertKinds.FallbackInUse, AlertKinds.QueueBacklog, AlertKinds.QueueStuck,
        AlertKinds.JobAborted, AlertKinds.NodeUnreachable, AlertKinds.NodeRemoved, AlertKinds.StorageUnavailable,
    ];

    private readonly SpoolAlerts _alerts;
    private readonly AlertSettings _settings;
    private readonly ILiveTopology _topology;
    private readonly IActorRef _printers;
    private readonly Func<AlertSettings, AlertDelivery> _startDelivery;
    private readonly ILogger _log;
    private readonly Cluster _cluster = Cluster.Get(Context.System);
    private readonly IActorRef _mediator = DistributedPubSub.Get(Context.System).Mediator;
    private AlertDelivery? _delivery;

    public ITimerScheduler Timers { get; set; } = null!;

    public AlertManagerActor(AlertSettings settings, ILiveTopology topology, IActorRef printers, Func<AlertSettings, AlertDelivery> startDelivery, ILogger log)
    {
        _settings = settings;
        _alerts = new SpoolAlerts(settings.Thresholds);
        _topology = topology;
        _printers = printers;
        _startDelivery = startDelivery;
        _log = log;

        Receive<PrinterProtocol.PrinterStatus>(s => Send(_alerts.OnPrinterStatus(s, DateTimeOffset.UtcNow)));
        Receive<LiveProtocol.JobChanges>(c => Send(_alerts.OnJobChanges(c, DateTimeOffset.UtcNow)));
        Receive<AlertProtocol.StorageReport>(r => Send(_alerts.OnStorage(r.Node, r.Available, r.Error, DateTimeOffset.UtcNow)));
        Receive<ClusterEvent.MemberUp>(e => Send(_alerts.OnMemberUp(e.Member.Address.ToString(), DateTimeOffset.UtcNow)));
        Receive<ClusterEvent.UnreachableMember>(e => Send(_alerts.OnMemberUnreachable(e.Member.Address.ToString(), DateTimeOffset.UtcNow)));
        Receive<ClusterEvent.ReachableMember>(e => Send(_alerts.OnMemberReachable(e.Member.Address.ToString(), DateTimeOffset.UtcNow)));
        // A member that left on its own (Exiting before Removed) is no alert; a downed one is.
        Receive<ClusterEvent.MemberRemoved>(e => Send(_alerts.OnMemberRemoved(e.Member.Address.ToString(), left: e.PreviousStatus == MemberStatus.Exiting, DateTimeOffset.UtcNow)));
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<Tick>(_ => Send(_alerts.Tick(DateTimeOffset.UtcNow)));
        Receive<AskPrinters>(_ =>
        {
            foreach (var printer in _topology.Current.Printers.Keys) _printers.Tell(new PrinterProtocol.GetPrinterStatus(printer));
        });
        Receive<SubscribeAck>(_ => { });
    }

    protected override void PreStart()
    {
        _delivery = _startDelivery(_settings);
        _mediator.Tell(new Subscribe(PrinterProtocol.StatusTopic, Self));
        _mediator.Tell(new Subscribe(LiveProtocol.JobChangesTopic, Self));
        _mediator.Tell(new Subscribe(AlertProtocol.StorageTopic, Self));
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
        Timers.StartPeriodicTimer("tick", Tick.Instance, TickInterval);
        Timers.StartPeriodicTimer("ask-printers", AskPrinters.Instance, TimeSpan.FromSeconds(2), AskPrintersInterval);
        _log.LogInformation("Alert manager started on this node (sinks: {Sinks})", Describe(_settings));
    }

    protected override void PostStop()
    {
        _cluster.Unsubscribe(Self);
        foreach (var kind in Kinds) Firing.WithLabels(kind).Set(0);
        // The alert manager moves with the singleton: this node's sinks stop (and stop re-posting to Alertmanager),
        // after a moment for what waits to go out; the actor does not wait for it.
        if (_delivery is { } delivery) _ = delivery.DisposeAsync().AsTask();
    }

    private void Send(IReadOnlyList<AlertNotification> due)
    {
        if (due.Count == 0) return;
        foreach (var notification in due)
        {
            _log.Log(notification.Status == AlertStatus.Firing ? LogLevel.Warning : LogLevel.Information,
                "Alert {Status}: {Kind} {Subject}: {Message}", WebhookSink.Status(notification.Status), notification.Kind, notification.Subject, notification.Message);
            _delivery?.Post(notification);
        }
        var firing = _alerts.Firing.GroupBy(k => k.Kind).ToDictionary(g => g.Key, g => g.Count());
        foreach (var kind in Kinds) Firing.WithLabels(kind).Set(firing.GetValueOrDefault(kind));
    }

    public static string Describe(AlertSettings settings)
    {
        var sinks = settings.Webhooks.Select(w => $"webhook {w}")
            .Concat(settings.Alertmanagers.Select(a => $"alertmanager {a}"))
            .Concat(settings.Email.Enabled ? new[] { $"email via {settings.Email.Host}:{settings.Email.Port}" } : []).ToArray();
        return sinks.Length == 0 ? "none, alerts are only logged" : string.Join(", ", sinks);
    }

    public static Props Props(AlertSettings settings, ILiveTopology topology, IActorRef printers, Func<AlertSettings, AlertDelivery> startDelivery, ILogger log) =>
        Akka.Actor.Props.Create(() => new AlertManagerActor(settings, topology, printers, startDelivery, log));
}
