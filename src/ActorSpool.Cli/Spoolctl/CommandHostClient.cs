using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using ActorSpool.Contracts.Spoolctl;

namespace ActorSpool.Cli.Spoolctl;

/// <summary>The node could not be reached (or the connection was lost): one line for the operator.</summary>
public sealed class CommandHostUnreachableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A connection to a node's command host speaking <see cref="CommandWire"/>.</summary>
public sealed class CommandHostClient : IAsyncDisposable
{
    /// <summary>How long to wait for the node's end marker after asking it to cancel.</summary>
    private static readonly TimeSpan CancelGrace = TimeSpan.FromSeconds(5);

    private readonly TcpClient _tcp;
    private readonly StreamReader _reader;
    private readonly Stream _stream;
    private readonly SemaphoreSlim _writeGate = new(1, 1);

    private CommandHostClient(NodeEndpoint endpoint, TcpClient tcp, Stream stream)
    {
        Endpoint = endpoint;
        _tcp = tcp;
        _stream = stream;
        _reader = new StreamReader(_stream, new UTF8Encoding(false));
    }

    public NodeEndpoint Endpoint { get; }

    /// <summary>Whether the connection is TLS (the node's command host is bound to a non-loopback address).</summary>
    public bool IsTls => _stream is SslStream;

    /// <summary>
    /// Connects to the command host. To a non-loopback address with TLS at once; to a loopback one in plain text,
    /// probing with <c>hello</c>: a node bound to all addresses answers <c>tls-required</c>, and the client
    /// connects again with TLS. The node's certificate is checked against <paramref name="knownNodes"/> (pinned on
    /// first use, a note on <paramref name="notices"/>; a changed one is refused).
    /// </summary>
    public static async Task<CommandHostClient> ConnectAsync(NodeEndpoint endpoint, TimeSpan timeout, CancellationToken ct,
        KnownNodes? knownNodes = null, TextWriter? notices = null)
    {
        knownNodes ??= KnownNodes.Default();
        notices ??= Console.Error;
        if (!Loopback.Is(endpoint.Host)) return await ConnectTlsAsync(endpoint, timeout, knownNodes, notices, ct);

        var tcp = await ConnectTcpAsync(endpoint, timeout, ct);
        var client = new CommandHostClient(endpoint, tcp, tcp.GetStream());
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        try
        {
            await client.SendAsync(new CommandRequest { Op = CommandOps.Hello }, limit.Token);
            var line = await client._reader.ReadLineAsync(limit.Token)
                       ?? throw new CommandHostUnreachableException($"the command host at {endpoint} closed the connection");
            var reply = CommandWire.Deserialize<CommandReply>(line);
            if (reply?.Kind == ReplyKinds.End) return client;
            await client.DisposeAsync();
            if (reply?.Kind == ReplyKinds.TlsRequired) return await ConnectTlsAsync(endpoint, timeout, knownNodes, notices, ct);
            throw new CommandHostUnreachableException($"the command host at {endpoint} answered hello with '{line}'");
        }
        catch (Exception e) when (e is IOException or SocketException or System.Text.Json.JsonException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            await client.DisposeAsync();
            throw new CommandHostUnreachableException($"cannot talk to the command host at {endpoint}: {e.Message}", e);
        }
    }

