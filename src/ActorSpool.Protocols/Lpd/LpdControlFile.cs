using System.Globalization;
using System.Text;

namespace ActorSpool.Protocols.Lpd;

/// <summary>One line of an LPD control file: a command character and its operand (RFC 1179 §7).</summary>
public readonly record struct LpdControlLine(char Command, string Operand)
{
    public override string ToString() => $"{Command}{Operand}";
}

/// <summary>How many times a control file prints its data files, and in which order (see <see cref="LpdControlFileContent.Copies"/>).</summary>
/// <param name="Count">Copies, at least 1.</param>
/// <param name="Uncollated">Each file's copies together (A A B B) rather than the whole job again and again (A B A B).</param>
public readonly record struct LpdCopies(int Count, bool Uncollated)
{
    public static LpdCopies One => new(1, false);
}

/// <summary>A parsed LPD control file.</summary>
public sealed class LpdControlFileContent
{
    internal LpdControlFileContent(IReadOnlyList<LpdControlLine> lines)
    {
        Lines = lines;
    }

    /// <summary>All lines, in order.</summary>
    public IReadOnlyList<LpdControlLine> Lines { get; }

    /// <summary>The <c>H</c> line: host that sent the job.</summary>
    public string? Host => First('H');

    /// <summary>The <c>P</c> line: user who owns the job.</summary>
    public string? User => First('P');

    /// <summary>The <c>J</c> line: job name (banner page).</summary>
    public string? JobName => First('J');

    /// <summary>The <c>C</c> line: class for the banner page.</summary>
    public string? Class => First('C');

    /// <summary>The <c>L</c> line: print a banner page for this user.</summary>
    public string? BannerUser => First('L');

    /// <summary>The print commands (<c>l</c>, <c>f</c>, <c>o</c>, ...) with the data file each one prints, in order.</summary>
    public IReadOnlyList<LpdControlLine> PrintCommands => Lines.Where(l => LpdControlFile.PrintCommands.Contains(l.Command)).ToArray();

    /// <summary>Data files the control file refers to (print and unlink commands), each once, in order of first mention.</summary>
    public IReadOnlyList<string> ReferencedDataFiles => Lines
        .Where(l => LpdControlFile.PrintCommands.Contains(l.Command) || l.Command == 'U')
        .Select(l => l.Operand)
        .Distinct(StringComparer.Ordinal)
        .ToArray();

    /// <summary>Source file names (<c>N</c> lines), in order.</summary>
    public IReadOnlyList<string> SourceNames => Lines.Where(l => l.Command == 'N').Select(l => l.Operand).ToArray();

    /// <summary>
    /// The copies the print commands ask for: every printed data file named N times, either each file's N lines
    /// together (A A B B: BSD lpr's <c>-#N</c>, uncollated) or the whole list N times (A B A B: collated, as
    /// <see cref="LpdControlFile.Build"/> writes it). Any other repetition is no number of copies: 1 (each file once).
    /// </summary>
    public LpdCopies Copies
    {
        get
        {
            var printed = PrintCommands.Select(l => l.Operand).ToArray();
            var files = printed.Distinct(StringComparer.Ordinal).ToArray();
            if (files.Length == 0 || printed.Length == files.Length || printed.Length % files.Length != 0)
            {
                return LpdCopies.One;
            }

            var copies = printed.Length / files.Length;
            if (printed.Select((name, i) => name == files[i % files.Length]).All(same => same))
            {
                return new LpdCopies(copies, Uncollated: false);
            }

            return printed.Select((name, i) => name == files[i / copies]).All(same => same)
                ? new LpdCopies(copies, Uncollated: true)
                : LpdCopies.One;
        }
    }

    private string? First(char command) => Lines.FirstOrDefault(l => l.Command == command) is { Command: not '\0' } line ? line.Operand : null;
}

