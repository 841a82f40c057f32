using System.Text.Json;
using System.Threading.Channels;
using ActorSpool.Actors.Topology;
using ActorSpool.Domain.Messages;
using ActorSpool.Domain.Topology;
using ActorSpool.Node.Management;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using static ActorSpool.Node.Web.Live.LiveFeedProtocol;

namespace ActorSpool.Node.Web.Live;

/// <summary>
/// This node's live feed for the web console: it follows the whole cluster (job changes, printer status, node stats over
/// distributed pub-sub, members through its own cluster subscription, the balancer's host by asking it) and hands every
/// change to the browsers connected to this node, each through a bounded channel that drops its oldest events rather
/// than ever making the actor wait. It keeps each printer's last health changes and every node's last 15 minutes of
/// throughput samples, and publishes this node's own sample and report every 5 s.
/// </summary>
public sealed class LiveFeedActor : ReceiveActor, IWithTimers
{
    private sealed record StatsTick
    {
        public static readonly StatsTick Instance = new();
    }

    private sealed record CountsTick
    {
        public static readonly CountsTick Instance = new();
    }

    private sealed record BalancerTick
    {
        public static readonly BalancerTick Instance = new();
    }

    private sealed record BalancerHost(string? Node);

    public static readonly TimeSpan StatsWindow = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan StatsInterval = TimeSpan.FromSeconds(LiveProtocol.StatsIntervalSeconds);
    private static readonly TimeSpan BalancerPollInterval = TimeSpan.FromSeconds(5);

    private readonly IActorRef _balancer;
    private readonly ILiveTopology _topology;
    private readonly Func<LiveProtocol.NodeReport> _report;
    private readonly Cluster _cluster = Cluster.Get(Context.System);
    private readonly IActorRef _mediator = DistributedPubSub.Get(Context.System).Mediator;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly string _self;
    private readonly List<ChannelWriter<LiveEvent>> _subscribers = [];
    private readonly PrinterHistory _printerHistory = new();
    private readonly NodeStatsHistory _stats = new(StatsWindow);
    private readonly QueueCountsCoalescer _counts = new(TimeSpan.FromSeconds(1));
    private readonly ThroughputWindow _throughput = new(DateTimeOffset.UtcNow);
    private string? _balancerHost;

    public ITimerScheduler Timers { get; set; } = null!;

    public LiveFeedActor(IActorRef balancer, ILiveTopology topology, Func<LiveProtocol.NodeReport> report)
    {
        _balancer = balancer;
        _topology = topology;
        _report = report;
        _self = _cluster.SelfAddress.ToString();

        Receive<LiveProtocol.JobChanges>(OnJobChanges);
        Receive<PrinterProtocol.PrinterStatus>(OnPrinterStatus);
        Receive<LiveProtocol.NodeStats>(OnNodeStats);
        Receive<ClusterEvent.IMemberEvent>(e => OnMember(e.Member, EventName(e)));
        Receive<ClusterEvent.ReachabilityEvent>(e => OnMember(e.Member, EventName(e)));
        Receive<ClusterEvent.CurrentClusterState>(_ => { });
        Receive<StatsTick>(_ => PublishOwnStats());
        Receive<CountsTick>(_ =>
        {
            foreach (var (queue, counts) in _counts.Due(DateTimeOffset.UtcNow)) Send("queue", QueueEventView.From(queue, counts));
        });
        Receive<BalancerTick>(_ => _balancer.Ask<BalancerProtocol.BalancerStatus>(BalancerProtocol.GetBalancerStatus.Instance, BalancerPollInterval - TimeSpan.FromSeconds(1))
            .PipeTo(Self, success: s => new BalancerHost(s.HostNode), failure: _ => new BalancerHost(null)));
        Receive<BalancerHost>(OnBalancerHost);
        Receive<SubscribeAck>(_ => { });

        Receive<SubscribeEvents>(s =>
        {
            _subscribers.Add(s.Events);
            // A page learns where the balancer runs without waiting for it to move.
            if (_balancerHost is { } host) s.Events.TryWrite(new LiveEvent("balancer", JsonSerializer.Serialize(new BalancerEventView(host), JsonSerializerOptions.Web)));
        });
        Receive<UnsubscribeEvents>(s => _subscribers.Remove(s.Events));
        Receive<GetStats>(q => Sender.Tell(Stats(q.Minutes)));
        Receive<GetNodes>(_ => Sender.Tell(Nodes()));
        Receive<GetPrinterHistory>(q => Sender.Tell(new PrinterHistoryReply(_printerHistory.Of(q.Printer))));
    }

    protected override void PreStart()
    {
        _mediator.Tell(new Subscribe(LiveProtocol.JobChangesTopic, Self));
        _mediator.Tell(new Subscribe(PrinterProtocol.StatusTopic, Self));
        _mediator.Tell(new Subscribe(LiveProtocol.NodeStatsTopic, Self));
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot, typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
        Timers.StartPeriodicTimer("stats", StatsTick.Instance, StatsInterval);
        Timers.StartPeriodicTimer("counts", CountsTick.Instance, _counts.Interval);
        Timers.StartPeriodicTimer("balancer", BalancerTick.Instance, TimeSpan.FromSeconds(1), BalancerPollInterval);
    }

