namespace ActorSpool.Protocols.Lpd;

/// <summary>Tuning for <see cref="LpdClient"/> (RFC 1179 Line Printer Daemon protocol, port 515).</summary>
public sealed record LpdOptions
{
    /// <summary>Default options.</summary>
    public static LpdOptions Default { get; } = new();

    /// <summary>Maximum time to establish the TCP connection.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Maximum time a socket write (of at most <see cref="BufferSize"/> bytes) may wait for the server to take data;
    /// <see cref="AppSocket.DeliveryFailureKind.IdleTimeout"/> when exceeded.
    /// </summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Maximum wait for the server's one-octet acknowledgement of a command, a subcommand or a file (a server may
    /// write a large data file to disk before answering); <see cref="AppSocket.DeliveryFailureKind.IdleTimeout"/> when exceeded.
    /// </summary>
    public TimeSpan AckTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Size of the copy buffer (and of each socket write).</summary>
    public int BufferSize { get; init; } = 64 * 1024;

    /// <summary>
    /// Send the control file before the data files (LPRng and many printers accept both orders; BSD lpd and CUPS
    /// default to data files first, which is the default here).
    /// </summary>
    public bool SendControlFileFirst { get; init; }

    /// <summary>
    /// The control file's print command for each data file: <c>'l'</c> (print leaving control characters, i.e. raw —
    /// the default, right for printer-ready data), <c>'f'</c> (formatted text), <c>'o'</c> (PostScript), ...
    /// </summary>
    public char PrintFormat { get; init; } = 'l';

    /// <summary>Ask for a banner page (control file <c>C</c> class and <c>L</c> lines). Off by default.</summary>
    public bool PrintBanner { get; init; }
}
