namespace ActorSpool.Simulators;

/// <summary>Misbehaviour a simulated printer can show, to exercise the spooler's error handling.</summary>
public enum SimulatedFault
{
    /// <summary>Behave like a healthy printer.</summary>
    None,

    /// <summary>
    /// Stop listening, so connection attempts are refused. With <see cref="SimulatorOptions.FaultFraction"/> below 1
    /// the simulator keeps listening and resets that fraction of connections right after accepting them instead.
    /// </summary>
    RefuseConnections,

    /// <summary>Accept the connection but never read from it or close it (until the simulator stops).</summary>
    HangAfterAccept,

    /// <summary>Read some bytes, then reset the connection (RST, linger 0); the job is not recorded.</summary>
    ResetMidJob,

    /// <summary>Read very slowly (small reads with pauses), then finish the job normally.</summary>
    SlowTrickle,

    /// <summary>Read the whole job and close normally, but do not record it (a printer that loses jobs).</summary>
    DropJobs,

    /// <summary>
    /// Refuse jobs in the protocol itself, as a device with a disabled queue or a full spool does: an LPD simulator
    /// answers "receive job" with a non-zero acknowledgement. AppSocket has no way to refuse a job and serves it normally.
    /// </summary>
    RejectJobs,
}
