using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ActorSpool.Node.Security;

/// <summary>The certificate the IPP port serves ipps:// with, and the intermediates sent along with it.</summary>
public sealed record NodeCertificate(X509Certificate2 Certificate, X509Certificate2Collection Chain, string Source)
{
    /// <summary>Where the self-signed certificate lives, relative to the data directory.</summary>
    public const string SelfSignedDirectory = "tls";
    public const string SelfSignedCertificateFile = "node.crt";
    public const string SelfSignedKeyFile = "node.key";

    /// <summary>
    /// The configured PEM pair when <paramref name="certificateFile"/> is given, else the data directory's self-signed
    /// one (made on first start). <see cref="CertificateFileException"/> names the file that cannot be used.
    /// </summary>
    public static NodeCertificate Load(string certificateFile, string keyFile, string dataDirectory, string hostname, TimeProvider time)
    {
        if (certificateFile.Length == 0 && keyFile.Length == 0) return SelfSigned(dataDirectory, hostname, time);
        if (certificateFile.Length == 0 || keyFile.Length == 0)
        {
            throw new CertificateFileException("give both the TLS certificate (actorspool.tls.certificate, --tls-cert) and its key (actorspool.tls.key, --tls-key), or neither for a self-signed one");
        }
        return FromPem(certificateFile, keyFile, time);
    }

    /// <summary>A certificate (optionally followed by its intermediates) and its private key, both PEM.</summary>
    public static NodeCertificate FromPem(string certificateFile, string keyFile, TimeProvider time)
    {
        Readable(certificateFile, "certificate");
        Readable(keyFile, "key");
        X509Certificate2 withKey;
        var chain = new X509Certificate2Collection();
        try
        {
            chain.ImportFromPemFile(certificateFile);
        }
        catch (CryptographicException e)
        {
            throw new CertificateFileException($"the TLS certificate {Path.GetFullPath(certificateFile)} is not a PEM certificate: {e.Message}", e);
        }
        if (chain.Count == 0) throw new CertificateFileException($"the TLS certificate {Path.GetFullPath(certificateFile)} holds no PEM certificate");
        try
        {
            withKey = X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw new CertificateFileException($"the TLS key {Path.GetFullPath(keyFile)} is not an unencrypted PEM private key of the certificate {Path.GetFullPath(certificateFile)}: {e.Message}", e);
        }
        var now = time.GetUtcNow();
        if (withKey.NotAfter.ToUniversalTime() < now.UtcDateTime)
        {
            throw new CertificateFileException($"the TLS certificate {Path.GetFullPath(certificateFile)} expired on {withKey.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC");
        }
        chain.RemoveAt(0); // the leaf: what follows it are the intermediates
        return new NodeCertificate(Usable(withKey), chain, Path.GetFullPath(certificateFile));
    }

    /// <summary>
    /// data/tls/node.crt and node.key: made on the first start for <paramref name="hostname"/> (plus localhost and the
    /// loopback addresses), reused after, and made again when they expired or no longer name the hostname.
    /// </summary>
    public static NodeCertificate SelfSigned(string dataDirectory, string hostname, TimeProvider time)
    {
        var directory = Path.Combine(dataDirectory, SelfSignedDirectory);
        var certificateFile = Path.Combine(directory, SelfSignedCertificateFile);
        var keyFile = Path.Combine(directory, SelfSignedKeyFile);
        if (File.Exists(certificateFile) && File.Exists(keyFile))
        {
            var kept = FromPem(certificateFile, keyFile, time);
            if (kept.Certificate.MatchesHostname(hostname, allowWildcards: false) && kept.Certificate.NotAfter.ToUniversalTime() > time.GetUtcNow().UtcDateTime.AddDays(1))
                return kept;
        }

        Directory.CreateDirectory(directory);
        using (var made = SelfSignedCertificate.Create(hostname, time.GetUtcNow()))
            SelfSignedCertificate.Write(made, certificateFile, keyFile);
        return new NodeCertificate(SelfSignedCertificate.Load(certificateFile, keyFile), [], Path.GetFullPath(certificateFile));
    }

    private static void Readable(string file, string what)
    {
        if (!File.Exists(file))
        {
            throw new CertificateFileException($"the TLS {what} file {Path.GetFullPath(file)} does not exist");
        }
    }

    // Key material from PEM is ephemeral; a PKCS#12 round trip gives a key SslStream can use on every platform.
    private static X509Certificate2 Usable(X509Certificate2 certificate)
    {
        using (certificate)
        {
            return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
        }
    }
}

/// <summary>A TLS certificate or key file that cannot be used; the message names it.</summary>
public sealed class CertificateFileException(string message, Exception? inner = null) : Exception(message, inner);
