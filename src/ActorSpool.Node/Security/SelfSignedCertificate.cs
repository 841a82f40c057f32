using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ActorSpool.Node.Security;

/// <summary>
/// A node's own certificate, kept in its data directory as two PEM files (certificate and private key): made
/// self-signed for the node's hostname on first start, read back on every later start so clients that pinned it
/// (spoolctl's known_nodes) keep trusting it. The key file is created 0600 from the start, never readable by others
/// even for a moment. An operator may replace both files with a certificate of their own.
/// </summary>
public static class SelfSignedCertificate
{
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>How long a made certificate is valid: pinned certificates are not renewed by a CA, so long.</summary>
    public static readonly TimeSpan Validity = TimeSpan.FromDays(3650);

    /// <summary>
    /// The certificate in <paramref name="certificatePath"/> with its key in <paramref name="keyPath"/>; made for
    /// <paramref name="hostname"/> (and localhost) when neither file exists. <paramref name="made"/> tells which.
    /// </summary>
    public static X509Certificate2 LoadOrCreate(string certificatePath, string keyPath, string hostname, out bool made)
    {
        made = false;
        if (!File.Exists(certificatePath) || !File.Exists(keyPath))
        {
            if (File.Exists(certificatePath) != File.Exists(keyPath))
            {
                throw new IOException($"{(File.Exists(certificatePath) ? keyPath : certificatePath)} is missing beside {(File.Exists(certificatePath) ? certificatePath : keyPath)}: " +
                                      "remove the other file too to have a new certificate made, or restore it");
            }
            Write(Create(hostname), certificatePath, keyPath);
            made = true;
        }
        return Load(certificatePath, keyPath);
    }

    /// <summary>
    /// A new self-signed ECDSA P-256 certificate for <paramref name="hostname"/>, localhost and the loopback addresses,
    /// for servers and clients.
    /// </summary>
    public static X509Certificate2 Create(string hostname, DateTimeOffset? now = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={Escape(hostname)}"), key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        foreach (var name in new[] { hostname, "localhost" }.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            if (IPAddress.TryParse(name, out var address)) names.AddIpAddress(address);
            else names.AddDnsName(name);
        }
        // Clients on the node's own machine reach it by loopback address too (ipptool, lp -h 127.0.0.1).
        if (!hostname.Equals("127.0.0.1", StringComparison.Ordinal)) names.AddIpAddress(IPAddress.Loopback);
        if (!hostname.Equals("::1", StringComparison.Ordinal)) names.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false)); // server and client authentication
        var start = (now ?? DateTimeOffset.UtcNow).AddMinutes(-5); // clocks of the client a little behind
        return request.CreateSelfSigned(start, start + Validity);
    }

    /// <summary>PEM certificate and key (PKCS#8); the key file is 0600 from its creation.</summary>
    public static void Write(X509Certificate2 certificate, string certificatePath, string keyPath)
    {
        var key = certificate.GetECDsaPrivateKey() ?? (AsymmetricAlgorithm?)certificate.GetRSAPrivateKey()
                  ?? throw new ArgumentException("the certificate has no private key", nameof(certificate));
        WritePrivate(keyPath, key.ExportPkcs8PrivateKeyPem());
        WritePrivate(certificatePath, certificate.ExportCertificatePem());
    }

    /// <summary>
    /// A PEM certificate and key. Re-imported through PKCS#12 so the key works for TLS on every platform (an
    /// ephemeral PEM key does not on Windows).
    /// </summary>
    public static X509Certificate2 Load(string certificatePath, string keyPath)
    {
        using var pem = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    private static void WritePrivate(string path, string text)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = PrivateFile;
        using var stream = new FileStream(path, options);
        using var writer = new StreamWriter(stream);
        writer.Write(text);
    }

    private static string Escape(string name) => name.Replace("\\", "\\\\").Replace(",", "\\,").Replace("+", "\\+").Replace("=", "\\=").Replace("\"", "\\\"");
}
