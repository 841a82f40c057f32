using System.IO.Pipelines;
using ActorSpool.Node.Security;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace ActorSpool.Node.Hosting;

/// <summary>
/// One port for ipp:// and ipps://, as CUPS serves both on 631: a connection whose first byte opens a TLS handshake
/// record (0x16) goes through Kestrel's own HTTPS middleware (so <c>HttpRequest.IsHttps</c> is true), any other is
/// plain HTTP.
/// </summary>
public static class TlsOrPlainConnections
{
    /// <summary>The TLS record content type "handshake" (RFC 8446 §5.1): every ClientHello starts with it; no HTTP method does.</summary>
    public const byte TlsHandshakeRecord = 0x16;

    public static ListenOptions UseTlsOrPlain(this ListenOptions listen, NodeCertificate certificate, TimeSpan firstByteTimeout)
    {
        // IPP is HTTP/1.1 (RFC 8010); ALPN offers nothing else.
        listen.Protocols = HttpProtocols.Http1;

        // IConnectionBuilder.Build wraps the middleware in reverse order: the last Use sees the HTTP handler first and
        // keeps it as the plain path, the HTTPS middleware wraps it (with what answers an upgrade request once TLS is
        // up in between), and the sniffer, outermost, picks one of the two.
        ConnectionDelegate? plain = null;
        listen.Use(next => SniffFirstByte(next, () => plain!, firstByteTimeout));
        listen.UseHttps(new HttpsConnectionAdapterOptions
        {
            ServerCertificate = certificate.Certificate,
            ServerCertificateChain = certificate.Chain,
            ClientCertificateMode = ClientCertificateMode.NoCertificate,
            HandshakeTimeout = TimeSpan.FromSeconds(10),
        });
        listen.Use(next => AnswerUpgradeRequest(next));
        listen.Use(next => plain = next);
        return listen;
    }

    private static ConnectionDelegate SniffFirstByte(ConnectionDelegate tls, Func<ConnectionDelegate> plain, TimeSpan firstByteTimeout) => async connection =>
    {
        var input = connection.Transport.Input;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed);
        timeout.CancelAfter(firstByteTimeout);
        try
        {
            var read = await input.ReadAsync(timeout.Token);
            if (read.Buffer.IsEmpty)
            {
                input.AdvanceTo(read.Buffer.Start);
                return; // closed before sending anything
            }
            var first = read.Buffer.FirstSpan[0];
            input.AdvanceTo(read.Buffer.Start); // consume nothing: the chosen path reads the same bytes again
            if (first == TlsHandshakeRecord)
            {
                await tls(connection);
            }
            else if (first == (byte)'O' && await UpgradedToTlsAsync(connection, timeout.Token))
            {
                await tls(connection);
            }
            else
            {
                await plain()(connection);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            // silent past the keep-alive timeout, or gone: Kestrel closes the connection
        }
    };

    /// <summary>
    /// RFC 2817 §3.2: <c>OPTIONS * HTTP/1.1</c> with <c>Connection: Upgrade</c> and <c>Upgrade: TLS/1.x</c> is how
    /// CUPS clients ask for encryption on an ipp:// port (lp -E, ipptool -E, client.conf "Encryption Required"):
    /// answered 101 Switching Protocols, after which the client starts the TLS handshake. Any other request is
    /// left unread for Kestrel.
    /// </summary>
    private static async Task<bool> UpgradedToTlsAsync(ConnectionContext connection, CancellationToken ct)
    {
        var input = connection.Transport.Input;
        while (true)
        {
            var read = await input.ReadAsync(ct);
            var buffer = read.Buffer;
            var head = TlsUpgradeRequest.Parse(buffer, out var length);
            if (head == TlsUpgradeRequest.Result.NeedMore && !read.IsCompleted)
            {
                input.AdvanceTo(buffer.Start, buffer.End); // seen it all, wait for more
                continue;
            }
            if (head != TlsUpgradeRequest.Result.Upgrade)
            {
                input.AdvanceTo(buffer.Start); // not an upgrade: Kestrel reads it all again
                return false;
            }
            input.AdvanceTo(buffer.GetPosition(length));
            await connection.Transport.Output.WriteAsync(TlsUpgradeRequest.SwitchingProtocols, ct);
            connection.Features.Set(UpgradedFeature.Instance);
            return true;
        }
    }

    /// <summary>RFC 2817 §3.3: once TLS is up, the server answers the OPTIONS request that asked for it (the client waits for it).</summary>
    private static ConnectionDelegate AnswerUpgradeRequest(ConnectionDelegate next) => async connection =>
    {
        if (connection.Features.Get<UpgradedFeature>() is not null)
        {
            await connection.Transport.Output.WriteAsync(TlsUpgradeRequest.OptionsAnswer, connection.ConnectionClosed);
        }
        await next(connection);
    };

    /// <summary>Marks a connection that came in plain and was upgraded to TLS.</summary>
    private sealed class UpgradedFeature
    {
        public static readonly UpgradedFeature Instance = new();
    }
}
