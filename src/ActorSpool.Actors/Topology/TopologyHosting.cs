using ActorSpool.Actors.Hosting;
using ActorSpool.Actors.Printers;
using ActorSpool.Actors.Queues;
using ActorSpool.Domain.Topology;
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Hosting;

namespace ActorSpool.Actors.Topology;

/// <summary>Registry key of the proxy to the topology keeper singleton.</summary>
public sealed class TopologyKeeperProxy;

/// <summary>Registry key of this node's topology replica.</summary>
public sealed class TopologyReplica;

public static class TopologyHosting
{
    /// <summary>
    /// The "topology-keeper" singleton on the worker nodes (after the queue and printer regions, which it asks and
    /// wakes), a proxy to it, and this node's "topology-replica" that keeps <paramref name="live"/> current.
    /// </summary>
    /// <param name="seed">This node's printers.conf: journaled as the first version when the cluster has none yet.</param>
    public static AkkaConfigurationBuilder WithLiveTopology(this AkkaConfigurationBuilder builder, LiveTopology live, SpoolTopology seed,
        string seedSource, bool hostsSingleton)
    {
        var options = new ClusterSingletonOptions { Role = SpoolRoles.Worker };
        builder = hostsSingleton
            ? builder.WithSingleton<TopologyKeeperProxy>(TopologyKeeperActor.Name,
                (_, registry, _) => TopologyKeeperActor.Props(seed, seedSource, registry.Get<JobQueueRegion>(), registry.Get<PrinterRegion>()),
                options, createProxyToo: true)
            : builder.WithSingletonProxy<TopologyKeeperProxy>(TopologyKeeperActor.Name, options);
        return builder.WithActors((system, registry) =>
            registry.Register<TopologyReplica>(system.ActorOf(
                TopologyReplicaActor.Props(live, registry.Get<TopologyKeeperProxy>(), seed, seedSource), TopologyReplicaActor.Name)));
    }
}

/// <summary>
/// <see cref="ITopologyAdmin"/> over the keeper singleton: the change is journaled by the keeper, then this waits
/// until this node's replica has the new version, so what the caller does next sees it.
/// </summary>
public sealed class KeeperTopologyAdmin(IRequiredActor<TopologyKeeperProxy> keeper, IRequiredActor<TopologyReplica> replica, LiveTopology live)
    : ITopologyAdmin
{
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan FollowTimeout = TimeSpan.FromSeconds(10);

    public async Task<TopologyChangeResult> ChangeAsync(IReadOnlyList<TopologyEdit> edits, string by, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(edits);
        var proxy = await keeper.GetAsync(ct).ConfigureAwait(false);
        Domain.Messages.TopologyProtocol.Replies.TopologyChangeAnswer answer;
        try
        {
            answer = await proxy.Ask<Domain.Messages.TopologyProtocol.Replies.TopologyChangeAnswer>(
                new Domain.Messages.TopologyProtocol.Commands.ChangeTopology(edits.Select(TopologyEditWire.ToWire).ToArray(), by),
                AnswerTimeout, ct).ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            return new TopologyChangeResult(TopologyChangeOutcome.Unavailable, live.Version,
                [$"the topology keeper did not answer within {AnswerTimeout.TotalSeconds:0} s; check `spoolctl config export` for whether the change was made"]);
        }

        var outcome = Enum.Parse<TopologyChangeOutcome>(answer.Outcome, ignoreCase: true);
        if (outcome == TopologyChangeOutcome.Applied) await FollowAsync(answer.Version, ct).ConfigureAwait(false);
        return new TopologyChangeResult(outcome, answer.Version, answer.Problems);
    }

    /// <summary>
    /// Waits until this node's replica has <paramref name="version"/> and has told every subscriber (the publication
    /// normally takes milliseconds), so a job the caller submits next meets its queue's new definition.
    /// </summary>
    private async Task FollowAsync(long version, CancellationToken ct)
    {
        var deadline = DateTimeOffset.UtcNow + FollowTimeout;
        var asked = false;
        while (live.NotifiedVersion < version && DateTimeOffset.UtcNow < deadline)
        {
            if (!asked && live.Version < version)
            {
                // The publication may have been missed: the replica asks the keeper when it hears a newer version.
                (await replica.GetAsync(ct).ConfigureAwait(false)).Tell(new Domain.Messages.TopologyProtocol.Replies.TopologyVersion(version));
                asked = true;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(5), ct).ConfigureAwait(false);
        }
    }
}
