using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ActorSpool.Protocols.IppDelivery;

/// <summary>How an ipps:// printer's certificate is checked (actorspool.tls.printer-certificates).</summary>
public enum PrinterCertificateMode
{
    /// <summary>Trust on first use, as ssh does: the first certificate a printer presents is remembered, a different one later is refused.</summary>
    Pin,

    /// <summary>The platform's validation: a CA the machine trusts, the name in the URI, not expired.</summary>
    Verify,

    /// <summary>Any certificate (encryption without knowing who is at the other end).</summary>
    Any,
}

/// <summary>A printer's certificate differs from the one pinned for its host:port.</summary>
public sealed class PrinterCertificateChangedException(string message) : AuthenticationException(message);

/// <summary>
/// Checks printers' TLS certificates. Pins are the SHA-256 of each printer's certificate by host:port, kept in
/// <see cref="PinsFile"/> (one "host:port sha256" per line, 0600), so they survive restarts.
/// </summary>
public sealed class PrinterCertificatePolicy
{
    /// <summary>Accepts any certificate (the library's default; the node passes its configured policy).</summary>
    public static readonly PrinterCertificatePolicy AcceptAny = new(PrinterCertificateMode.Any, null);

    private readonly Lock _gate = new();
    private Dictionary<string, string>? _pins;

    public PrinterCertificatePolicy(PrinterCertificateMode mode, string? pinsFile)
    {
        if (mode == PrinterCertificateMode.Pin && string.IsNullOrEmpty(pinsFile))
            throw new ArgumentException("pinning needs a file to keep the pins in", nameof(pinsFile));
        Mode = mode;
        PinsFile = pinsFile;
    }

    public PrinterCertificateMode Mode { get; }

    public string? PinsFile { get; }

    public static PrinterCertificateMode ParseMode(string text) => text.Trim().ToLowerInvariant() switch
    {
        "pin" => PrinterCertificateMode.Pin,
        "verify" => PrinterCertificateMode.Verify,
        "any" => PrinterCertificateMode.Any,
        _ => throw new FormatException($"'{text}' is not pin, verify or any"),
    };

    /// <summary>
    /// The TLS validation callback's answer for the printer at <paramref name="host"/>:<paramref name="port"/>; a changed
    /// pinned certificate throws <see cref="PrinterCertificateChangedException"/> so the failure says why.
    /// </summary>
    public bool Check(string host, int port, X509Certificate? certificate, SslPolicyErrors errors)
    {
        switch (Mode)
        {
            case PrinterCertificateMode.Any:
                return true;
            case PrinterCertificateMode.Verify:
                return errors == SslPolicyErrors.None;
        }
        if (certificate is null) return false;
        var endpoint = $"{host.ToLowerInvariant()}:{port}";
        var presented = Convert.ToHexString(SHA256.HashData(certificate.GetRawCertData()));
        lock (_gate)
        {
            _pins ??= Load(PinsFile!);
            if (_pins.TryGetValue(endpoint, out var pinned))
            {
                if (pinned.Equals(presented, StringComparison.OrdinalIgnoreCase)) return true;
                throw new PrinterCertificateChangedException(
                    $"the printer's TLS certificate changed (SHA-256 {presented}; pinned {pinned} for {endpoint} in {Path.GetFullPath(PinsFile!)}): refused. " +
                    "If the device's certificate was replaced on purpose, remove its line from that file.");
            }
            _pins[endpoint] = presented;
            Save(PinsFile!, _pins);
            return true;
        }
    }

    private static Dictionary<string, string> Load(string file)
    {
        var pins = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(file)) return pins;
        foreach (var line in File.ReadAllLines(file))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (parts.Length == 2 && !line.TrimStart().StartsWith('#')) pins[parts[0]] = parts[1];
        }
        return pins;
    }

    private static void Save(string file, Dictionary<string, string> pins)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(file))!;
        Directory.CreateDirectory(directory);
        var temporary = file + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var writer = new StreamWriter(new FileStream(temporary, options)))
        {
            writer.WriteLine("# ipps:// printers' certificates, pinned on first use: host:port SHA-256. Remove a line to trust a replaced certificate.");
            foreach (var (endpoint, hash) in pins.OrderBy(p => p.Key, StringComparer.Ordinal)) writer.WriteLine($"{endpoint} {hash}");
        }
        File.Move(temporary, file, overwrite: true);
    }
}
