namespace ActorSpool.Protocols.AppSocket;

/// <summary>Tuning for <see cref="AppSocketClient"/> (AppSocket / JetDirect / raw port 9100).</summary>
public sealed record AppSocketOptions
{
    /// <summary>Default options.</summary>
    public static AppSocketOptions Default { get; } = new();

    /// <summary>Maximum time to establish the TCP connection.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Maximum time without progress, writing or waiting: a socket write (of at most <see cref="BufferSize"/> bytes)
    /// that the device does not accept within this time, or — while waiting for the device to close — this long with
    /// neither data nor the close from the device, fails the job with <see cref="DeliveryFailureKind.IdleTimeout"/>.
    /// </summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// After the last byte is sent and the sending side is shut down, wait for the device to close its
    /// side before reporting the job as delivered (the device's close is the "printed" acknowledgement).
    /// When false, the job counts as delivered once all bytes have been handed to the OS.
    /// </summary>
    public bool WaitForDeviceClose { get; init; } = true;

    /// <summary>
    /// Maximum total time to wait for the device to close after the half-close, even if it keeps sending status
    /// data; <see cref="DeliveryFailureKind.CloseWaitTimeout"/> when exceeded. (A device silent for longer than
    /// <see cref="IdleTimeout"/> fails earlier, with <see cref="DeliveryFailureKind.IdleTimeout"/>.)
    /// </summary>
    public TimeSpan CloseWaitTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Size of the copy buffer (and of each socket write).</summary>
    public int BufferSize { get; init; } = 64 * 1024;
}
