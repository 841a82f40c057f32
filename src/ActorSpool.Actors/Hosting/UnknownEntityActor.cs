using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;

namespace ActorSpool.Actors.Hosting;

/// <summary>An entity id no configuration knows (a stale remembered entity after a config change): stops itself.</summary>
public sealed class UnknownEntityActor : ReceiveActor
{
    public UnknownEntityActor(string kind, string name)
    {
        Logging.GetLogger(Context).Warning("No {0} named {1} is configured on this node; ignoring its messages", kind, name);
        ReceiveAny(_ => Context.Parent.Tell(new Passivate(PoisonPill.Instance)));
    }

    public static Props Props(string kind, string name) => Akka.Actor.Props.Create(() => new UnknownEntityActor(kind, name));
}