    private static async Task<CommandHostClient> ConnectTlsAsync(NodeEndpoint endpoint, TimeSpan timeout, KnownNodes knownNodes, TextWriter notices, CancellationToken ct)
    {
        var tcp = await ConnectTcpAsync(endpoint, timeout, ct);
        var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
        var node = endpoint.ToString();
        string? fingerprint = null;
        PinCheck? check = null;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = endpoint.Host,
                // Self-signed: no CA vouches for it, so the pin does (as ssh's known_hosts).
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    if (certificate is null) return false;
                    fingerprint = CertificateFingerprint.Sha256(certificate);
                    check = knownNodes.Check(node, fingerprint);
                    return check.Status != PinStatus.Changed;
                },
            }, limit.Token);
        }
        catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            await tls.DisposeAsync();
            tcp.Dispose();
            if (check is { Status: PinStatus.Changed }) throw new CommandHostUnreachableException(knownNodes.ChangedMessage(node, fingerprint!, check), e);
            throw new CommandHostUnreachableException($"TLS with the command host at {endpoint} failed: {e.Message}", e);
        }
        if (check is { Status: PinStatus.Unknown })
        {
            knownNodes.Add(node, fingerprint!);
            await notices.WriteLineAsync($"spoolctl: pinned the certificate of the command host at {node} (SHA-256 {fingerprint}) in {knownNodes.Path}; " +
                                         "the node logs the same fingerprint at start-up");
        }
        return new CommandHostClient(endpoint, tcp, tls);
    }

    private static async Task<TcpClient> ConnectTcpAsync(NodeEndpoint endpoint, TimeSpan timeout, CancellationToken ct)
    {
        var tcp = new TcpClient { NoDelay = true };
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        try
        {
            await tcp.ConnectAsync(endpoint.Host, endpoint.Port, limit.Token);
            return tcp;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            tcp.Dispose();
            throw new CommandHostUnreachableException($"cannot reach the command host at {endpoint}: no answer within {timeout.TotalSeconds:0} s");
        }
        catch (SocketException e)
        {
            tcp.Dispose();
            throw new CommandHostUnreachableException($"cannot reach the command host at {endpoint}: {e.Message} (is the node running? its log says \"Command host listening on ...\")", e);
        }
    }

    public async Task<PaletteDefinition[]> GetPalettesAsync(CancellationToken ct)
    {
        PaletteDefinition[]? palettes = null;
        var errors = new List<string>();
        var code = await RunAsync(new CommandRequest { Op = CommandOps.Palettes }, reply =>
        {
            if (reply.Kind == ReplyKinds.Palettes) palettes = reply.Palettes;
            if (reply.Kind == ReplyKinds.Error && reply.Text is { } text) errors.Add(text);
            return ValueTask.CompletedTask;
        }, ct);
        return code == ExitCodes.Ok && palettes is not null
            ? palettes
            : throw new CommandHostUnreachableException($"the command host at {Endpoint} sent no palettes: {string.Join("; ", errors)}");
    }

    /// <summary>
    /// Sends a request and hands every reply but the end marker to <paramref name="onReply"/>; returns the end
    /// marker's exit code. Cancelling <paramref name="ct"/> asks the node to stop the command and still waits
    /// (briefly) for its end marker.
    /// </summary>
    public async Task<int> RunAsync(CommandRequest request, Func<CommandReply, ValueTask> onReply, CancellationToken ct)
    {
        await SendAsync(request, CancellationToken.None);
        using var readLimit = new CancellationTokenSource();
        await using var onCancel = ct.Register(() =>
        {
            _ = SendCancelAsync();
            readLimit.CancelAfter(CancelGrace);
        });
        try
        {
            while (true)
            {
                var line = await _reader.ReadLineAsync(readLimit.Token)
                           ?? throw new CommandHostUnreachableException($"the command host at {Endpoint} closed the connection");
                if (string.IsNullOrWhiteSpace(line)) continue;
                var reply = CommandWire.Deserialize<CommandReply>(line)
                            ?? throw new CommandHostUnreachableException($"the command host at {Endpoint} sent an empty reply");
                if (reply.Kind == ReplyKinds.End) return reply.Code ?? ExitCodes.Failed;
                await onReply(reply);
            }
        }
        catch (OperationCanceledException) when (readLimit.IsCancellationRequested)
        {
            return ExitCodes.Interrupted;
        }
        catch (Exception e) when (e is IOException or SocketException or System.Text.Json.JsonException)
        {
            throw new CommandHostUnreachableException($"lost the connection to the command host at {Endpoint}: {e.Message}", e);
        }
    }

    private async Task SendCancelAsync()
    {
        try
        {
            await SendAsync(new CommandRequest { Op = CommandOps.Cancel }, CancellationToken.None);
        }
        catch (CommandHostUnreachableException)
        {
            // The read loop reports the lost connection.
        }
    }

    private async Task SendAsync(CommandRequest request, CancellationToken ct)
    {
        var bytes = Encoding.UTF8.GetBytes(CommandWire.Serialize(request) + "\n");
        await _writeGate.WaitAsync(ct);
        try
        {
            await _stream.WriteAsync(bytes, ct);
            await _stream.FlushAsync(ct);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            throw new CommandHostUnreachableException($"lost the connection to the command host at {Endpoint}: {e.Message}", e);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _reader.Dispose();
        await _stream.DisposeAsync();
        _tcp.Dispose();
    }
}
