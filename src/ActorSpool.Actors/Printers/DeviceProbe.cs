using System.Net.Sockets;
using ActorSpool.Protocols.AppSocket;
using ActorSpool.Protocols.Ipp;
using ActorSpool.Protocols.IppDelivery;
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

    public static Task<ProbeCompleted> ProbeAsync(Uri target, TimeSpan timeout, PrinterCertificatePolicy certificates) =>
        target.Scheme is "ipp" or "ipps" ? IppProbeAsync(target, timeout, certificates) : ConnectAsync(target, timeout);

    /// <summary>IPP devices say what is wrong (media-empty, offline, paused): Get-Printer-Attributes.</summary>
    private static async Task<ProbeCompleted> IppProbeAsync(Uri target, TimeSpan timeout, PrinterCertificatePolicy certificates)
    {
        try
        {
            using var cts = new CancellationTokenSource(timeout + timeout);
            var options = new IppDeliveryOptions { ConnectTimeout = timeout, RequestTimeout = timeout + timeout, Certificates = certificates };
            var status = await IppDeliveryClient.ProbeAsync(target, options, cts.Token);
            var accepting = status.IsAcceptingJobs && status.State != IppPrinterState.Stopped;
            return new ProbeCompleted(target, true, accepting ? null : status.StateMessage ?? string.Join(",", status.StateReasons), status.StateReasons, accepting);
        }
        catch (Exception e) when (e is PrinterDeliveryException or OperationCanceledException)
        {
            return new ProbeCompleted(target, false, e.Message, [], true);
        }
    }

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