/// <summary>
/// Builds and parses RFC 1179 control files and the <c>cfA&lt;nnn&gt;&lt;host&gt;</c> / <c>dfX&lt;nnn&gt;&lt;host&gt;</c>
/// file names. Text is ASCII: characters the protocol cannot carry are replaced, and operands are cut to the RFC's
/// lengths (H and P 31, J 99, C 31, N 131), as CUPS's lpd backend does.
/// </summary>
public static class LpdControlFile
{
    /// <summary>The letters that number the data files of a job: dfA..dfZ, then dfa..dfz (as BSD lpr does).</summary>
    public const string DataFileLetters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// <summary>At most this many data files per job (one per letter).</summary>
    public const int MaxDataFiles = 52;

    /// <summary>Host names in file names are cut to this length (CUPS does the same for old servers' name limits).</summary>
    public const int MaxFileNameHostLength = 15;

    /// <summary>Control file commands that print a data file (RFC 1179 §7.20–7.33).</summary>
    public const string PrintCommands = "cdfglnoprtv";

    // RFC 1179 §7: operand limits of the lines this code writes or checks.
    private static readonly Dictionary<char, int> MaxOperandLength = new()
    {
        ['H'] = 31,
        ['P'] = 31,
        ['C'] = 31,
        ['J'] = 99,
        ['L'] = 31,
        ['N'] = 131,
        ['T'] = 79,
    };

    // Uppercase commands known from RFC 1179 §7 (C H I J L M N P S T U W and the troff fonts 1-4).
    private const string OtherCommands = "CHIJLMNPSTUW1234";

