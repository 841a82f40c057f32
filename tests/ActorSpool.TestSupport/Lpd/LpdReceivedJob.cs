using ActorSpool.Protocols.Lpd;
namespace ActorSpool.TestSupport.Lpd;

/// <summary>A data file an <see cref="LpdPrinterSimulator"/> received as part of a complete job.</summary>
/// <param name="Name">The data file name (<c>dfA123host</c>).</param>
/// <param name="Length">Size in bytes.</param>
/// <param name="Data">The bytes, when <see cref="LpdSimulatorOptions.KeepInMemory"/>.</param>
/// <param name="FilePath">Full path of the output file, when <see cref="LpdSimulatorOptions.OutputDirectory"/> is set.</param>
/// <param name="PrintCommand">The control file command that prints it (<c>'l'</c>, <c>'f'</c>, ...).</param>
/// <param name="SourceName">Its source file name (the <c>N</c> line after its print command), if any.</param>
public sealed record LpdReceivedFile(string Name, long Length, byte[]? Data, string? FilePath, char PrintCommand, string? SourceName);

/// <summary>A job an <see cref="LpdPrinterSimulator"/> received completely: control file plus every data file it references.</summary>
/// <param name="Sequence">1-based job number of this simulator, in recording order.</param>
/// <param name="Printer">The simulator's name.</param>
/// <param name="Queue">The queue the job was sent to.</param>
/// <param name="ReceivedAt">When the job's last file arrived.</param>
/// <param name="ControlFileName">The control file name (<c>cfA123host</c>).</param>
/// <param name="ControlFile">The parsed control file.</param>
/// <param name="ControlFileBytes">The control file as sent.</param>
/// <param name="ControlFilePath">Full path of the control file copy, when <see cref="LpdSimulatorOptions.OutputDirectory"/> is set.</param>
/// <param name="DataFiles">The data files, in the order the control file prints them.</param>
public sealed record LpdReceivedJob(
    long Sequence,
    string Printer,
    string Queue,
    DateTimeOffset ReceivedAt,
    string ControlFileName,
    LpdControlFileContent ControlFile,
    byte[] ControlFileBytes,
    string? ControlFilePath,
    IReadOnlyList<LpdReceivedFile> DataFiles)
{
    /// <summary>The control file's <c>H</c> line.</summary>
    public string Host => ControlFile.Host!;

    /// <summary>The control file's <c>P</c> line.</summary>
    public string User => ControlFile.User!;

    /// <summary>The control file's <c>J</c> line, if any.</summary>
    public string? JobName => ControlFile.JobName;

    /// <summary>The job number from the control file name (0–999).</summary>
    public int JobNumber => int.Parse(ControlFileName.AsSpan(3, 3), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Total size of the data files.</summary>
    public long Length => DataFiles.Sum(f => f.Length);
}
