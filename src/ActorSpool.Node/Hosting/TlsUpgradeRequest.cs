using System.Buffers;
using System.Text;

namespace ActorSpool.Node.Hosting;

/// <summary>Recognises an RFC 2817 upgrade to TLS: <c>OPTIONS * HTTP/1.1</c>, <c>Connection: Upgrade</c>, <c>Upgrade: TLS/1.x</c>.</summary>
public static class TlsUpgradeRequest
{
    public enum Result
    {
        /// <summary>The request head is not complete yet (and could still be an upgrade).</summary>
        NeedMore,

        /// <summary>Some other request: leave it to the HTTP server.</summary>
        Other,

        Upgrade,
    }

    /// <summary>The longest request head looked at; an upgrade request is a few hundred bytes.</summary>
    public const int MaxHeadLength = 8 * 1024;

    public static readonly byte[] SwitchingProtocols =
        Encoding.ASCII.GetBytes("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: TLS/1.2, HTTP/1.1\r\nContent-Length: 0\r\n\r\n");

    /// <summary>The answer to the OPTIONS request itself, sent over TLS once the handshake is done (RFC 2817 §3.3).</summary>
    public static readonly byte[] OptionsAnswer =
        Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nAllow: GET, HEAD, OPTIONS, POST\r\nContent-Length: 0\r\n\r\n");

    private static readonly byte[] RequestLine = Encoding.ASCII.GetBytes("OPTIONS * HTTP/1.1\r\n");
    private static readonly byte[] EndOfHead = "\r\n\r\n"u8.ToArray();

    /// <summary>Whether <paramref name="buffer"/> starts with an upgrade request; <paramref name="length"/> = its head's length.</summary>
    public static Result Parse(ReadOnlySequence<byte> buffer, out long length)
    {
        length = 0;
        var window = buffer.Length > MaxHeadLength ? buffer.Slice(0, MaxHeadLength) : buffer;
        Span<byte> bytes = new byte[window.Length];
        window.CopyTo(bytes);
        var prefix = Math.Min(bytes.Length, RequestLine.Length);
        if (!bytes[..prefix].SequenceEqual(RequestLine.AsSpan(0, prefix))) return Result.Other;
        var end = bytes.IndexOf(EndOfHead);
        if (end < 0) return window.Length < MaxHeadLength ? Result.NeedMore : Result.Other;

        var upgrade = false;
        var connectionUpgrade = false;
        foreach (var line in Encoding.ASCII.GetString(bytes[RequestLine.Length..end]).Split("\r\n"))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0) continue;
            var name = line[..colon].Trim();
            var values = line[(colon + 1)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (name.Equals("Upgrade", StringComparison.OrdinalIgnoreCase))
                upgrade |= values.Any(v => v.StartsWith("TLS/", StringComparison.OrdinalIgnoreCase));
            else if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
                connectionUpgrade |= values.Any(v => v.Equals("Upgrade", StringComparison.OrdinalIgnoreCase));
        }
        if (!upgrade || !connectionUpgrade) return Result.Other;
        length = end + EndOfHead.Length;
        return Result.Upgrade;
    }
}
