namespace ActorSpool.Simulators;

/// <summary>A job a simulated printer received completely.</summary>
/// <param name="Sequence">1-based job number of this simulator, in recording order.</param>
/// <param name="Printer">The simulator's name.</param>
/// <param name="ReceivedAt">When the job's last byte arrived.</param>
/// <param name="Length">Size in bytes.</param>
/// <param name="Data">The bytes, when <see cref="SimulatorOptions.KeepInMemory"/>.</param>
/// <param name="FilePath">Full path of the output file, when <see cref="SimulatorOptions.OutputDirectory"/> is set.</param>
/// <param name="ClientPort">The sender's TCP port (tells which process on this machine sent the job).</param>
public sealed record ReceivedJob(long Sequence, string Printer, DateTimeOffset ReceivedAt, long Length, byte[]? Data, string? FilePath, int? ClientPort = null);
