using ActorSpool.Actors.Hosting;
using ActorSpool.Actors.Queues;
using ActorSpool.Actors.Storage;
using ActorSpool.Actors.Topology;
using ActorSpool.Domain.Messages;
using ActorSpool.Domain.Topology;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Hosting;

namespace ActorSpool.Actors.Printers;

/// <summary>Registry key of the sharded Printer entities.</summary>
public sealed class PrinterRegion;

public static class PrinterHosting
{
    /// <summary>
    /// The "printer" shard region (<see cref="PrinterRegion"/>): one remembered entity per configured printer,
    /// handed over with <see cref="PrinterActor.HandOff"/> so a delivery in flight is not cut mid-document, all on
    /// the coordinator's node (<see cref="CoordinatorNodeAllocation"/>). Started through ClusterSharding itself:
    /// Akka.Hosting's shard options take no allocation strategy. The rest of the settings come from
    /// akka.cluster.sharding in the HOCON, as for the other regions.
    /// </summary>
    public static AkkaConfigurationBuilder WithPrinterRegion(this AkkaConfigurationBuilder builder, ILiveTopology topology, SpoolSettings settings,
        IDocumentStore documents) =>
        builder.WithActors(async (system, registry) =>
        {
            var options = SpoolSharding.EntityOptions(PrinterActor.HandOff.Instance);
            var region = await ClusterSharding.Get(system).StartAsync(
                "printer",
                // The queues' region is registered after this one (queues talk to printers): looked up when a printer asks.
                printer => topology.Current.Printers.TryGetValue(printer, out var definition)
                    ? PrinterActor.Props(definition, settings, documents, topology, () => registry.TryGet<JobQueueRegion>(out var queues) ? queues : null)
                    : UnknownEntityActor.Props("printer", printer),
                ClusterShardingSettings.Create(system).WithRole(options.Role).WithRememberEntities(options.RememberEntities ?? true),
                new EntityNameExtractor<IPrinterMessage>(m => m.Printer),
                new CoordinatorNodeAllocation(),
                options.HandOffStopMessage!);
            registry.Register<PrinterRegion>(region);
        });
}
