using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ActorSpool.Node.Hosting;

namespace ActorSpool.Node.Security;

/// <summary><c>actorspool.remoting.tls</c>: on, off, or auto (on when <c>--hostname</c> is not a loopback address).</summary>
public enum RemotingTlsMode
{
    Auto,
    On,
    Off,
}

/// <summary>How Akka remoting is protected (flags, ACTORSPOOL_REMOTING_* and <c>actorspool.remoting</c>; docs/security.md).</summary>
public sealed record RemotingSecurityOptions
{
    public RemotingTlsMode Tls { get; init; } = RemotingTlsMode.Auto;

    /// <summary>The cluster certificate every node has: PKCS#12 (.pfx/.p12) or PEM; empty = none.</summary>
    public string Certificate { get; init; } = "";

    /// <summary>The PEM private key when it is not in <see cref="Certificate"/>'s file.</summary>
    public string Key { get; init; } = "";

    /// <summary>Password of a PKCS#12 file or an encrypted PEM key (environment or file only, never a flag).</summary>
    public string? CertificatePassword { get; init; }

    /// <summary>--insecure-remoting: plain remoting on a non-loopback hostname, on the operator's word that the network is private.</summary>
    public bool Insecure { get; init; }
}

/// <summary>
/// Decides whether Akka remoting runs with mutual TLS and loads the cluster certificate. With TLS every node
/// presents the cluster certificate and accepts a peer only if it presents that same certificate (pinned by its
/// SHA-256 thumbprint): a process without it can neither join nor talk to a member.
/// </summary>
public static class RemotingSecurity
{
    /// <summary>The cluster certificate when remoting must use TLS; null for plain remoting. <paramref name="warning"/>: say it at start-up.</summary>
    public static X509Certificate2? Resolve(RemotingSecurityOptions options, string hostname, out string? warning)
    {
        warning = null;
        var loopback = ControlPlane.IsLoopback(hostname);
        var wanted = options.Tls == RemotingTlsMode.On || (options.Tls == RemotingTlsMode.Auto && !loopback);
        var insecure = $"Akka remoting on {hostname} is neither encrypted nor authenticated (--insecure-remoting): any machine that reaches its port can join the cluster";
        if (!wanted)
        {
            if (loopback) return null;
            if (!options.Insecure)
            {
                throw new StartupException($"--hostname {hostname} is not a loopback address and actorspool.remoting.tls = off: other machines could join the cluster. " +
                                           "Turn TLS on (auto or on, with --remoting-certificate) or say --insecure-remoting (ACTORSPOOL_INSECURE_REMOTING=on) for a private network");
            }
            warning = insecure;
            return null;
        }
        if (options.Certificate.Length == 0)
        {
            if (options.Insecure && options.Tls == RemotingTlsMode.Auto)
            {
                warning = insecure;
                return null;
            }
            throw new StartupException(
                $"Akka remoting on {hostname} needs TLS: give every node the cluster certificate with --remoting-certificate FILE " +
                "(ACTORSPOOL_REMOTING_CERTIFICATE, actorspool.remoting.certificate; docs/security.md shows how to make one), " +
                (options.Tls == RemotingTlsMode.On ? "or set actorspool.remoting.tls = auto" : "or say --insecure-remoting (ACTORSPOOL_INSECURE_REMOTING=on) for a private network"));
        }
        return Load(options);
    }

    /// <summary>The cluster certificate with its private key, from a PKCS#12 file or PEM files.</summary>
    public static X509Certificate2 Load(RemotingSecurityOptions options)
    {
        try
        {
            var path = options.Certificate;
            var certificate = Path.GetExtension(path).ToLowerInvariant() is ".pfx" or ".p12"
                ? X509CertificateLoader.LoadPkcs12FromFile(path, options.CertificatePassword, X509KeyStorageFlags.Exportable)
                : LoadPem(path, options.Key.Length > 0 ? options.Key : path, options.CertificatePassword);
            if (!certificate.HasPrivateKey)
            {
                throw new StartupException($"the cluster certificate {path} (--remoting-certificate) has no private key: give the key too (--remoting-key or in the same file)");
            }
            return certificate;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new StartupException($"cannot read the cluster certificate {options.Certificate} (--remoting-certificate): {e.Message}", e);
        }
    }

    private static X509Certificate2 LoadPem(string certificatePath, string keyPath, string? password)
    {
        using var pem = string.IsNullOrEmpty(password)
            ? X509Certificate2.CreateFromPemFile(certificatePath, keyPath)
            : X509Certificate2.CreateFromEncryptedPemFile(certificatePath, password, keyPath);
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null); // a key TLS can use on every platform
    }
}
