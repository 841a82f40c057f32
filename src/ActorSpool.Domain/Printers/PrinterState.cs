namespace ActorSpool.Domain.Printers;

/// <summary>IPP printer-state values (RFC 8011 §5.4.11).</summary>
public enum PrinterState
{
    Idle = 3,
    Processing = 4,
    Stopped = 5,
}
