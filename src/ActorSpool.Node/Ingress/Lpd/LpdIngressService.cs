using ActorSpool.Node.Spool;

namespace ActorSpool.Node.Ingress.Lpd;

/// <summary>
/// The LPD listener (RFC 1179 server): <c>lpr</c> and other LPD clients print to the spooler's queues by name.
/// Binds in <see cref="StartAsync"/> (so a port in use stops start-up), serves connections until the node stops.
/// See <see cref="LpdSession"/> for the protocol and the durability rule.
/// </summary>
public sealed class LpdIngressService : BackgroundService
{
    private readonly ISpoolGateway _gateway;
    private readonly JobIntake _intake;
    private readonly LpdIngressOptions _options;
    private readonly ILogger _logger;
    private TcpAcceptor? _acceptor;

    /// <param name="intake">How jobs enter the spooler (with the node's intake limit); one without a limit when null.</param>
    public LpdIngressService(ISpoolGateway gateway, LpdIngressOptions options, ILogger<LpdIngressService> logger, JobIntake? intake = null)
    {
        _gateway = gateway ?? throw new ArgumentNullException(nameof(gateway));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _intake = intake ?? new JobIntake(gateway);
    }

    public LpdIngressOptions Options => _options;

    /// <summary>The bound port once started (the chosen one when the options say 0).</summary>
    public int Port => _acceptor?.Port ?? throw new InvalidOperationException("The LPD listener has not started.");

    /// <summary>The bound address once started.</summary>
    public string Host => _acceptor?.Address.ToString() ?? _options.Host;

    /// <summary>Connections being served.</summary>
    public int ActiveConnections => _acceptor?.ActiveConnections ?? 0;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _acceptor = TcpAcceptor.Listen(
            IngressConfiguration.Address(_options.Host), _options.Port, "LPD", "actorspool.lpd.port / --lpd-port", new ConnectionLimiter(_options.MaxConnections, _options.MaxConnectionsPerAddress),
            (socket, stop) => new LpdSession(_gateway, _intake, _options, _logger, socket, stop).RunAsync(), _logger);
        return base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => _acceptor!.RunAsync(stoppingToken);

    public override void Dispose()
    {
        _acceptor?.Close();
        base.Dispose();
    }
}
