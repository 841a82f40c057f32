using ActorSpool.Domain.Topology;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using static ActorSpool.Domain.Messages.TopologyProtocol;

namespace ActorSpool.Actors.Topology;

/// <summary>
/// This node's follower of the live topology ("topology-replica"): takes each version the keeper publishes into
/// <see cref="LiveTopology"/>, and asks the keeper when it has none yet or hears of a newer version it missed.
/// </summary>
public sealed class TopologyReplicaActor : ReceiveActor, IWithTimers
{
    public const string Name = "topology-replica";

    private static readonly TimeSpan AskInterval = TimeSpan.FromSeconds(1);

    private sealed record AskKeeper
    {
        public static readonly AskKeeper Instance = new();
    }

    private readonly LiveTopology _live;
    private readonly IActorRef _keeper;
    private readonly string? _fileText;
    private readonly string _fileName;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private bool _comparedWithFile;

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="file">The node's own printers.conf (its seed), compared once with the live topology to warn of a difference.</param>
    public TopologyReplicaActor(LiveTopology live, IActorRef keeper, SpoolTopology? file, string fileName)
    {
        _live = live;
        _keeper = keeper;
        _fileText = file is null ? null : TopologyWriter.ToHocon(file);
        _fileName = fileName;

        Receive<Replies.TopologyPublished>(Take);
        Receive<Replies.TopologyVersion>(v =>
        {
            if (!_live.IsLive || v.Version > _live.Version) _keeper.Tell(Queries.GetTopology.Instance);
        });
        Receive<AskKeeper>(_ =>
        {
            if (_live.IsLive) Timers.Cancel(AskKeeper.Instance);
            else _keeper.Tell(Queries.GetTopology.Instance);
        });
        Receive<SubscribeAck>(_ => { });
    }

    protected override void PreStart()
    {
        DistributedPubSub.Get(Context.System).Mediator.Tell(new Subscribe(Topic, Self));
        _keeper.Tell(Queries.GetTopology.Instance);
        Timers.StartPeriodicTimer(AskKeeper.Instance, AskKeeper.Instance, AskInterval);
    }

    private void Take(Replies.TopologyPublished published)
    {
        if (_live.IsLive && published.Version <= _live.Version) return;
        SpoolTopology topology;
        try
        {
            topology = TopologyLoader.LoadText(published.Hocon, "live topology");
        }
        catch (TopologyException e)
        {
            // A newer node's topology this node cannot read: keep the last one and say so.
            _log.Error("Topology version {0} cannot be read by this node, which keeps version {1}: {2}", published.Version, _live.Version,
                string.Join("; ", e.Problems));
            return;
        }

        var first = !_live.IsLive;
        if (!_live.Update(topology, published.Version)) return;
        if (first) _log.Info("Topology version {0} in force ({1} printers, {2} queues)", published.Version, topology.Printers.Count, topology.Queues.Count);
        else _log.Info("Topology version {0} in force", published.Version);
        if (!_comparedWithFile && _fileText is not null)
        {
            _comparedWithFile = true;
            if (_fileText != published.Hocon)
            {
                _log.Warning("{0} differs from the cluster's live topology (version {1}), which is in force: the file only seeds a new cluster. " +
                             "`spoolctl config export` shows the live one, `spoolctl config apply FILE` changes it", _fileName, published.Version);
            }
        }
    }

    public static Props Props(LiveTopology live, IActorRef keeper, SpoolTopology? file, string fileName) =>
        Akka.Actor.Props.Create(() => new TopologyReplicaActor(live, keeper, file, fileName));
}
