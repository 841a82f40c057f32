namespace ActorSpool.Simulators;

/// <summary>Settings of an <see cref="AppSocketPrinterSimulator"/>.</summary>
public sealed record SimulatorOptions
{
    /// <summary>Printer name, used in <see cref="ReceivedJob.Printer"/> and in output file names.</summary>
    public string Name { get; init; } = "sim";

    /// <summary>Address to listen on (an IP address, or a host name resolved once at start).</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>Port to listen on; 0 picks a free port (see <see cref="AppSocketPrinterSimulator.Port"/>).</summary>
    public int Port { get; init; }

    /// <summary>
    /// When set, every job is written to <c>&lt;OutputDirectory&gt;/&lt;sequence:D6&gt;-&lt;name&gt;.prn</c> (written to a
    /// temporary file, then renamed). The directory is created if needed; numbering continues after the files already there.
    /// </summary>
    public string? OutputDirectory { get; init; }

    /// <summary>Keep each job's bytes in <see cref="ReceivedJob.Data"/>.</summary>
    public bool KeepInMemory { get; init; } = true;

    /// <summary>"Printing" time after the job's last byte, before the job is recorded and the connection closed.</summary>
    public TimeSpan DelayPerJob { get; init; } = TimeSpan.Zero;

    /// <summary>Initial fault; switchable at run time with <see cref="AppSocketPrinterSimulator.Fault"/>.</summary>
    public SimulatedFault Fault { get; init; } = SimulatedFault.None;

    /// <summary>Fraction (0..1) of connections the fault applies to; the others are served normally.</summary>
    public double FaultFraction { get; init; } = 1.0;

    /// <summary>A client that sends nothing (and does not finish) for this long is disconnected; its job is not recorded.</summary>
    public TimeSpan ClientIdleTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Listen backlog: pending connections the OS queues before the simulator accepts them.</summary>
    public int Backlog { get; init; } = 1024;
}
