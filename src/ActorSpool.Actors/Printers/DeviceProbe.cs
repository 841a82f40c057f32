using System.Net.Sockets;
using static ActorSpool.Actors.Printers.DeliveryMessages;

namespace ActorSpool.Actors.Printers;

/// <summary>Heartbeat probes: a TCP connect for every scheme, replaced by a protocol-level probe where one exists.</summary>
internal static class DeviceProbe
{
    public static int PortOf(Uri target) => target.Port > 0 ? target.Port : target.Scheme switch
    {
        "socket" => 9100,
        "ipp" => 631,
        "ipps" => 443,
        "lpd" => 515,
        _ => 0,
    };

    public static Task<ProbeCompleted> ProbeAsync(Uri target, TimeSpan timeout) => ConnectAsync(target, timeout);

    private static async Task<ProbeCompleted> ConnectAsync(Uri target, TimeSpan timeout)
    {
        var port = PortOf(target);
        try
        {
            using var client = new TcpClient();
            using var cts = new CancellationTokenSource(timeout);
            await client.ConnectAsync(target.Host, port, cts.Token);
            return new ProbeCompleted(target, true, null, [], true);
        }
        catch (OperationCanceledException)
        {
            return new ProbeCompleted(target, false, $"no answer from {target.Host}:{port} within {timeout.TotalSeconds:0.#}s", [], true);
        }
        catch (SocketException e)
        {
            return new ProbeCompleted(target, false, $"{target.Host}:{port}: {e.SocketErrorCode}", [], true);
        }
    }
}
