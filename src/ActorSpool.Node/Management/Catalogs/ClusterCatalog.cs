using System.Text.Json.Serialization;
using ActorSpool.Actors.Queues;
using ActorSpool.Actors.Topology;
using ActorSpool.Domain.Topology;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Hosting;

namespace ActorSpool.Node.Management.Catalogs;

/// <summary>One member as <c>cluster show</c> and the REST API report it.</summary>
public sealed record MemberView(string Address, string[] Roles, string Status, string Reachability, string Version, bool Leader, bool Self)
{
    /// <summary>Null (and left out) where nobody asked the shard regions, as in <c>cluster show</c>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Queues { get; init; }

    public string Line => $"{Address} | [{string.Join(",", Roles)}] | {Status} | {Reachability} | {Version}";
}

/// <summary>The cluster as this node sees it, with the node hosting the balancer (null: it did not answer) and each queue.</summary>
public sealed record ClusterView(string Self, string? Leader, string? BalancerHost, IReadOnlyList<MemberView> Members);

/// <summary>Cluster membership and where the queues and the balancer run, for spoolctl's <c>cluster</c> palette and the REST API.</summary>
public sealed class ClusterCatalog(ActorSystem system, ILiveTopology topology, IRequiredActor<JobQueueRegion> queues, BalancerCatalog balancer)
{
    /// <summary>Short: the cluster view answers without the queues' and balancer's places rather than wait long.</summary>
    private static readonly TimeSpan PlacementTimeout = TimeSpan.FromSeconds(5);

    public static string StatusName(MemberStatus status) => status switch
    {
        MemberStatus.WeaklyUp => "weakly-up",
        _ => status.ToString().ToLowerInvariant(),
    };

    /// <summary>The members in address order, from this node's membership state (no asking).</summary>
    public IReadOnlyList<MemberView> Members()
    {
        var cluster = Cluster.Get(system);
        var state = cluster.State;
        return state.Members
            .OrderBy(m => m.Address.ToString(), StringComparer.Ordinal)
            .Select(m => new MemberView(
                m.Address.ToString(),
                m.Roles.Order(StringComparer.Ordinal).ToArray(),
                StatusName(m.Status),
                state.Unreachable.Contains(m) ? "unreachable" : "reachable",
                m.AppVersion.ToString(),
                m.Address.Equals(state.Leader),
                m.Address.Equals(cluster.SelfAddress)))
            .ToList();
    }

    /// <summary>The members with the queues each hosts, the leader and the balancer's node.</summary>
    public async Task<ClusterView> ViewAsync(CancellationToken ct)
    {
        var cluster = Cluster.Get(system);
        var placement = QueuePlacementAsync(ct);
        var balancerHost = BalancerHostAsync(ct);
        var hosted = await placement;
        var members = Members().Select(m => m with { Queues = hosted.TryGetValue(m.Address, out var names) ? names : [] }).ToList();
        return new ClusterView(cluster.SelfAddress.ToString(), cluster.State.Leader?.ToString(), await balancerHost, members);
    }

    /// <summary>The member hosting the queue, or null (its shard not allocated yet, or the regions did not answer).</summary>
    public async Task<string?> HostOfQueueAsync(string queue, CancellationToken ct) =>
        (await QueuePlacementAsync(ct)).FirstOrDefault(p => p.Value.Contains(queue, StringComparer.Ordinal)).Key;

    private async Task<string?> BalancerHostAsync(CancellationToken ct)
    {
        try
        {
            return (await balancer.ShowAsync(ct, PlacementTimeout)).Singleton;
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    /// <summary>
    /// Queue names by member address: each queue's shard id (the region's own extractor) looked up in the shard
    /// regions' statistics. A queue whose shard is not allocated yet (never woken) is on no member.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> QueuePlacementAsync(CancellationToken ct)
    {
        ClusterShardingStats stats;
        try
        {
            var region = await queues.GetAsync(ct);
            stats = await region.Ask<ClusterShardingStats>(new GetClusterShardingStats(PlacementTimeout), PlacementTimeout + TimeSpan.FromSeconds(1), ct);
        }
        catch (AskTimeoutException)
        {
            return new Dictionary<string, IReadOnlyList<string>>();
        }
        return QueuePlacement.ByMember(topology.Current.QueueNames, JobQueueHosting.ShardIdOf,
            stats.Regions.ToDictionary(r => r.Key.ToString(), r => (IEnumerable<string>)r.Value.Stats.Keys));
    }
}

/// <summary>Which member hosts which queue, from shard ids and the shards each member's region holds (pure).</summary>
public static class QueuePlacement
{
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> ByMember(
        IEnumerable<string> queueNames, Func<string, string> shardOf, IReadOnlyDictionary<string, IEnumerable<string>> shardsByMember)
    {
        var memberOfShard = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (member, shards) in shardsByMember)
        {
            foreach (var shard in shards) memberOfShard[shard] = member;
        }
        return queueNames
            .Select(q => (Queue: q, Member: memberOfShard.GetValueOrDefault(shardOf(q))))
            .Where(p => p.Member is not null)
            .GroupBy(p => p.Member!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.Select(p => p.Queue).Order(StringComparer.Ordinal).ToList(), StringComparer.Ordinal);
    }
}
