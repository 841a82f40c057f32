using System.Globalization;
using System.Text;

namespace ActorSpool.Domain.Topology;

/// <summary>
/// Writes a topology back as printers.conf HOCON that <see cref="TopologyLoader.LoadText"/> reads to an equal topology
/// (<c>spoolctl config export</c>, and the text the topology keeper journals). Defaults are left out so the text
/// stays what an operator would write by hand.
/// </summary>
public static class TopologyWriter
{
    public static string ToHocon(SpoolTopology topology, string? header = null)
    {
        ArgumentNullException.ThrowIfNull(topology);
        var text = new StringBuilder();
        if (header is not null)
        {
            foreach (var line in header.Split('\n')) text.Append("# ").AppendLine(line.TrimEnd());
            text.AppendLine();
        }

        text.AppendLine("actorspool {");
        text.AppendLine("  printers {");
        foreach (var name in topology.PrinterNames) text.Append("    ").Append(name).Append(" { ").Append(PrinterFields(topology.Printers[name])).AppendLine(" }");
        text.AppendLine("  }");
        text.AppendLine("  queues {");
        foreach (var name in topology.QueueNames) text.Append("    ").Append(name).Append(" { ").Append(QueueFields(topology.Queues[name])).AppendLine(" }");
        text.AppendLine("  }");
        if (topology.Queues.Count > 0) text.Append("  default-queue = ").AppendLine(topology.DefaultQueue);
        text.Append("  demo-printers = ").AppendLine(OnOff(topology.DemoPrinters));
        text.AppendLine("}");
        return text.ToString();
    }

    /// <summary>The printer's printers.conf fields (<c>uri = "...", sequential = on</c>): equal text, equal definition.</summary>
    public static string PrinterFields(PrinterDefinition printer)
    {
        var fields = new List<string> { $"uri = {Quote(printer.Uri.OriginalString)}" };
        if (printer.FallbackUris.Count > 0)
            fields.Add($"fallback-uris = [{string.Join(", ", printer.FallbackUris.Select(u => Quote(u.OriginalString)))}]");
        if (printer.Sequential) fields.Add("sequential = on");
        return string.Join(", ", fields);
    }

    /// <summary>The queue's printers.conf fields, defaults left out.</summary>
    public static string QueueFields(QueueDefinition queue)
    {
        var fields = new List<string> { $"printers = [{string.Join(", ", queue.Printers)}]" };
        if (queue.Mode != TopologyDefaults.Mode) fields.Add($"mode = {queue.Mode.ToString().ToLowerInvariant()}");
        if (queue.Sequential) fields.Add("sequential = on");
        if (queue.DefaultPriority != TopologyDefaults.DefaultPriority) fields.Add($"default-priority = {Number(queue.DefaultPriority)}");
        if (queue.MaxAttempts != TopologyDefaults.MaxAttempts) fields.Add($"max-attempts = {Number(queue.MaxAttempts)}");
        if (queue.MaxDocumentBytes != TopologyDefaults.MaxDocumentBytes) fields.Add($"max-document-size = {Number(queue.MaxDocumentBytes)}");
        if (queue.RawPort is { } port) fields.Add($"raw-port = {Number(port)}");
        if (queue.MaxJobs != TopologyDefaults.MaxJobs) fields.Add($"max-jobs = {Number(queue.MaxJobs)}");
        if (queue.MaxJobsPerUser != TopologyDefaults.MaxJobsPerUser) fields.Add($"max-jobs-per-user = {Number(queue.MaxJobsPerUser)}");
        if (queue.MaxDocumentsPerJob != TopologyDefaults.MaxDocumentsPerJob) fields.Add($"max-documents-per-job = {Number(queue.MaxDocumentsPerJob)}");
        return string.Join(", ", fields);
    }

    private static string OnOff(bool value) => value ? "on" : "off";

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A HOCON quoted string (URIs hold ':' and '/', which HOCON does not allow unquoted).</summary>
    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
