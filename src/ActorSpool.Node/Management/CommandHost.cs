using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using ActorSpool.Contracts.Spoolctl;
using ActorSpool.Node.Hosting;
using ActorSpool.Node.Ingress;
using Akka.Actor;

namespace ActorSpool.Node.Management;

/// <summary>
/// The node's command endpoint for spoolctl: newline-delimited JSON over TCP (<see cref="CommandWire"/>,
/// docs/spoolctl.md). Each connection runs its requests one after the other; every request is answered by
/// reply lines and an <c>end</c> line with the exit code. Bound to 127.0.0.1 unless configured otherwise;
/// with a token configured, commands that change state need it. Bound to any other address it has a token
/// (<see cref="Security.ControlPlane.RequireCommandToken"/>) and speaks TLS only, with its own certificate.
/// Connections are limited in total and per client address (<c>actorspool.limits.cmd-max-connections</c>,
/// <c>cmd-max-connections-per-address</c>), and a request line must arrive whole within <c>cmd-request-timeout</c> of
/// its first byte: a client trickling bytes is dropped.
/// </summary>
public sealed class CommandHost : BackgroundService
{
    private readonly NodeOptions _options;
    private readonly ILogger<CommandHost> _log;
    private readonly TcpListener _listener;
    private readonly Dictionary<string, ICommandPalette> _palettes;
    private readonly byte[]? _token;
    private readonly X509Certificate2? _certificate;
    private readonly ConnectionLimiter _connections;
    private readonly TimeSpan _requestTimeout;

    public CommandHost(NodeOptions options, IEnumerable<ICommandPalette> palettes, ILogger<CommandHost> log, CommandHostTls? tls = null, LimitsSettings? limits = null)
    {
        limits ??= new LimitsSettings();
        _connections = new ConnectionLimiter(limits.CommandMaxConnections, limits.CommandMaxConnectionsPerAddress);
        _requestTimeout = limits.CommandRequestTimeout;
        _options = options;
        _certificate = (tls ?? CommandHostTls.None).Certificate;
        _log = log;
        _listener = new TcpListener(IPAddress.Parse(options.CommandHost), options.CommandPort);
        _palettes = new Dictionary<string, ICommandPalette>(StringComparer.OrdinalIgnoreCase);
        foreach (var palette in palettes)
        {
            if (!_palettes.TryAdd(palette.Definition.Name, palette))
            {
                throw new InvalidOperationException($"two command palettes are named '{palette.Definition.Name}'");
            }
        }
        _token = string.IsNullOrEmpty(options.CommandToken) ? null : Encoding.UTF8.GetBytes(options.CommandToken);
    }

    public IPEndPoint Endpoint => (IPEndPoint)_listener.LocalEndpoint;

    /// <summary>The palettes in name order, as sent to clients.</summary>
    public IReadOnlyList<PaletteDefinition> Palettes => _palettes.Values.Select(p => p.Definition).OrderBy(p => p.Name, StringComparer.Ordinal).ToList();

    public bool RequiresToken => _token is not null;

