using ActorSpool.Domain.Topology;

namespace ActorSpool.Actors.Topology;

/// <summary>
/// The printers and queues as this node knows them now. Starts as the node's printers.conf (<see cref="IsLive"/> false)
/// and follows the cluster's live topology (the topology keeper singleton's journal) from the moment the node's replica
/// has received it. Read <see cref="Current"/> each time: it changes while the node runs.
/// </summary>
public interface ILiveTopology
{
    SpoolTopology Current { get; }

    /// <summary>The keeper's version of <see cref="Current"/> (its journal sequence number); 0 before the live one arrived.</summary>
    long Version { get; }

    /// <summary>True once the cluster's live topology has arrived (readiness waits for it).</summary>
    bool IsLive { get; }

    /// <summary>Calls <paramref name="changed"/> (on the replica's thread: keep it short) after every change; dispose to stop.</summary>
    IDisposable Subscribe(Action<SpoolTopology> changed);
}

/// <summary>The node's holder of the live topology, set by its topology replica.</summary>
public sealed class LiveTopology : ILiveTopology
{
    private readonly Lock _gate = new();
    private readonly List<Action<SpoolTopology>> _subscribers = [];
    private volatile State _state;
    private long _notifiedVersion;

    public LiveTopology(SpoolTopology seed) => _state = new State(seed, 0, false);

    public SpoolTopology Current => _state.Topology;

    public long Version => _state.Version;

    public bool IsLive => _state.Live;

    public IDisposable Subscribe(Action<SpoolTopology> changed)
    {
        ArgumentNullException.ThrowIfNull(changed);
        lock (_gate) _subscribers.Add(changed);
        return new Subscription(this, changed);
    }

    /// <summary>Takes a newer version; an older or equal one is ignored (publications may arrive out of order). True when taken.</summary>
    public bool Update(SpoolTopology topology, long version)
    {
        ArgumentNullException.ThrowIfNull(topology);
        Action<SpoolTopology>[] subscribers;
        lock (_gate)
        {
            if (_state.Live && version <= _state.Version) return false;
            _state = new State(topology, version, true);
            subscribers = [.. _subscribers];
        }

        foreach (var subscriber in subscribers) subscriber(topology);
        // After the subscribers: whoever waits for this version (KeeperTopologyAdmin) then knows that every entity's
        // message about it is already in the entity's mailbox, ahead of anything the caller sends next.
        Interlocked.Exchange(ref _notifiedVersion, version);
        return true;
    }

    /// <summary>The newest version whose subscribers have all been called.</summary>
    public long NotifiedVersion => Interlocked.Read(ref _notifiedVersion);

    private sealed record State(SpoolTopology Topology, long Version, bool Live);

    private sealed class Subscription(LiveTopology owner, Action<SpoolTopology> changed) : IDisposable
    {
        public void Dispose()
        {
            lock (owner._gate) owner._subscribers.Remove(changed);
        }
    }
}

/// <summary>A topology that never changes (tests, tools).</summary>
public sealed class FixedTopology(SpoolTopology topology) : ILiveTopology
{
    public SpoolTopology Current => topology;

    public long Version => 1;

    public bool IsLive => true;

    public IDisposable Subscribe(Action<SpoolTopology> changed) => NoSubscription.Instance;

    private sealed class NoSubscription : IDisposable
    {
        public static readonly NoSubscription Instance = new();

        public void Dispose()
        {
        }
    }
}

/// <summary>Changes the cluster's live topology through the topology keeper singleton.</summary>
public interface ITopologyAdmin
{
    /// <summary>
    /// Applies <paramref name="edits"/> as one change (all or nothing), journaled by the keeper, and returns once this
    /// node's <see cref="ILiveTopology"/> has the new version (other nodes follow within a second).
    /// </summary>
    Task<TopologyChangeResult> ChangeAsync(IReadOnlyList<TopologyEdit> edits, string by, CancellationToken ct);
}

public enum TopologyChangeOutcome
{
    /// <summary>Journaled and in force.</summary>
    Applied,

    /// <summary>Nothing changed: the edits left the topology as it was.</summary>
    Unchanged,

    /// <summary>The result would be invalid (<see cref="TopologyChangeResult.Problems"/>); nothing changed.</summary>
    Invalid,

    /// <summary>A queue to remove still holds unfinished jobs; nothing changed.</summary>
    Conflict,

    /// <summary>The keeper could not be reached or could not journal the change; nothing changed.</summary>
    Unavailable,
}

public sealed record TopologyChangeResult(TopologyChangeOutcome Outcome, long Version, IReadOnlyList<string> Problems)
{
    public bool Succeeded => Outcome is TopologyChangeOutcome.Applied or TopologyChangeOutcome.Unchanged;
}
