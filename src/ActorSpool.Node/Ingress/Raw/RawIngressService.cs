using System.Net.Sockets;
using ActorSpool.Actors.Topology;
using ActorSpool.Domain.Topology;
using ActorSpool.Node.Spool;
using ActorSpool.Protocols.Documents;

namespace ActorSpool.Node.Ingress.Raw;

/// <summary>
/// Raw ("AppSocket", port 9100 style) listeners: one per queue with a <c>raw-port</c>. Each connection is one job:
/// the bytes up to the client's half-close are streamed into the document store as the job's document, the job is
/// submitted, and only once the queue accepted it is the connection closed normally. On any failure — the client
/// resets or goes idle, the document is too large, the queue refuses, the node is at its intake limit — the
/// connection is reset, so the client sees an error instead of a silent success, and nothing stays stored. A
/// connection closed without a byte is a probe. Storing and submitting is <see cref="JobIntake"/>'s, as for IPP
/// Print-Job: a raw job is a single-document job like any other, so it counts against the node's intake limit too.
/// </summary>
public sealed class RawIngressService : BackgroundService
{
    public const string Owner = "raw";

    private readonly ISpoolGateway _gateway;
    private readonly JobIntake _intake;
    private readonly RawIngressOptions _options;
    private readonly ILogger _logger;
    private readonly ILiveTopology? _live;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Listener> _listeners = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private IDisposable? _subscription;
    private bool _started;

    private sealed record Listener(int Port, TcpAcceptor Acceptor, CancellationTokenSource Stop, Task Running);

    /// <param name="intake">How jobs enter the spooler (with the node's intake limit); one without a limit when null.</param>
    /// <param name="live">The live topology: listeners open and close as queues gain, change or lose their raw-port.</param>
    public RawIngressService(ISpoolGateway gateway, RawIngressOptions options, ILogger<RawIngressService> logger, JobIntake? intake = null,
        ILiveTopology? live = null)
    {
        _gateway = gateway ?? throw new ArgumentNullException(nameof(gateway));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _intake = intake ?? new JobIntake(gateway);
        _live = live;
    }

    public RawIngressOptions Options => _options;

    /// <summary>The queues with a raw port, in name order.</summary>
    public IReadOnlyList<QueueDefinition> Queues =>
        _gateway.Topology.Queues.Values.Where(q => q.RawPort is not null).OrderBy(q => q.Name, StringComparer.Ordinal).ToArray();

