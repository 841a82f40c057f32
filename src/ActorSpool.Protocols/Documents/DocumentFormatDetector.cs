namespace ActorSpool.Protocols.Documents;

/// <summary>
/// Guesses a document's MIME type from its first bytes, as CUPS's auto-typing does for
/// application/octet-stream submissions, so a device that insists on a concrete format gets one.
/// </summary>
public static class DocumentFormatDetector
{
    public const string OctetStream = "application/octet-stream";

    /// <summary>How many leading bytes <see cref="Detect"/> looks at.</summary>
    public const int SampleSize = 1024;

    public static string Detect(ReadOnlySpan<byte> head)
    {
        if (head.IsEmpty) return OctetStream;
        if (head.StartsWith("%PDF-"u8)) return "application/pdf";
        if (head.StartsWith("%!"u8) || head.StartsWith("\u0004%!"u8)) return "application/postscript";
        if (head.StartsWith("RaS2"u8)) return "image/pwg-raster";
        if (head.StartsWith("UNIRAST"u8)) return "image/urf";
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF])) return "image/jpeg";
        if (head.StartsWith("\u001B%-12345X"u8) || head.StartsWith("\u001BE"u8)) return "application/vnd.hp-pcl";
        return LooksLikeText(head) ? "text/plain" : OctetStream;
    }

    /// <summary>Text: no NUL and almost only printable characters, tabs, line and form feeds (UTF-8 bytes allowed).</summary>
    private static bool LooksLikeText(ReadOnlySpan<byte> head)
    {
        var control = 0;
        foreach (var b in head)
        {
            if (b == 0) return false;
            if (b < 0x20 && b is not (byte)'\n' and not (byte)'\r' and not (byte)'\t' and not 0x0C) control++;
        }
        return control * 100 <= head.Length;
    }
}
