using System.Globalization;
using System.Text;

namespace ActorSpool.Protocols.Lpd;

/// <summary>
/// The octets and line formats of RFC 1179 as a server reads them: daemon commands (§5), "receive job"
/// subcommands (§6) and acknowledgements. Shared by LPD servers (the spooler's LPD ingress); pure, no I/O.
/// </summary>
public static class LpdWire
{
    /// <summary>Daemon command 0x01: "print any waiting jobs" (no answer).</summary>
    public const byte PrintWaitingJobs = 0x01;

    /// <summary>Daemon command 0x02: "receive a printer job" for the queue in the operand.</summary>
    public const byte ReceiveJob = 0x02;

    /// <summary>Daemon command 0x03: "send queue state (short)" (lpq).</summary>
    public const byte SendQueueStateShort = 0x03;

    /// <summary>Daemon command 0x04: "send queue state (long)" (lpq -l).</summary>
    public const byte SendQueueStateLong = 0x04;

    /// <summary>Daemon command 0x05: "remove jobs" (lprm).</summary>
    public const byte RemoveJobs = 0x05;

    /// <summary>Receive-job subcommand 0x01: abort the job (discard the files received so far; no acknowledgement).</summary>
    public const byte AbortJob = 0x01;

    /// <summary>Receive-job subcommand 0x02: "count SP name LF", then count octets of control file and a zero octet.</summary>
    public const byte ReceiveControlFile = 0x02;

    /// <summary>Receive-job subcommand 0x03: "count SP name LF", then count octets of data file and a zero octet.</summary>
    public const byte ReceiveDataFile = 0x03;

    /// <summary>Positive acknowledgement.</summary>
    public const byte Ok = 0x00;

    /// <summary>A negative acknowledgement (any non-zero octet is one): refused.</summary>
    public const byte Refused = 0x01;

    /// <summary>A negative acknowledgement BSD lpd uses for "no room for the file".</summary>
    public const byte NoRoom = 0x02;

    /// <summary>Longest command or subcommand line a server should accept (the RFC sets none; BSD lpd uses about 1 KiB).</summary>
    public const int MaxLineLength = 1024;

    /// <summary>
    /// Parses the operand line of the control-file and data-file subcommands: decimal count, one space, file name.
    /// A count of 0 (LPRng's "length unknown, read to the end of the connection") is refused: RFC 1179 has no such
    /// convention and the end of the connection could not be told from a client that vanished.
    /// </summary>
    public static bool TryParseFileHeader(string line, out long count, out string name, out string problem)
    {
        ArgumentNullException.ThrowIfNull(line);
        count = 0;
        name = string.Empty;
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0)
        {
            problem = $"'{Printable(line)}' is not 'count SP name'";
            return false;
        }

        var digits = line[..space];
        if (digits.Length > 18 || !digits.All(char.IsAsciiDigit) ||
            !long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out count))
        {
            problem = $"the count '{Printable(digits)}' is not a decimal number";
            return false;
        }

        name = line[(space + 1)..].Trim();
        if (name.Length == 0)
        {
            problem = "the file name is missing";
            return false;
        }

        if (count == 0)
        {
            problem = $"file {Printable(name)} is announced with count 0 (length unknown), which this server does not accept";
            return false;
        }

        problem = string.Empty;
        return true;
    }

    /// <summary>
    /// Splits the operand of the queue-state and remove-jobs commands: the queue name, then the (optional) list of
    /// user names and job numbers, separated by spaces or tabs.
    /// </summary>
    public static (string Queue, IReadOnlyList<string> List) ParseQueueOperand(string operand)
    {
        ArgumentNullException.ThrowIfNull(operand);
        var words = operand.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        return words.Length == 0 ? (string.Empty, []) : (words[0], words[1..]);
    }

    /// <summary>Text for log lines and answers: control characters replaced, cut to 80 characters.</summary>
    public static string Printable(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var builder = new StringBuilder(Math.Min(text.Length, 80));
        foreach (var c in text.Take(80))
        {
            builder.Append(char.IsControl(c) ? '?' : c);
        }

        return text.Length > 80 ? builder.Append("...").ToString() : builder.ToString();
    }
}

/// <summary>One job in an LPD queue-state answer.</summary>
/// <param name="JobId">The job number shown.</param>
/// <param name="Owner">Who submitted it.</param>
/// <param name="Name">Job name (shown as "Files" in the short listing).</param>
/// <param name="Bytes">Total size.</param>
/// <param name="Active">Being printed now.</param>
/// <param name="Documents">Per-document names and sizes, for the long listing; empty = one line for the job.</param>
public sealed record LpdQueueEntry(long JobId, string Owner, string Name, long Bytes, bool Active, IReadOnlyList<(string Name, long Bytes)> Documents);

/// <summary>
/// Formats the answer to "send queue state" in the layout of BSD lpd, which lpq prints as it is: short — a header
/// line, then one line per job with rank, owner, job number, name and size; long — a paragraph per job with its
/// documents. "no entries" for an empty queue.
/// </summary>
public static class LpdQueueListing
{
    public static string Format(string queue, IReadOnlyList<LpdQueueEntry> entries, bool longFormat)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(entries);
        var text = new StringBuilder();
        if (entries.Count == 0)
        {
            return text.Append(CultureInfo.InvariantCulture, $"{LpdWire.Printable(queue)}: no entries\n").ToString();
        }

        if (!longFormat)
        {
            text.Append("Rank   Owner      Job  Files                                 Total Size\n");
        }

        var rank = 0;
        foreach (var entry in entries)
        {
            var shownRank = entry.Active ? "active" : Ordinal(++rank);
            var owner = LpdWire.Printable(entry.Owner);
            var name = LpdWire.Printable(entry.Name);
            if (longFormat)
            {
                text.Append(CultureInfo.InvariantCulture, $"\n{owner}: {shownRank,-32}[job {entry.JobId}]\n");
                var documents = entry.Documents.Count > 0 ? entry.Documents : [(entry.Name, entry.Bytes)];
                foreach (var (documentName, bytes) in documents)
                {
                    text.Append(CultureInfo.InvariantCulture, $"        {LpdWire.Printable(documentName),-32}{bytes} bytes\n");
                }
            }
            else
            {
                text.Append(CultureInfo.InvariantCulture, $"{shownRank,-7}{Cut(owner, 10),-11}{entry.JobId,-5}{Cut(name, 37),-38}{entry.Bytes} bytes\n");
            }
        }

        return text.ToString();
    }

    private static string Cut(string text, int max) => text.Length <= max ? text : text[..max];

    private static string Ordinal(int n) => (n % 100) switch
    {
        11 or 12 or 13 => $"{n}th",
        _ => (n % 10) switch
        {
            1 => $"{n}st",
            2 => $"{n}nd",
            3 => $"{n}rd",
            _ => $"{n}th",
        },
    };
}
