using System.Net.Sockets;
using ActorSpool.Actors;
using ActorSpool.Actors.Storage;
using ActorSpool.Domain.Jobs;
using ActorSpool.Domain.Topology;
using ActorSpool.Node.Spool;
using ActorSpool.Protocols.Documents;
using static ActorSpool.Domain.Messages.JobQueueProtocol;

namespace ActorSpool.Node.Ingress;

/// <summary>
/// Raw ("AppSocket", port 9100 style) listeners: one per queue with a <c>raw-port</c>. Each connection is one job:
/// the bytes up to the client's half-close are streamed into the document store as the job's document, the job is
/// submitted, and only once the queue accepted it is the connection closed normally. On any failure — the client
/// resets or goes idle, the document is too large, the queue refuses — the connection is reset, so the client sees
/// an error instead of a silent success, and nothing stays stored. A connection closed without a byte is a probe.
/// </summary>
public sealed class RawIngressService : BackgroundService
{
    public const string Owner = "raw";

    private readonly ISpoolGateway _gateway;
    private readonly IDocumentStore? _documents;
    private readonly RawIngressOptions _options;
    private readonly ILogger _logger;
    private readonly List<(QueueDefinition Queue, TcpAcceptor Acceptor)> _listeners = [];

    /// <param name="documents">Where failed jobs' documents are deleted; null = left to the retention sweep.</param>
    public RawIngressService(ISpoolGateway gateway, RawIngressOptions options, ILogger<RawIngressService> logger, IDocumentStore? documents = null)
    {
        _gateway = gateway ?? throw new ArgumentNullException(nameof(gateway));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _documents = documents;
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
                    $"actorspool.queues.{queue.Name}.raw-port", _options.MaxConnections,
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
        var reader = new SocketReader(socket, _options.IdleTimeout, stop);
        long? jobId = null;
        var accepted = false;
        try
        {
            if (!await reader.HasDataAsync().ConfigureAwait(false))
            {
                TcpAcceptor.CloseGracefully(socket); // connect and close: a probe, not a job
                return;
            }

            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            jobId = await _gateway.AllocateJobIdAsync(queue.Name, stop).ConfigureAwait(false);
            StoredDocument stored;
            await using (var content = reader.OpenToEnd("the raw job"))
            {
                stored = await _gateway.StoreDocumentAsync(jobId.Value, 1, content, DocumentFormatDetector.OctetStream, null, queue.MaxDocumentBytes, stop)
                    .ConfigureAwait(false);
            }

            var documents = new[] { new JobDocument(stored.DocumentNumber, stored.Length, stored.Format, stored.Name) };
            var submit = new Commands.SubmitJob(queue.Name, jobId.Value, Owner, $"raw job from {remote}", null, false, documents);
            object reply;
            try
            {
                reply = await _gateway.SubmitAsync(submit, stop).ConfigureAwait(false);
            }
            catch (Exception) when (!stop.IsCancellationRequested)
            {
                accepted = true; // unknown outcome: the queue may hold the job, so its document must stay
                throw;
            }

            switch (reply)
            {
                case Replies.JobAccepted:
                    accepted = true;
                    SpoolMetrics.SubmissionSeconds.WithLabels(queue.Name).Observe(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
                    _logger.LogInformation("Raw job {JobId} from {Remote} accepted for {Queue} ({Bytes} bytes)", jobId, remote, queue.Name, stored.Length);
                    TcpAcceptor.CloseGracefully(socket);
                    return;
                case Replies.JobRejected rejected:
                    _logger.LogWarning("Raw job from {Remote}: queue {Queue} rejected it: {Reason}; connection reset", remote, queue.Name, rejected.Reason);
                    break;
                default:
                    throw new InvalidOperationException($"Unexpected answer to SubmitJob: {reply?.GetType().Name ?? "null"}.");
            }
        }
        catch (DocumentTooLargeException e)
        {
            _logger.LogInformation("Raw job from {Remote} for {Queue}: more than the queue's limit of {Limit} bytes; connection reset", remote, queue.Name, e.Limit);
        }
        catch (Exception e) when (reader.ClientFailed && e is not OperationCanceledException)
        {
            _logger.LogInformation("Raw job from {Remote} for {Queue} discarded: {Problem}; connection reset", remote, queue.Name, (e.InnerException ?? e).Message);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The node is stopping: the unfinished job is discarded, the client sees the reset.
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "Raw job from {Remote} for {Queue}: the spooler could not take it; connection reset", remote, queue.Name);
        }

        TcpAcceptor.Reset(socket);
        if (jobId is { } id && !accepted && _documents is not null)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _documents.DeleteJobAsync(id, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                _logger.LogWarning("Raw ingress: could not delete the documents of discarded job {JobId} (the retention sweep will): {Error}", id, e.Message);
            }
        }
    }
}
