namespace ActorSpool.Protocols.Lpd;

/// <summary>
/// One document (data file) of an LPD job. LPD announces a data file's size before its bytes (RFC 1179 §6.3),
/// so the length must be known up front; the source must then yield exactly that many bytes.
/// </summary>
/// <param name="Length">Exact size in bytes; must be positive (a count of 0 means "size unknown" to some servers).</param>
/// <param name="Open">Opens the document; the stream is disposed by the client once copied.</param>
/// <param name="Name">Source file name shown by the server (control file <c>N</c> line), or null.</param>
public sealed record LpdDocument(long Length, Func<CancellationToken, Task<Stream>> Open, string? Name = null);

/// <summary>
/// Who sends an LPD job and under which number: the values of the control file's <c>H</c>, <c>P</c> and <c>J</c>
/// lines and of the job number in the file names (<c>cfA&lt;nnn&gt;&lt;host&gt;</c>, <c>dfA&lt;nnn&gt;&lt;host&gt;</c>).
/// </summary>
/// <param name="JobNumber">0–999 (RFC 1179 file names carry three digits).</param>
/// <param name="HostName">The sending host (control file <c>H</c>, at most 31 characters; longer names are cut).</param>
/// <param name="UserName">The job's owner (control file <c>P</c>, at most 31 characters; longer names are cut).</param>
/// <param name="JobName">The job name (control file <c>J</c>, at most 99 characters), or null for none.</param>
public sealed record LpdJobInfo(int JobNumber, string HostName, string UserName, string? JobName = null)
{
    /// <summary>
    /// Copies, 1–<see cref="MaxCopies"/>: the control file names each data file's print command once per copy, as
    /// <c>lpr -#N</c> does; the data files are still sent once.
    /// </summary>
    public int Copies { get; init; } = 1;

    /// <summary>The most copies a control file is written with: 999, what the spooler accepts from any client too.</summary>
    public const int MaxCopies = 999;

    /// <summary>
    /// Each data file's copies together (A A B B, the order BSD lpr writes) instead of collated (A B A B). With one
    /// data file the two are the same.
    /// </summary>
    public bool UncollatedCopies { get; init; }
}
