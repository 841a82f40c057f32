using ActorSpool.Actors.Balancing;
using ActorSpool.Actors.Printers;
using ActorSpool.Actors.Queues;
using ActorSpool.Actors.Storage;
using Akka;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Hosting;
using static ActorSpool.Domain.Messages.WorkerProtocol;

namespace ActorSpool.Actors.Workers;

/// <summary>Registry key of this node's spool worker pool.</summary>
public sealed class SpoolWorkerPool;

public static class SpoolWorkerHosting
{
    /// <summary>The pool's actor name under /user (the command host's <c>worker list</c> finds it there on every node).</summary>
    public const string PoolName = "spool-workers";

    /// <summary>
    /// This node's pool of <see cref="SpoolSettings.WorkersPerNode"/> spool workers at /user/spool-workers
    /// (<see cref="SpoolWorkerPool"/>), for a node with the worker role. Needs <see cref="BalancerProxy"/>,
    /// <see cref="PrinterRegion"/> and <see cref="JobQueueRegion"/> registered before it.
    /// </summary>
    /// <remarks><paramref name="crashPoints"/>: only the chaos tests' host passes any.</remarks>
    public static AkkaConfigurationBuilder WithSpoolWorkers(this AkkaConfigurationBuilder builder, SpoolSettings settings,
        IDocumentStore documents, ICrashPoints? crashPoints = null) =>
        builder.WithActors((system, registry) =>
        {
            var node = Cluster.Get(system).SelfAddress.ToString();
            var balancer = registry.Get<BalancerProxy>();
            var printers = registry.Get<PrinterRegion>();
            var queues = registry.Get<JobQueueRegion>();
            var pool = system.ActorOf(
                SpoolWorkerPoolActor.Props(settings.WorkersPerNode, () => SpoolWorkerActor.Props(settings, balancer, printers, queues, node,
                    target => ProtocolProps.For(target, documents, settings), crashPoints)),
                PoolName);
            registry.Register<SpoolWorkerPool>(pool);

            // Leaving gracefully: workers finish and report their current job before sharding hands
            // the queues and printers over, so a leave fails and repeats nothing.
            CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeClusterShutdown, "drain-spool-workers", async () =>
            {
                // Downed (or gone): the survivors have this node's jobs already; nothing here may finish or print them.
                if (CoordinatedShutdown.Get(system).ShutdownReason is CoordinatedShutdown.ClusterDowningReason) return Done.Instance;
                try
                {
                    await pool.Ask<Drained>(Drain.Instance, TimeSpan.FromSeconds(28));
                }
                catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
                {
                    system.Log.Warning("Spool workers did not finish their jobs before leaving; the queues will re-queue them");
                }
                return Done.Instance;
            });
        });
}