    /// <summary>The bound listeners: queue, address and port.</summary>
    public IReadOnlyList<(string Queue, string Host, int Port)> Listeners
    {
        get
        {
            lock (_gate)
                return _listeners.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => (l.Key, l.Value.Acceptor.Address.ToString(), l.Value.Acceptor.Port)).ToArray();
        }
    }

    /// <summary>Connections being served, over all raw ports.</summary>
    public int ActiveConnections
    {
        get
        {
            lock (_gate) return _listeners.Values.Sum(l => l.Acceptor.ActiveConnections);
        }
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // At start a port that cannot be bound stops the node (as every listener); later changes only log it.
        Reconcile(atStart: true);
        _subscription = _live?.Subscribe(_ => Reconcile(atStart: false));
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _subscription?.Dispose();
        Listener[] open;
        lock (_gate)
        {
            open = [.. _listeners.Values];
            _listeners.Clear();
        }

        foreach (var listener in open) await listener.Stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(open.Select(l => l.Running)).ConfigureAwait(false);
    }

    public override void Dispose()
    {
        _subscription?.Dispose();
        lock (_gate)
        {
            foreach (var listener in _listeners.Values)
            {
                listener.Stop.Cancel();
                listener.Acceptor.Close();
            }

            _listeners.Clear();
        }

        _stopping.Cancel();
        base.Dispose();
    }

    /// <summary>Opens a listener for each queue with a raw-port not listened on yet, closes those of queues that lost theirs.</summary>
    private void Reconcile(bool atStart)
    {
        var address = IngressConfiguration.Address(_options.Host);
        lock (_gate)
        {
            if (!atStart && !_started) return;
            var wanted = Queues.ToDictionary(q => q.Name, q => q.RawPort!.Value, StringComparer.Ordinal);
            foreach (var (queue, listener) in _listeners.Where(l => !wanted.TryGetValue(l.Key, out var port) || port != l.Value.Port).ToList())
            {
                _listeners.Remove(queue);
                listener.Stop.Cancel(); // connections being served finish; the port is free at once
                _logger.LogInformation("Raw jobs for {Queue}: no longer listening on port {Port}", queue, listener.Port);
            }

            var opened = new List<string>();
            try
            {
                foreach (var (queue, port) in wanted.Where(w => !_listeners.ContainsKey(w.Key)).OrderBy(w => w.Key, StringComparer.Ordinal))
                {
                    TcpAcceptor acceptor;
                    try
                    {
                        acceptor = TcpAcceptor.Listen(address, port, $"raw jobs for queue {queue}", $"actorspool.queues.{queue}.raw-port",
                            new ConnectionLimiter(_options.MaxConnections, _options.MaxConnectionsPerAddress), (socket, stop) => ServeAsync(queue, socket, stop), _logger);
                    }
                    catch (IOException e) when (!atStart)
                    {
                        _logger.LogError("Raw jobs for {Queue}: {Problem}; the queue takes no raw jobs on this node until the port is free and the queue changes again",
                            queue, e.Message);
                        continue;
                    }

                    var stop = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
                    _listeners[queue] = new Listener(port, acceptor, stop, acceptor.RunAsync(stop.Token));
                    opened.Add(queue);
                    if (!atStart) _logger.LogInformation("Raw jobs for {Queue} listening on socket://{Host}:{Port}", queue, acceptor.Address, port);
                }
            }
            catch
            {
                foreach (var queue in opened)
                {
                    _listeners.Remove(queue, out var listener);
                    listener!.Stop.Cancel();
                    listener.Acceptor.Close();
                }

                throw;
            }

            _started = true;
        }
    }

    private async Task ServeAsync(string queueName, Socket socket, CancellationToken stop)
    {
        var remote = TcpAcceptor.Remote(socket);
        // The queue as it is now: its limits may have changed since the listener opened.
        if (_gateway.Topology.FindQueue(queueName) is not { } queue)
        {
            _logger.LogInformation("Raw job from {Remote}: queue {Queue} no longer exists; connection reset", remote, queueName);
            TcpAcceptor.Reset(socket);
            return;
        }

        var reader = new SocketReader(socket, _options.IdleTimeout, stop, _options.MinDataRate);
        try
        {
            if (!await reader.HasDataAsync().ConfigureAwait(false))
            {
                TcpAcceptor.CloseGracefully(socket); // connect and close: a probe, not a job
                return;
            }

            IntakeResult result;
            await using (var content = reader.OpenToEnd("the raw job"))
            {
                result = await _intake.SubmitNewJobAsync(new NewJob(queue, Owner, $"raw job from {remote}"), content, DocumentFormatDetector.OctetStream, null, stop)
                    .ConfigureAwait(false);
            }

            switch (result)
            {
                case IntakeResult.Accepted accepted:
                    _logger.LogInformation("Raw job {JobId} from {Remote} accepted for {Queue} ({Bytes} bytes)", accepted.Job.JobId, remote, queue.Name, accepted.Job.TotalBytes);
                    TcpAcceptor.CloseGracefully(socket);
                    return;
                case IntakeResult.Rejected rejected:
                    _logger.LogWarning("Raw job from {Remote}: queue {Queue} rejected it: {Reason}; connection reset", remote, queue.Name, rejected.Reason);
                    break;
                case IntakeResult.TooLarge tooLarge:
                    _logger.LogInformation("Raw job from {Remote} for {Queue}: more than the queue's limit of {Limit} bytes; connection reset", remote, queue.Name, tooLarge.Limit);
                    break;
                case IntakeResult.DiskLow low:
                    _logger.LogWarning("Raw job from {Remote} for {Queue}: {Reason}; connection reset", remote, queue.Name, low.Reason);
                    break;
                case IntakeResult.Busy busy:
                    _logger.LogInformation("Raw job from {Remote} for {Queue}: the spooler is busy ({Slots} submissions in progress); connection reset", remote, queue.Name, busy.MaxConcurrent);
                    break;
                default:
                    _logger.LogInformation("Raw job from {Remote} for {Queue} not taken ({Result}); connection reset", remote, queue.Name, result);
                    break;
            }
        }
        catch (Exception e) when (reader.ClientFailed && e is not OperationCanceledException)
        {
            _logger.LogInformation("Raw job from {Remote} for {Queue} discarded: {Problem}; connection reset", remote, queue.Name, (e.InnerException ?? e).Message);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The node is stopping: the client sees the reset. A document cut off is not kept; one whose job the queue
            // was being asked to accept stays, since the queue may have it (JobIntake).
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "Raw job from {Remote} for {Queue}: the spooler could not take it; connection reset", remote, queue.Name);
        }

        TcpAcceptor.Reset(socket);
    }
}
