using ActorSpool.Protocols.Lpd;
using ActorSpool.Simulators;

namespace ActorSpool.TestSupport.Lpd;

/// <summary>Settings of an <see cref="LpdPrinterSimulator"/>.</summary>
public sealed record LpdSimulatorOptions
{
    /// <summary>Printer name, used in <see cref="LpdReceivedJob.Printer"/> and in output file names.</summary>
    public string Name { get; init; } = "lpd-sim";

    /// <summary>Address to listen on (an IP address, or a host name resolved once at start).</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>Port to listen on; 0 picks a free port (see <see cref="LpdPrinterSimulator.Port"/>).</summary>
    public int Port { get; init; }

    /// <summary>Queue names the server accepts (case-sensitive); a job for any other queue gets a non-zero acknowledgement.</summary>
    public IReadOnlyList<string> Queues { get; init; } = ["lp"];

    /// <summary>
    /// When set, the files of every recorded job are written to
    /// <c>&lt;OutputDirectory&gt;/&lt;sequence:D6&gt;-&lt;name&gt;-&lt;file name&gt;</c> (data files and the control file;
    /// written to temporary files, renamed once the job is complete). Numbering continues after the files already there.
    /// </summary>
    public string? OutputDirectory { get; init; }

    /// <summary>Keep each data file's bytes in <see cref="LpdReceivedFile.Data"/>.</summary>
    public bool KeepInMemory { get; init; } = true;

    /// <summary>"Spooling" time before the acknowledgement of the file that completes a job.</summary>
    public TimeSpan DelayPerJob { get; init; } = TimeSpan.Zero;

    /// <summary>
    /// Initial fault; switchable at run time with <see cref="LpdPrinterSimulator.Fault"/>. For LPD:
    /// <see cref="SimulatedFault.RejectJobs"/> answers "receive job" with a non-zero acknowledgement,
    /// <see cref="SimulatedFault.ResetMidJob"/> resets once the first data file's bytes start arriving,
    /// <see cref="SimulatedFault.HangAfterAccept"/> never answers, <see cref="SimulatedFault.SlowTrickle"/> reads slowly,
    /// <see cref="SimulatedFault.DropJobs"/> acknowledges everything but records nothing.
    /// </summary>
    public SimulatedFault Fault { get; init; } = SimulatedFault.None;

    /// <summary>Fraction (0..1) of connections the fault applies to; the others are served normally.</summary>
    public double FaultFraction { get; init; } = 1.0;

    /// <summary>A client that sends nothing for this long is disconnected; its unfinished job is discarded.</summary>
    public TimeSpan ClientIdleTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Listen backlog.</summary>
    public int Backlog { get; init; } = 1024;

    /// <summary>A data file announced larger than this is refused with code 2 ("no room"), as BSD lpd does when its disk is full.</summary>
    public long MaxDataFileBytes { get; init; } = 1L << 30;

    /// <summary>A control file announced larger than this is refused with code 2.</summary>
    public int MaxControlFileBytes { get; init; } = 64 * 1024;
}
