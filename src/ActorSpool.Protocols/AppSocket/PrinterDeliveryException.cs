namespace ActorSpool.Protocols.AppSocket;

/// <summary>A job could not be delivered to a printer; <see cref="Kind"/> says why.</summary>
public sealed class PrinterDeliveryException : Exception
{
    public PrinterDeliveryException(DeliveryFailureKind kind, string message, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
    }

    /// <summary>The failure category.</summary>
    public DeliveryFailureKind Kind { get; }

    /// <summary>
    /// True when the failure came from opening or reading a source document rather than from the
    /// device (always with <see cref="DeliveryFailureKind.Other"/>): retrying on another printer will not help.
    /// </summary>
    public bool IsDocumentFailure { get; init; }
}
