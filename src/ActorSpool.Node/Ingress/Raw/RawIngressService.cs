using System.Net.Sockets;
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
    private readonly List<(QueueDefinition Queue, TcpAcceptor Acceptor)> _listeners = [];

    /// <param name="intake">How jobs enter the spooler (with the node's intake limit); one without a limit when null.</param>
    public RawIngressService(ISpoolGateway gateway, RawIngressOptions options, ILogger<RawIngressService> logger, JobIntake? intake = null)
    {
        _gateway = gateway ?? throw new ArgumentNullException(nameof(gateway));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _intake = intake ?? new JobIntake(gateway);
    }

    public RawIngressOptions Options => _options;

    /// <summary>The queues with a raw port, in name order.</summary>
    public IReadOnlyList<QueueDefinition> Queues =>
        _gateway.Topology.Queues.Values.Where(q => q.RawPort is not null).OrderBy(q => q.Name, StringComparer.Ordinal).ToArray();

    /// <summary>The bound listeners once started: queue, address and port.</summary>
    public IReadOnlyList<(string Queue, string Host, int Port)> Listeners =>
        _listeners.Select(l => (l.Queue.Name, l.Acceptor.Address.ToString(), l.Acceptor.Port)).ToArray();

    /// <summary>Connections being served, over all raw ports.</summary>
    public int ActiveConnections => _listeners.Sum(l => l.Acceptor.ActiveConnections);

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        var address = IngressConfiguration.Address(_options.Host);
        try
        {
            foreach (var queue in Queues)
            {
                var acceptor = TcpAcceptor.Listen(address, queue.RawPort!.Value, $"raw jobs for queue {queue.Name}",
                    $"actorspool.queues.{queue.Name}.raw-port", new ConnectionLimiter(_options.MaxConnections, _options.MaxConnectionsPerAddress),
                    (socket, stop) => ServeAsync(queue, socket, stop), _logger);
                _listeners.Add((queue, acceptor));
            }
        }
        catch
        {
            foreach (var (_, acceptor) in _listeners)
            {
                acceptor.Close();
            }

            _listeners.Clear();
            throw;
        }

        return base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(_listeners.Select(l => l.Acceptor.RunAsync(stoppingToken)));

    public override void Dispose()
    {
        foreach (var (_, acceptor) in _listeners)
        {
            acceptor.Close();
        }

        base.Dispose();
    }

    private async Task ServeAsync(QueueDefinition queue, Socket socket, CancellationToken stop)
    {
        var remote = TcpAcceptor.Remote(socket);
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
