using System.Security.Cryptography.X509Certificates;

namespace ActorSpool.Node.Management;

/// <summary>The command host's certificate: set when it listens on a non-loopback address and then speaks TLS only; null = plain text (loopback).</summary>
public sealed record CommandHostTls(X509Certificate2? Certificate)
{
    public static readonly CommandHostTls None = new((X509Certificate2?)null);

    /// <summary>Bounds the wait for a new connection's first byte and TLS handshake.</summary>
    public static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);
}