    /// <summary>Whether connections must speak TLS (bound to a non-loopback address).</summary>
    public bool RequiresTls => _certificate is not null;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            _listener.Start();
        }
        catch (SocketException e)
        {
            // NodeHost.RunAsync reports an exception with a SocketException inside as one line, exit code 2.
            var what = e.SocketErrorCode == SocketError.AddressAlreadyInUse ? "is already in use" : $"cannot be bound ({e.Message})";
            throw new IOException($"port {_options.CommandPort} (--cmd-port) on {_options.CommandHost} {what}; the command host cannot listen", e);
        }
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(stoppingToken);
                var lease = _connections.TryAdmit((client.Client.RemoteEndPoint as IPEndPoint)?.Address, out var refusal);
                if (lease is null)
                {
                    _ = Task.Run(() => RefuseAsync(client, refusal), stoppingToken);
                    continue;
                }
                _ = Task.Run(async () =>
                {
                    using (lease) await ServeAsync(client, stoppingToken);
                }, stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            _listener.Stop();
        }
    }

    /// <summary>Tells a client beyond the connection limits why, in the protocol's own words, and closes.</summary>
    private async Task RefuseAsync(TcpClient client, string refusal)
    {
        var peer = client.Client.RemoteEndPoint?.ToString() ?? "?";
        _log.LogWarning("Command host: {Refusal}; refused the connection from {Peer}", refusal, peer);
        using (client)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                var output = new ConnectionOutput(client.GetStream());
                await output.WriteAsync(CommandReply.Error($"the node refuses this connection: {refusal}; try again later"), timeout.Token);
                await output.WriteAsync(CommandReply.End(ExitCodes.Failed), timeout.Token);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }

    private async Task ServeAsync(TcpClient client, CancellationToken ct)
    {
        var peer = client.Client.RemoteEndPoint?.ToString() ?? "?";
        using (client)
        {
            client.NoDelay = true;
            Stream stream = client.GetStream();
            try
            {
                if (_certificate is not null)
                {
                    var secured = await SecureAsync(client, stream, _certificate, peer, ct);
                    if (secured is null) return;
                    stream = secured;
                }
                var reader = new CommandRequestReader(stream, _requestTimeout);
                var output = new ConnectionOutput(stream);
                Task<string?>? nextLine = null;
                while (!ct.IsCancellationRequested)
                {
                    nextLine ??= reader.ReadLineAsync(ct);
                    var line = await nextLine;
                    nextLine = null;
                    if (line is null) return;
                    if (string.IsNullOrWhiteSpace(line)) continue;

                    if (!CommandRequestReader.TryParse(line, out var request, out var parseError))
                    {
                        await output.WriteAsync(CommandReply.Error(parseError), ct);
                        await output.WriteAsync(CommandReply.End(ExitCodes.Usage), ct);
                        continue;
                    }
                    switch (request.Op ?? CommandOps.Run)
                    {
                        case CommandOps.Cancel:
                            continue; // nothing runs
                        case CommandOps.Hello:
                            await output.WriteAsync(CommandReply.End(ExitCodes.Ok), ct);
                            continue;
                        case CommandOps.Palettes:
                            await output.WriteAsync(new CommandReply { Kind = ReplyKinds.Palettes, Palettes = Palettes.ToArray() }, ct);
                            await output.WriteAsync(CommandReply.End(ExitCodes.Ok), ct);
                            continue;
                        case CommandOps.Run:
                            break;
                        default:
                            await output.WriteAsync(CommandReply.Error($"unknown op '{request.Op}'; use run, palettes or cancel"), ct);
                            await output.WriteAsync(CommandReply.End(ExitCodes.Usage), ct);
                            continue;
                    }

                    // Run the command while listening for a cancel (or the client going away).
                    using var running = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    var run = RunAsync(request, output, peer, running.Token);
                    while (!run.IsCompleted)
                    {
                        nextLine ??= reader.ReadLineAsync(ct);
                        if (await Task.WhenAny(run, nextLine) == run) break;
                        var next = await nextLine;
                        if (next is null)
                        {
                            await running.CancelAsync();
                            await run;
                            return;
                        }
                        if (IsCancel(next))
                        {
                            nextLine = null;
                            await running.CancelAsync();
                            continue;
                        }
                        // Another request: it waits (in nextLine) until this one has ended.
                        await run;
                    }
                    await output.WriteAsync(CommandReply.End(await run), ct);
                }
            }
            catch (TimeoutException e)
            {
                _log.LogInformation("Command connection from {Peer} dropped: {Message}", peer, e.Message);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or InvalidDataException or ObjectDisposedException or AuthenticationException)
            {
                _log.LogDebug("Command connection from {Peer} ended: {Message}", peer, e.Message);
            }
            finally
            {
                if (stream is SslStream) await stream.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// A TLS connection starts with a handshake record (0x16): served over TLS. Anything else is a plain-text client
    /// (an older spoolctl, or one connecting to a loopback address that probes with hello first): it is answered
    /// <c>tls-required</c> after its first line and closed, nothing of it is run. Null when the connection is done.
    /// </summary>
    private async Task<Stream?> SecureAsync(TcpClient client, Stream stream, X509Certificate2 certificate, string peer, CancellationToken ct)
    {
        using var handshake = CancellationTokenSource.CreateLinkedTokenSource(ct);
        handshake.CancelAfter(CommandHostTls.HandshakeTimeout);
        var first = new byte[1];
        if (await client.Client.ReceiveAsync(first, SocketFlags.Peek, handshake.Token) == 0) return null;
        if (first[0] != TlsHandshakeRecord)
        {
            await new CommandRequestReader(stream, _requestTimeout).ReadLineAsync(handshake.Token);
            await new ConnectionOutput(stream).WriteAsync(new CommandReply
            {
                Kind = ReplyKinds.TlsRequired,
                Text = $"the command host on {_options.CommandHost} speaks TLS only",
            }, handshake.Token);
            client.Client.Shutdown(SocketShutdown.Send);
            _log.LogDebug("Plain-text command connection from {Peer} told to use TLS", peer);
            return null;
        }
        var tls = new SslStream(stream, leaveInnerStreamOpen: false);
        try
        {
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate }, handshake.Token);
            return tls;
        }
        catch
        {
            await tls.DisposeAsync();
            throw;
        }
    }

    private const byte TlsHandshakeRecord = 0x16;

    private static bool IsCancel(string line) =>
        CommandRequestReader.TryParse(line, out var request, out _) && request.Op == CommandOps.Cancel;

    /// <summary>Runs one request; returns its exit code. Every error becomes an <c>err</c> line.</summary>
    public async Task<int> RunAsync(CommandRequest request, ICommandOutput output, string peer, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.Palette) || !_palettes.TryGetValue(request.Palette, out var palette))
        {
            var what = string.IsNullOrWhiteSpace(request.Palette) ? "no palette given" : $"unknown palette '{request.Palette}'";
            await output.WriteAsync(CommandReply.Error($"{what}; palettes: {string.Join(", ", Palettes.Select(p => p.Name))}"), ct);
            return ExitCodes.Usage;
        }
        var definition = palette.Definition;
        var verb = string.IsNullOrWhiteSpace(request.Verb) ? null : definition.FindVerb(request.Verb);
        if (verb is null)
        {
            var what = string.IsNullOrWhiteSpace(request.Verb) ? "no verb given" : $"unknown verb '{request.Verb}'";
            await output.WriteAsync(CommandReply.Error($"{definition.Name}: {what}; verbs: {string.Join(", ", definition.Verbs.Select(v => v.Name))}"), ct);
            return ExitCodes.Usage;
        }
        if (!ArgumentParser.TryValidate(definition.Name, verb, request.Args, out var args, out var argumentError))
        {
            await output.WriteAsync(CommandReply.Error(argumentError!), ct);
            return ExitCodes.Usage;
        }
        if (verb.ChangesState && !TokenMatches(request.Token))
        {
            _log.LogWarning("spoolctl: {Palette} {Verb} from {Peer} refused: {Reason}", definition.Name, verb.Name, peer, request.Token is null ? "no token" : "wrong token");
            await output.WriteAsync(CommandReply.Error(
                $"{definition.Name} {verb.Name} changes the system and this node requires its command token: " +
                (string.IsNullOrEmpty(request.Token) ? "none was given (spoolctl --token or SPOOLCTL_TOKEN)" : "the token given is wrong")), ct);
            return ExitCodes.Unauthorized;
        }
        if (verb.ChangesState)
        {
            _log.LogInformation("spoolctl: {Palette} {Verb} {Args} from {Peer}", definition.Name, verb.Name,
                string.Join(" ", args.Select(a => $"{a.Key}={string.Join(",", a.Value)}")), peer);
        }

        var context = new CommandContext(definition.Name, verb, args, request.Json, output);
        try
        {
            await palette.ExecuteAsync(context, ct);
            return context.ExitCode;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            if (verb.Streams) return ExitCodes.Ok; // a tail ends when the operator stops it
            await TryWriteAsync(output, CommandReply.Error($"{definition.Name} {verb.Name}: canceled"));
            return ExitCodes.Interrupted;
        }
        catch (CommandException e)
        {
            await output.WriteAsync(CommandReply.Error(e.Message), ct);
            return e.ExitCode;
        }
        catch (Exception e) when (e is TimeoutException or AskTimeoutException or TaskCanceledException)
        {
            await output.WriteAsync(CommandReply.Error($"{definition.Name} {verb.Name}: no answer in time: {e.Message}"), ct);
            return ExitCodes.Failed;
        }
        catch (Exception e) when (e is not IOException)
        {
            _log.LogWarning(e, "spoolctl: {Palette} {Verb} failed", definition.Name, verb.Name);
            await output.WriteAsync(CommandReply.Error($"{definition.Name} {verb.Name} failed: {e.GetType().Name}: {e.Message}"), ct);
            return ExitCodes.Failed;
        }
    }

    private static async Task TryWriteAsync(ICommandOutput output, CommandReply reply)
    {
        try
        {
            await output.WriteAsync(reply, CancellationToken.None);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
        {
        }
    }

    private bool TokenMatches(string? given) =>
        _token is null || (given is not null && CryptographicOperations.FixedTimeEquals(_token, Encoding.UTF8.GetBytes(given)));

    /// <summary>Serializes replies onto the connection, one JSON line each, safe for concurrent writers.</summary>
    private sealed class ConnectionOutput(Stream stream) : ICommandOutput
    {
        private readonly SemaphoreSlim _gate = new(1, 1);

        public async ValueTask WriteAsync(CommandReply reply, CancellationToken ct)
        {
            var bytes = Encoding.UTF8.GetBytes(CommandWire.Serialize(reply) + "\n");
            await _gate.WaitAsync(CancellationToken.None);
            try
            {
                await stream.WriteAsync(bytes, ct);
                await stream.FlushAsync(ct);
            }
            finally
            {
                _gate.Release();
            }
        }
    }
}
