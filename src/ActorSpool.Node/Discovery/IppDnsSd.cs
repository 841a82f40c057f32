using System.Net;
using System.Text;
using ActorSpool.Node.Ingress.Ipp;
using C = ActorSpool.Node.Ingress.Ipp.IppCapabilities;

namespace ActorSpool.Node.Discovery;

/// <summary>What the TXT record says about the node a queue is advertised from.</summary>
/// <param name="IppPort">The IPP port (ipp:// and ipps:// share it).</param>
/// <param name="WebAuthority">host:port of the queue pages (adminurl, as printer-more-info).</param>
/// <param name="TlsOffered">The IPP port also serves ipps://: _ipps._tcp is advertised too, with TLS=1.2.</param>
/// <param name="LoginRequired">Every IPP request must log in (air=username,password).</param>
public sealed record DnsSdNode(int IppPort, string WebAuthority, bool TlsOffered, bool LoginRequired);

/// <summary>One DNS-SD service instance: what avahi's EntryGroup.AddService and AddServiceSubtype are given.</summary>
public sealed record DnsSdService(string Name, string Type, IReadOnlyList<string> Subtypes, int Port, IReadOnlyList<string> Txt)
{
    public bool SameAs(DnsSdService other) =>
        Name == other.Name && Type == other.Type && Port == other.Port && Subtypes.SequenceEqual(other.Subtypes) && Txt.SequenceEqual(other.Txt);
}

/// <summary>
/// A queue as an IPP Everywhere printer in DNS-SD (PWG 5100.14 §4.2, Apple's Bonjour Printing Specification 1.2):
/// _ipp._tcp (and _ipps._tcp with TLS), subtype _print, and the TXT keys that say what Get-Printer-Attributes says.
/// </summary>
public static class IppDnsSd
{
    public const string IppType = "_ipp._tcp";
    public const string IppsType = "_ipps._tcp";

    /// <summary>A DNS label, and so a service instance name, is at most 63 bytes (RFC 6763 §4.1.1).</summary>
    public const int MaxNameBytes = 63;

    /// <summary>One TXT string, key=value, is at most 255 bytes (RFC 6763 §6.1).</summary>
    public const int MaxTxtEntryBytes = 255;

    /// <summary>"queue @ host", as CUPS names its shared printers; the queue part is shortened to fit 63 bytes.</summary>
    public static string ServiceName(string queue, string hostLabel)
    {
        var suffix = $" @ {hostLabel}";
        var room = MaxNameBytes - Encoding.UTF8.GetByteCount(suffix);
        if (room < 1) return Truncate(queue, MaxNameBytes);
        return Truncate(queue, room) + suffix;
    }

    /// <summary>
    /// The host part of the service names: the node's --hostname up to its first dot, or, when it is an IP address
    /// (the default 127.0.0.1), avahi's host name (what the SRV records point at anyway).
    /// </summary>
    public static string HostLabel(string hostname, string avahiHostName)
    {
        var name = IPAddress.TryParse(hostname, out _) || hostname.Length == 0 ? avahiHostName : hostname;
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 ? name[..dot] : name;
    }

    /// <summary>The _ipp._tcp service and, with TLS, the _ipps._tcp one, both with the _print subtype and the same TXT record.</summary>
    public static IReadOnlyList<DnsSdService> Services(string queue, string name, DnsSdNode node)
    {
        var txt = TxtRecord(queue, node);
        var services = new List<DnsSdService> { new(name, IppType, [$"_print._sub.{IppType}"], node.IppPort, txt) };
        if (node.TlsOffered) services.Add(new(name, IppsType, [$"_print._sub.{IppsType}"], node.IppPort, txt));
        return services;
    }

    /// <summary>The TXT record of a queue: each entry key=value, in the order CUPS writes them.</summary>
    public static IReadOnlyList<string> TxtRecord(string queue, DnsSdNode node)
    {
        var path = IppUris.PrintersPath.TrimStart('/') + Uri.EscapeDataString(queue);
        var txt = new List<string>
        {
            "txtvers=1",
            "qtotal=1",
            $"rp={path}",
            $"ty={C.MakeAndModel}",
            $"adminurl=http://{node.WebAuthority}/{path}",
            "note=", // printer-location: queues have none configured
            "priority=0",
            $"product=({C.MakeAndModel})",
            $"pdl={string.Join(',', C.DocumentFormats)}",
            $"UUID={StableUuid.ForQueue(queue)["urn:uuid:".Length..]}",
        };
        if (node.TlsOffered) txt.Add("TLS=1.2");
        txt.Add($"air={(node.LoginRequired ? "username,password" : "none")}");
        txt.Add("kind=document");
        txt.Add($"PaperMax={PaperMax()}");
        if (C.ColorSupported) txt.Add("Color=T");
        if (C.Sides.Any(s => s.StartsWith("two-sided", StringComparison.Ordinal))) txt.Add("Duplex=T");
        foreach (var entry in txt)
        {
            if (Encoding.UTF8.GetByteCount(entry) > MaxTxtEntryBytes)
                throw new ArgumentException($"TXT entry longer than {MaxTxtEntryBytes} bytes: {entry[..40]}...", nameof(queue));
        }
        return txt;
    }

    /// <summary>PaperMax (Bonjour Printing 1.2): the class of the largest media-supported.</summary>
    private static string PaperMax()
    {
        var width = C.Media.Max(m => Math.Min(m.Width, m.Length));
        var length = C.Media.Max(m => Math.Max(m.Width, m.Length));
        // Hundredths of millimetres: legal 215.9x355.6, tabloid 279.4x431.8 / A3 297x420, ISO C2 458x648.
        if (width <= 21590 && length <= 35560) return "legal-A4";
        if (width <= 29700 && length <= 43180) return "tabloid-A3";
        if (width <= 45800 && length <= 64800) return "isoC-A2";
        return ">isoC-A2";
    }

    private static string Truncate(string text, int maxBytes)
    {
        if (Encoding.UTF8.GetByteCount(text) <= maxBytes) return text;
        var builder = new StringBuilder();
        var bytes = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (bytes + rune.Utf8SequenceLength > maxBytes) break;
            bytes += rune.Utf8SequenceLength;
            builder.Append(rune.ToString());
        }
        return builder.ToString();
    }
}