    /// <summary>Name of data file <paramref name="index"/> (0-based) of job <paramref name="jobNumber"/> from <paramref name="host"/>.</summary>
    public static string DataFileName(int index, int jobNumber, string host)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, MaxDataFiles);
        return $"df{DataFileLetters[index]}{FormatJobNumber(jobNumber)}{FileNameHost(host)}";
    }

    /// <summary>Name of the control file of job <paramref name="jobNumber"/> from <paramref name="host"/>.</summary>
    public static string ControlFileName(int jobNumber, string host) => $"cfA{FormatJobNumber(jobNumber)}{FileNameHost(host)}";

    /// <summary>
    /// The control file of a job: <c>H</c>, <c>P</c>, optional <c>J</c>, optional banner (<c>C</c>, <c>L</c>), then for
    /// each data file the print command, <c>U</c> (unlink after printing) and, when named, <c>N</c> — the order BSD lpr
    /// and CUPS write. Copies (<see cref="LpdJobInfo.Copies"/>) repeat the print command: uncollated, or with one data
    /// file, each file's print command N times in a row, exactly as <c>lpr -#N</c> writes; collated, the print commands
    /// of all files N times over (A B A B), with the <c>U</c> lines after all of them so no server unlinks a file that
    /// is still to print (BSD lpd unlinks only after printing anyway; RFC 1179 does not say).
    /// </summary>
    public static byte[] Build(LpdJobInfo info, IReadOnlyList<(string DataFileName, string? SourceName)> dataFiles, char printFormat = 'l', bool banner = false)
    {
        ArgumentNullException.ThrowIfNull(info);
        ArgumentNullException.ThrowIfNull(dataFiles);
        if (!PrintCommands.Contains(printFormat))
        {
            throw new ArgumentOutOfRangeException(nameof(printFormat), printFormat, $"Not an RFC 1179 print command; expected one of '{PrintCommands}'.");
        }

        var text = new StringBuilder();
        Line(text, 'H', Token(info.HostName, 31));
        Line(text, 'P', Token(info.UserName, 31));
        if (!string.IsNullOrEmpty(info.JobName))
        {
            Line(text, 'J', Text(info.JobName, 99));
        }

        if (banner)
        {
            Line(text, 'C', Token(info.HostName, 31));
            Line(text, 'L', Token(info.UserName, 31));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(info.Copies, 1, nameof(info.Copies));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(info.Copies, LpdJobInfo.MaxCopies, nameof(info.Copies));
        if (info.Copies == 1 || info.UncollatedCopies || dataFiles.Count == 1)
        {
            foreach (var (dataFile, source) in dataFiles)
            {
                for (var copy = 0; copy < info.Copies; copy++)
                {
                    Line(text, printFormat, dataFile);
                }

                Line(text, 'U', dataFile);
                SourceLine(text, source);
            }
        }
        else
        {
            for (var copy = 0; copy < info.Copies; copy++)
            {
                foreach (var (dataFile, source) in dataFiles)
                {
                    Line(text, printFormat, dataFile);
                    if (copy == 0)
                    {
                        SourceLine(text, source);
                    }
                }
            }

            foreach (var (dataFile, _) in dataFiles)
            {
                Line(text, 'U', dataFile);
            }
        }

        return Encoding.ASCII.GetBytes(text.ToString());
    }

    /// <summary>
    /// Parses a control file strictly: ASCII lines each ending in LF, no empty lines, only RFC 1179 commands,
    /// operands within the RFC's lengths, exactly one <c>H</c> and one <c>P</c> line, and print/unlink commands that
    /// name well-formed data files (<c>df</c> + letter + 3 digits + host).
    /// </summary>
    /// <exception cref="FormatException">The control file breaks one of these rules; the message says which.</exception>
    public static LpdControlFileContent Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            throw new FormatException("The control file is empty.");
        }

        if (bytes[^1] != (byte)'\n')
        {
            throw new FormatException("The control file's last line does not end with LF.");
        }

        var lines = new List<LpdControlLine>();
        var number = 0;
        foreach (var range in bytes[..^1].Split((byte)'\n'))
        {
            number++;
            var raw = bytes[range];
            if (raw.IsEmpty)
            {
                throw new FormatException($"Line {number} of the control file is empty.");
            }

            foreach (var b in raw)
            {
                if (b < 0x20 || b > 0x7E)
                {
                    throw new FormatException($"Line {number} of the control file holds byte 0x{b:X2}, which is not printable ASCII.");
                }
            }

            var command = (char)raw[0];
            var operand = Encoding.ASCII.GetString(raw[1..]);
            if (!PrintCommands.Contains(command) && !OtherCommands.Contains(command))
            {
                throw new FormatException($"Line {number} of the control file has unknown command '{command}'.");
            }

            if (MaxOperandLength.TryGetValue(command, out var max) && operand.Length > max)
            {
                throw new FormatException($"Line {number} of the control file: '{command}' operand of {operand.Length} characters exceeds the RFC 1179 limit of {max}.");
            }

            if ((PrintCommands.Contains(command) || command == 'U') && !IsDataFileName(operand))
            {
                throw new FormatException($"Line {number} of the control file: '{command}' names '{operand}', which is not a data file name (df + letter + 3 digits + host).");
            }

            lines.Add(new LpdControlLine(command, operand));
        }

        foreach (var mandatory in "HP")
        {
            var count = lines.Count(l => l.Command == mandatory);
            if (count != 1)
            {
                throw new FormatException(count == 0
                    ? $"The control file has no mandatory '{mandatory}' line."
                    : $"The control file has {count} '{mandatory}' lines; exactly one is allowed.");
            }

            if (lines.First(l => l.Command == mandatory).Operand.Length == 0)
            {
                throw new FormatException($"The control file's '{mandatory}' line is empty.");
            }
        }

        if (!lines.Any(l => PrintCommands.Contains(l.Command)))
        {
            throw new FormatException("The control file prints no data file.");
        }

        return new LpdControlFileContent(lines);
    }

    /// <summary><c>df</c> + letter + 3 digits + non-empty host without '/' or whitespace.</summary>
    public static bool IsDataFileName(string name) => IsFileName(name, "df", anyLetter: true);

    /// <summary><c>cfA</c> + 3 digits + non-empty host without '/' or whitespace.</summary>
    public static bool IsControlFileName(string name) => IsFileName(name, "cf", anyLetter: false);

    /// <summary>The job number and host part shared by a job's file names (everything after <c>cfA</c>/<c>dfX</c>).</summary>
    public static string JobSuffix(string fileName) => fileName.Length > 3 ? fileName[3..] : string.Empty;

    /// <summary>
    /// Parses a control file the way a server that takes jobs from any client should: lines end in LF (a CR before
    /// it is dropped); lines of unknown commands (LPRng's <c>A</c>, <c>Q</c>, <c>D</c>, ...) are kept but mean nothing;
    /// empty lines are skipped; operands may be longer than RFC 1179 says and may hold bytes above 0x7E (read as
    /// Latin-1). What a job cannot do without is still required: at least one print command, and print/unlink
    /// commands that name data files (<c>df</c> + letter + 3 digits + host). <c>H</c> and <c>P</c> are optional.
    /// </summary>
    /// <exception cref="FormatException">The control file is empty, holds control characters, or prints nothing.</exception>
    public static LpdControlFileContent ParseLenient(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            throw new FormatException("The control file is empty.");
        }

        var lines = new List<LpdControlLine>();
        var number = 0;
        var body = bytes[^1] == (byte)'\n' ? bytes[..^1] : bytes;
        foreach (var range in body.Split((byte)'\n'))
        {
            number++;
            var raw = body[range];
            if (!raw.IsEmpty && raw[^1] == (byte)'\r')
            {
                raw = raw[..^1];
            }

            if (raw.IsEmpty)
            {
                continue;
            }

            foreach (var b in raw)
            {
                if (b < 0x20 && b != (byte)'\t')
                {
                    throw new FormatException($"Line {number} of the control file holds control character 0x{b:X2}.");
                }
            }

            var command = (char)raw[0];
            var operand = Encoding.Latin1.GetString(raw[1..]);
            if ((PrintCommands.Contains(command) || command == 'U') && !IsDataFileName(operand))
            {
                throw new FormatException($"Line {number} of the control file: '{command}' names '{operand}', which is not a data file name (df + letter + 3 digits + host).");
            }

            lines.Add(new LpdControlLine(command, operand));
        }

        if (!lines.Any(l => PrintCommands.Contains(l.Command)))
        {
            throw new FormatException("The control file prints no data file.");
        }

        return new LpdControlFileContent(lines);
    }

    private static bool IsFileName(string name, string prefix, bool anyLetter)
    {
        if (name.Length < 7 || !name.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var letter = name[2];
        if (anyLetter ? !char.IsAsciiLetter(letter) : letter != 'A')
        {
            return false;
        }

        if (!char.IsAsciiDigit(name[3]) || !char.IsAsciiDigit(name[4]) || !char.IsAsciiDigit(name[5]))
        {
            return false;
        }

        return name.AsSpan(6).IndexOfAny("/ \t\r\n\0") < 0;
    }

    private static string FormatJobNumber(int jobNumber)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(jobNumber);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(jobNumber, 999);
        return jobNumber.ToString("D3", CultureInfo.InvariantCulture);
    }

    /// <summary>The host as it appears in file names: letters, digits, '.', '-' and '_' only, cut to 15 characters.</summary>
    internal static string FileNameHost(string host)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        var chars = host.Take(MaxFileNameHostLength)
            .Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_')
            .ToArray();
        return new string(chars);
    }

    /// <summary>A one-word operand (host, user): printable ASCII, whitespace and anything else replaced by '_'.</summary>
    internal static string Token(string value, int max) =>
        new(value.Take(max).Select(c => c is > ' ' and < (char)0x7F ? c : '_').ToArray());

    /// <summary>A free-text operand (job and file names): printable ASCII and spaces, anything else replaced by '?'.</summary>
    internal static string Text(string value, int max) =>
        new(value.Take(max).Select(c => c is >= ' ' and < (char)0x7F ? c : '?').ToArray());

    private static void Line(StringBuilder text, char command, string operand) => text.Append(command).Append(operand).Append('\n');

    private static void SourceLine(StringBuilder text, string? source)
    {
        if (!string.IsNullOrEmpty(source))
        {
            Line(text, 'N', Text(source, 131));
        }
    }
}
