using System.Net;

namespace ActorSpool.Contracts.Spoolctl;

/// <summary>Which addresses stay on the machine: there the command host speaks plain text, elsewhere TLS only.</summary>
public static class Loopback
{
    /// <summary><c>localhost</c> or a loopback address (127.0.0.0/8, ::1); 0.0.0.0 and every other name are not.</summary>
    public static bool Is(string hostOrAddress)
    {
        var text = hostOrAddress.Trim().Trim('[', ']');
        if (text.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return true;
        return IPAddress.TryParse(text, out var address) && IPAddress.IsLoopback(address);
    }
}