    protected override void PostStop()
    {
        _cluster.Unsubscribe(Self);
        // The browsers' streams end with the node instead of waiting for a keep-alive to fail.
        foreach (var subscriber in _subscribers) subscriber.TryComplete();
        _subscribers.Clear();
    }

    private void OnJobChanges(LiveProtocol.JobChanges changes)
    {
        var own = changes.Node == _self;
        foreach (var change in changes.Changes)
        {
            if (own && change.Submitted) _throughput.Submitted();
            if (own && change.State == "completed") _throughput.Completed(change.SubmitToPrintedMs);
            Send("job", JobEventView.From(changes.Queue, change));
        }
        if (_counts.Offer(changes.Queue, changes.Counts, DateTimeOffset.UtcNow) is { } counts) Send("queue", QueueEventView.From(changes.Queue, counts));
    }

    private void OnPrinterStatus(PrinterProtocol.PrinterStatus status)
    {
        _printerHistory.Record(status, status.At == DateTimeOffset.MinValue ? DateTimeOffset.UtcNow : status.At);
        if (_subscribers.Count == 0) return;
        if (_topology.Current.FindPrinter(status.Name) is not { } definition) return;
        Send("printer", PrinterView.From(definition, _topology.Current.QueuesUsing(status.Name).Select(q => q.Name), status));
    }

    private void OnNodeStats(LiveProtocol.NodeStats stats)
    {
        _stats.Add(stats, DateTimeOffset.UtcNow);
        var s = stats.Sample;
        Send("stats", new StatsEventView(stats.Report.Address, s.At, s.SubmittedPerSecond, s.CompletedPerSecond, s.P95SubmitToPrintedMs));
    }

    private void OnMember(Member member, string what) =>
        Send("member", new MemberEventView(member.Address.ToString(), Kebab(member.Status.ToString()),
            what == "unreachable" || _cluster.State.Unreachable.Contains(member) ? "unreachable" : "reachable", member.Roles.Order().ToArray(), what));

    private void OnBalancerHost(BalancerHost host)
    {
        if (host.Node is null || host.Node == _balancerHost) return;
        _balancerHost = host.Node;
        Send("balancer", new BalancerEventView(host.Node));
    }

    private void PublishOwnStats()
    {
        var now = DateTimeOffset.UtcNow;
        var sample = _throughput.TakeSample(now);
        LiveProtocol.NodeReport report;
        try
        {
            report = _report();
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentOutOfRangeException)
        {
            _log.Debug("No node report yet (listeners not bound): {0}", e.Message);
            return;
        }
        _mediator.Tell(new Publish(LiveProtocol.NodeStatsTopic, new LiveProtocol.NodeStats(report, sample)));
        _stats.Prune(now);
    }

    private StatsView Stats(int minutes)
    {
        var since = DateTimeOffset.UtcNow - TimeSpan.FromMinutes(minutes);
        return new StatsView(LiveProtocol.StatsIntervalSeconds,
            _stats.Since(since).Select(n => new NodeSamplesView(n.Node, n.Samples.Select(StatsSampleView.From).ToArray())).ToArray());
    }

    private NodeView[] Nodes()
    {
        var state = _cluster.State;
        return state.Members.Select(m =>
        {
            var address = m.Address.ToString();
            var known = _stats.ReportOf(address);
            var report = known?.Report;
            return new NodeView(address, m.Roles.Order().ToArray(), Kebab(m.Status.ToString()), state.Unreachable.Contains(m) ? "unreachable" : "reachable",
                report?.IppPort, report?.HttpPort, report?.Version, report?.StartedAt, report?.Workers, known?.At);
        }).ToArray();
    }

    /// <summary>Serializes once and offers the event to every browser; a full channel drops its oldest, never blocks.</summary>
    private void Send<T>(string type, T data)
    {
        if (_subscribers.Count == 0) return;
        var live = new LiveEvent(type, JsonSerializer.Serialize(data, JsonSerializerOptions.Web));
        _subscribers.RemoveAll(s => !s.TryWrite(live)); // false only once the stream completed its channel
    }

    /// <summary>"up", "unreachable", "weakly-up": the event's type name without "Member".</summary>
    public static string EventName(ClusterEvent.IClusterDomainEvent e) => Kebab(e.GetType().Name.Replace("Member", "", StringComparison.Ordinal));

    /// <summary>PascalCase to kebab-case ("WeaklyUp" → "weakly-up").</summary>
    public static string Kebab(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "-" : "") + char.ToLowerInvariant(c) : c.ToString()));

    public static Props Props(IActorRef balancer, ILiveTopology topology, Func<LiveProtocol.NodeReport> report) =>
        Akka.Actor.Props.Create(() => new LiveFeedActor(balancer, topology, report));
}
