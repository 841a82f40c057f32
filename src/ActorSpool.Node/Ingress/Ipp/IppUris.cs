namespace ActorSpool.Node.Ingress.Ipp;

/// <summary>The URIs the service hands out, built from the authority the client used to reach this node.</summary>
internal sealed class IppUris(string authority)
{
    public const string PrintersPath = "/printers/";
    public const string JobsPath = "/jobs/";
    public const string DefaultPrinterPath = "/ipp/print";

    public string Printer(string queue) => $"ipp://{authority}{PrintersPath}{Uri.EscapeDataString(queue)}";

    public string Job(long jobId) => $"ipp://{authority}{JobsPath}{jobId}";

    /// <summary>printer-more-info must be http(s): the IPP port serves the queue's page there (<see cref="QueuePage"/>).</summary>
    public string PrinterMoreInfo(string queue) => $"http://{authority}{PrintersPath}{Uri.EscapeDataString(queue)}";
}
