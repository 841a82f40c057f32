using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ActorSpool.Contracts.Spoolctl;

/// <summary>
/// A certificate's SHA-256 fingerprint as OpenSSL prints it (<c>openssl x509 -noout -fingerprint -sha256</c>):
/// upper-case hex pairs joined by colons, so an operator can compare spoolctl's known_nodes with the node's file.
/// </summary>
public static class CertificateFingerprint
{
    public static string Sha256(X509Certificate certificate) => Format(SHA256.HashData(certificate.GetRawCertData()));

    public static string Format(ReadOnlySpan<byte> hash) => string.Join(':', hash.ToArray().Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>Compares fingerprints ignoring case and separators (a pasted <c>ab:cd…</c> or <c>ABCD…</c> matches).</summary>
    public static bool SameAs(string a, string b) => Normalize(a) == Normalize(b);

    private static string Normalize(string fingerprint) => fingerprint.Replace(":", "", StringComparison.Ordinal).Trim().ToUpperInvariant();
}
