using ActorSpool.Actors.Printers;
using ActorSpool.Actors.Queues;
using ActorSpool.Actors.Topology;
using ActorSpool.Domain.Topology;
using Akka.Actor;
using Akka.Cluster;
using Akka.Hosting;
using static ActorSpool.Domain.Messages.JobQueueProtocol;
using static ActorSpool.Domain.Messages.PrinterProtocol;

namespace ActorSpool.Actors.Hosting;

public static class WakeUpHosting
{
    /// <summary>
    /// Wakes every configured queue and printer once this node is up: queues recover and resume dispatch without
    /// waiting for a client, printers start their heartbeats. Add it after the regions and the balancer: a woken
    /// queue is created, and its props look the balancer up in the registry.
    /// </summary>
    public static AkkaConfigurationBuilder WithWakeUpOnMemberUp(this AkkaConfigurationBuilder builder, ILiveTopology topology) =>
        builder.WithActors((system, registry) =>
        {
            var queues = registry.Get<JobQueueRegion>();
            var printers = registry.Get<PrinterRegion>();
            Cluster.Get(system).RegisterOnMemberUp(() =>
            {
                foreach (var queue in topology.Current.Queues.Keys) queues.Tell(new Commands.WakeUp(queue));
                foreach (var printer in topology.Current.Printers.Keys) printers.Tell(new GetPrinterStatus(printer));
            });
        });
}
