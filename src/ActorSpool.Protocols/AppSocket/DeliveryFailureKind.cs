namespace ActorSpool.Protocols.AppSocket;

/// <summary>Why a delivery to a printer failed.</summary>
public enum DeliveryFailureKind
{
    /// <summary>The device actively refused the connection (nothing listening).</summary>
    ConnectionRefused,

    /// <summary>The connection could not be established within the connect timeout.</summary>
    ConnectTimeout,

    /// <summary>The connection was reset or aborted by the device or the network during the job.</summary>
    ConnectionReset,

    /// <summary>The device stopped accepting data for longer than the idle timeout.</summary>
    IdleTimeout,

    /// <summary>All data was sent but the device did not close its side within the close-wait timeout.</summary>
    CloseWaitTimeout,

    /// <summary>Anything else (name resolution, unreachable network, unreadable document, ...).</summary>
    Other,
}
