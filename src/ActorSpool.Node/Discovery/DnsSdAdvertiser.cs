using System.Threading.Channels;
using ActorSpool.Actors.Topology;
using ActorSpool.Domain.Topology;
using Tmds.DBus.Protocol;

namespace ActorSpool.Node.Discovery;

/// <summary>
/// Advertises every queue of the live topology through avahi-daemon (D-Bus): one entry group per queue holding its
/// _ipp._tcp and _ipps._tcp services (<see cref="IppDnsSd"/>). A queue added is advertised, one removed withdrawn,
/// one whose record changed re-published. Without avahi (or D-Bus) the node runs on: it says so once and keeps trying
/// in the background; when avahi-daemon (re)appears on the bus everything is published again. Stopping closes the
/// D-Bus connection, and avahi withdraws the services with it.
/// </summary>
public sealed class DnsSdAdvertiser : BackgroundService
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1), LastRetry = TimeSpan.FromSeconds(60);
    private const int MaxRenames = 20;

    private readonly DnsSdSettings _settings;
    private readonly ILiveTopology _topology;
    private readonly string _hostname;
    private readonly Func<DnsSdNode> _node;
    private readonly Func<Task> _ready;
    private readonly ILogger _log;
    private readonly Channel<Event> _events = Channel.CreateUnbounded<Event>();
    private long _session;
    private bool _warned;

    /// <param name="hostname">The node's --hostname (service names: <see cref="IppDnsSd.HostLabel"/>).</param>
    /// <param name="node">The node's ports and security, asked once <paramref name="ready"/> completed.</param>
    /// <param name="ready">Completes when the node's listeners are bound (their ports may be chosen at bind time).</param>
    public DnsSdAdvertiser(DnsSdSettings settings, ILiveTopology topology, string hostname, Func<DnsSdNode> node, Func<Task> ready, ILogger<DnsSdAdvertiser> log)
    {
        _settings = settings;
        _topology = topology;
        _hostname = hostname;
        _node = node;
        _ready = ready;
        _log = log;
    }

    /// <summary>The services published now, by queue (tests and diagnostics).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<DnsSdService>> Published { get; private set; } = new Dictionary<string, IReadOnlyList<DnsSdService>>();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await _ready().WaitAsync(stoppingToken);
        using var subscription = _topology.Subscribe(_ => _events.Writer.TryWrite(new TopologyChanged()));
        var address = _settings.EffectiveDBusAddress;
        var retry = FirstRetry;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                using var connection = new DBusConnection(address);
                await connection.ConnectAsync().AsTask().WaitAsync(stoppingToken);
                using var avahi = await connection.WatchNameOwnerAsync(AvahiServer.BusName);
                if (avahi.GetCurrentOwner() is null)
                {
                    Say($"DNS-SD: avahi-daemon is not on D-Bus ({address}); the queues are advertised once it starts");
                }
                var owner = await avahi.WaitForOwnerAsync(stoppingToken);
                using var ownerGone = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, avahi.GetOwnerChangedCancellationToken(owner));
                try
                {
                    await RunSessionAsync(connection, new AvahiServer(connection, NameOwnerWatcher.GetOwnerBusName(owner)), ownerGone.Token);
                }
                catch (OperationCanceledException) when (ownerGone.IsCancellationRequested && !stoppingToken.IsCancellationRequested)
                {
                    throw new SessionEnded("avahi-daemon left D-Bus (stopped or restarted)");
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (SessionEnded ended)
            {
                _log.LogWarning("DNS-SD: {Reason}; the queues are advertised again when avahi-daemon is back", ended.Message);
                retry = FirstRetry;
                _warned = true;
            }
            catch (Exception e)
            {
                // Whatever went wrong with D-Bus or avahi, printing goes on: never let it stop the node.
                _log.LogDebug(e, "DNS-SD: session with avahi-daemon failed");
                Say($"DNS-SD: cannot advertise the queues through avahi-daemon on D-Bus ({address}): {e.Message}; the node runs on and tries again in the background");
            }
            Published = new Dictionary<string, IReadOnlyList<DnsSdService>>();
            try
            {
                await Task.Delay(retry, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, LastRetry.Ticks));
        }
    }

    /// <summary>The first failure of an outage as a warning, the retries after it at debug level.</summary>
    private void Say(string message)
    {
        if (_warned)
        {
            _log.LogDebug("{Message}", message);
            return;
        }
        _log.LogWarning("{Message}", message);
        _warned = true;
    }

    /// <summary>Publishes everything on one avahi-daemon, then follows the topology until that avahi is gone.</summary>
    private async Task RunSessionAsync(DBusConnection connection, AvahiServer avahi, CancellationToken ct)
    {
        var session = Interlocked.Increment(ref _session);
        using var serverWatch = await avahi.WatchServerStateAsync(state => _events.Writer.TryWrite(new ServerStateChanged(session, state)));
        using var groupWatch = await avahi.WatchGroupStatesAsync((path, state, error) => _events.Writer.TryWrite(new GroupStateChanged(session, path, state, error)));
        // Avahi publishes only while its own host name is established (not while it probes or renames after a collision).
        while (await avahi.GetStateAsync() != AvahiServer.ServerRunning) await Task.Delay(FirstRetry, ct);

        var hostLabel = IppDnsSd.HostLabel(_hostname, await avahi.GetHostNameAsync());
        var node = _node();
        var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        await ReconcileAsync(avahi, entries, _topology.Current, hostLabel, node, initial: true);
        _warned = false;
        var closed = connection.DisconnectedAsync();
        while (true)
        {
            // Waiting does not take an event, so one that arrives as the session ends is still there for the next.
            var ready = _events.Reader.WaitToReadAsync(ct).AsTask();
            if (await Task.WhenAny(ready, closed) == closed)
            {
                throw new SessionEnded($"the D-Bus connection closed ({(await closed)?.Message ?? "disposed"})");
            }
            await ready;
            if (!_events.Reader.TryRead(out var next)) continue;
            switch (next)
            {
                case TopologyChanged:
                    await ReconcileAsync(avahi, entries, _topology.Current, hostLabel, node, initial: false);
                    break;
                case ServerStateChanged changed when changed.Session == session && changed.State != AvahiServer.ServerRunning:
                    // A host name collision or a restart of its interfaces: avahi withdrew everything; start over. (A
                    // signal from before the session's first publication may be stale: only the state now counts.)
                    if (await avahi.GetStateAsync() != AvahiServer.ServerRunning) throw new SessionEnded($"avahi-daemon's state changed to {changed.State}");
                    break;
                case GroupStateChanged changed when changed.Session == session:
                    await OnGroupStateAsync(avahi, entries, changed, node);
                    break;
            }
        }
    }

    private async Task ReconcileAsync(AvahiServer avahi, Dictionary<string, Entry> entries, SpoolTopology topology, string hostLabel, DnsSdNode node, bool initial)
    {
        var wanted = topology.QueueNames.ToHashSet(StringComparer.Ordinal);
        foreach (var gone in entries.Keys.Where(q => !wanted.Contains(q)).ToList())
        {
            await avahi.FreeAsync(entries[gone].Group);
            entries.Remove(gone);
            _log.LogInformation("DNS-SD: withdrew queue {Queue}", gone);
        }
        foreach (var queue in wanted.Order(StringComparer.Ordinal))
        {
            if (entries.TryGetValue(queue, out var entry))
            {
                var services = IppDnsSd.Services(queue, entry.Name, node);
                if (services.Count == entry.Services.Count && services.Select((s, i) => s.SameAs(entry.Services[i])).All(same => same)) continue;
                await avahi.ResetAsync(entry.Group);
                await PublishAsync(avahi, entry, services);
                _log.LogInformation("DNS-SD: updated queue {Queue} as \"{Name}\"", queue, entry.Name);
                continue;
            }
            entry = new Entry(queue, await avahi.NewEntryGroupAsync()) { Name = IppDnsSd.ServiceName(queue, hostLabel) };
            entries[queue] = entry;
            await PublishAsync(avahi, entry, IppDnsSd.Services(queue, entry.Name, node));
            if (!initial) _log.LogInformation("DNS-SD: advertising queue {Queue} as \"{Name}\"", queue, entry.Name);
        }
        if (initial)
        {
            var types = node.TlsOffered ? $"{IppDnsSd.IppType} and {IppDnsSd.IppsType}" : IppDnsSd.IppType;
            _log.LogInformation("DNS-SD: advertising {Count} queue(s) as {Types} through avahi-daemon (\"QUEUE @ {Host}\", port {Port})",
                entries.Count, types, hostLabel, node.IppPort);
        }
        Published = entries.ToDictionary(e => e.Key, e => e.Value.Services, StringComparer.Ordinal);
    }

    /// <summary>Adds and commits; a name this avahi already has elsewhere (another node on this host) gets "name #2".</summary>
    private async Task PublishAsync(AvahiServer avahi, Entry entry, IReadOnlyList<DnsSdService> services)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                foreach (var service in services) await avahi.AddServiceAsync(entry.Group, service);
                await avahi.CommitAsync(entry.Group);
                entry.Services = services;
                return;
            }
            catch (DBusErrorReplyException e) when (e.ErrorName == AvahiServer.LocalCollisionError && attempt < MaxRenames)
            {
                await avahi.ResetAsync(entry.Group);
                entry.Name = await avahi.GetAlternativeServiceNameAsync(entry.Name);
                services = [.. services.Select(s => s with { Name = entry.Name })];
            }
        }
    }

    private async Task OnGroupStateAsync(AvahiServer avahi, Dictionary<string, Entry> entries, GroupStateChanged changed, DnsSdNode node)
    {
        var entry = entries.Values.FirstOrDefault(e => e.Group == changed.Path);
        if (entry is null) return;
        switch (changed.State)
        {
            case AvahiServer.GroupCollision when entry.Renames < MaxRenames:
                // Another host on the network announces the same name: take the next one, as CUPS does.
                entry.Renames++;
                var previous = entry.Name;
                entry.Name = await avahi.GetAlternativeServiceNameAsync(entry.Name);
                await avahi.ResetAsync(entry.Group);
                await PublishAsync(avahi, entry, IppDnsSd.Services(entry.Queue, entry.Name, node));
                _log.LogWarning("DNS-SD: another host announces \"{Previous}\"; queue {Queue} is advertised as \"{Name}\"", previous, entry.Queue, entry.Name);
                break;
            case AvahiServer.GroupCollision or AvahiServer.GroupFailure:
                _log.LogWarning("DNS-SD: avahi-daemon could not publish queue {Queue} (entry group state {State}: {Error})", entry.Queue, changed.State, changed.Error);
                break;
        }
        Published = entries.ToDictionary(e => e.Key, e => e.Value.Services, StringComparer.Ordinal);
    }

    private sealed class Entry(string queue, string group)
    {
        public string Queue { get; } = queue;
        public string Group { get; } = group;
        public required string Name { get; set; }
        public IReadOnlyList<DnsSdService> Services { get; set; } = [];
        public int Renames { get; set; }
    }

    private abstract record Event;

    private sealed record TopologyChanged : Event;

    private sealed record ServerStateChanged(long Session, int State) : Event;

    private sealed record GroupStateChanged(long Session, string Path, int State, string Error) : Event;

    private sealed class SessionEnded(string reason) : Exception(reason);
}
