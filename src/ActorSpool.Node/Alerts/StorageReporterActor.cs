using ActorSpool.Domain.Messages;
using ActorSpool.Node.Spool;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Tools.PublishSubscribe;

namespace ActorSpool.Node.Alerts;

/// <summary>
/// Publishes this node's storage condition (<see cref="StorageHealth"/>) for the alert manager: within a second of a
/// change, and every <see cref="RepeatInterval"/> anyway, so an alert manager that starts on another node learns it.
/// </summary>
public sealed class StorageReporterActor : ReceiveActor, IWithTimers
{
    private sealed record Check
    {
        public static readonly Check Instance = new();
    }

    public static readonly TimeSpan RepeatInterval = TimeSpan.FromSeconds(10);

    private readonly IActorRef _mediator = DistributedPubSub.Get(Context.System).Mediator;
    private readonly string _self = Cluster.Get(Context.System).SelfAddress.ToString();
    private StorageCondition? _published;
    private DateTimeOffset _publishedAt;

    public ITimerScheduler Timers { get; set; } = null!;

    public StorageReporterActor(StorageHealth storage)
    {
        Receive<Check>(_ =>
        {
            var current = storage.Current;
            var now = DateTimeOffset.UtcNow;
            if (current == _published && now - _publishedAt < RepeatInterval) return;
            _published = current;
            _publishedAt = now;
            _mediator.Tell(new Publish(AlertProtocol.StorageTopic, new AlertProtocol.StorageReport(_self, current.Available, current.Since, current.Error)));
        });
    }

    protected override void PreStart() => Timers.StartPeriodicTimer("check", Check.Instance, TimeSpan.FromSeconds(1));

    public static Props Props(StorageHealth storage) => Akka.Actor.Props.Create(() => new StorageReporterActor(storage));
}
