using ActorSpool.Domain.Balancing;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using static ActorSpool.Domain.Messages.BalancerProtocol;

namespace ActorSpool.Actors.Balancing;

/// <summary>
/// The cluster singleton that spreads jobs over nodes: grants the waiting request with the highest job priority of
/// any queue (then the oldest job) to an idle worker of the least-loaded node. Its state is soft (workers re-register, queues re-request), so it needs no journal and
/// hands over fast when its node goes.
/// </summary>
public sealed class BalancerActor : ReceiveActor
{
    private readonly BalancerState _state = new();
    private readonly Dictionary<string, IActorRef> _workers = new();
    private readonly Dictionary<(string Queue, long JobId), IActorRef> _requesters = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly string _selfNode = Cluster.Get(Context.System).SelfAddress.ToString();

    public BalancerActor()
    {
        Receive<RegisterWorker>(r =>
        {
            var id = r.Worker.Path.ToString();
            if (_workers.TryAdd(id, r.Worker))
            {
                Context.Watch(r.Worker);
                _log.Debug("Balancer: worker {0} registered on {1}", id, r.Node);
            }
            _state.Register(id, r.Node, r.BusyWith, DateTimeOffset.UtcNow, r.Delivered, r.DeliveredBytes);
            GrantWaiting();
        });
        Receive<RequestWorker>(r =>
        {
            _requesters[(r.Request.Queue, r.Request.JobId)] = r.ReplyTo;
            _state.Enqueue(r.Request, DateTimeOffset.UtcNow);
            GrantWaiting();
        });
        Receive<UnregisterWorker>(u =>
        {
            var id = u.Worker.Path.ToString();
            _workers.Remove(id);
            _state.Unregister(id);
            Context.Unwatch(u.Worker);
        });
        Receive<WithdrawRequest>(w =>
        {
            _state.RemoveWaiting(w.Queue, w.JobId);
            _requesters.Remove((w.Queue, w.JobId));
        });
        Receive<WorkFinished>(f =>
        {
            _state.Release(f.Worker.Path.ToString());
            GrantWaiting();
        });
        Receive<Terminated>(t =>
        {
            var id = t.ActorRef.Path.ToString();
            _workers.Remove(id);
            _state.Unregister(id);
        });
        Receive<ClusterEvent.MemberRemoved>(m => _log.Info("Balancer: node {0} left; {1} worker(s) dropped", m.Member.Address, _state.UnregisterNode(m.Member.Address.ToString())));
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<ClusterEvent.CurrentClusterState>(_ => { });
        Receive<GetBalancerStatus>(_ => Sender.Tell(new BalancerStatus(_selfNode, _state.Loads().ToArray(), _state.WaitingCount, _state.GrantedTotal)));
    }

    protected override void PreStart()
    {
        Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot, typeof(ClusterEvent.IMemberEvent));
        _log.Info("Balancer singleton started on {0}", _selfNode);
    }

    protected override void PostStop() => Cluster.Get(Context.System).Unsubscribe(Self);

    private void GrantWaiting()
    {
        foreach (var (request, workerId) in _state.Grant(DateTimeOffset.UtcNow))
        {
            if (_requesters.Remove((request.Queue, request.JobId), out var requester) && _workers.TryGetValue(workerId, out var worker))
            {
                requester.Tell(new WorkerGranted(request, worker));
            }
            else
            {
                _state.Release(workerId);
            }
        }
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new BalancerActor());
}
