using ActorSpool.Actors.Topology;
using ActorSpool.Domain.Topology;
using ActorSpool.Node.Spool;
using ActorSpool.Protocols.Ipp;

namespace ActorSpool.Node.Ingress.Ipp;

/// <summary>A job addressed by a request: its queue and id (the job itself is fetched only where needed).</summary>
internal sealed record JobTarget(QueueDefinition Queue, long JobId);

/// <summary>
/// Finds the queue or job a request addresses (RFC 8011 §4.1.5): printer-uri for printer operations; job-uri, or
/// printer-uri plus job-id, for job operations. Queues are looked up in the live topology, so a queue added or
/// removed while the node runs is found or not found from then on.
/// </summary>
internal sealed class IppTargetResolver(ISpoolGateway gateway, ILiveTopology topology)
{
    public QueueDefinition ResolvePrinter(IppMessage request, IppRequestContext context)
    {
        var uri = IppOperationAttributes.Uri(request, "printer-uri")
            ?? throw IppRequestException.BadRequest("printer-uri is required.");
        return ResolvePrinterUri(uri, context)
            ?? throw IppRequestException.NotFound($"{uri} does not name a queue; use ipp://host/printers/NAME.");
    }

    /// <summary>
    /// The queue a Get-Jobs addresses, or null for every queue: CUPS's lpstat asks ipp://host/ at / for the jobs
    /// of all printers, as a CUPS server answers it.
    /// </summary>
    public QueueDefinition? ResolvePrinterOrAll(IppMessage request, IppRequestContext context)
    {
        var uri = IppOperationAttributes.Uri(request, "printer-uri")
            ?? throw IppRequestException.BadRequest("printer-uri is required.");
        if (IsUnspecificPrinterUri(uri) && QueueNameFromPath(context.ResourcePath, topology.Current) is null)
            return null;
        return ResolvePrinter(request, context);
    }

    public async Task<JobTarget> ResolveJobAsync(IppMessage request, IppRequestContext context, CancellationToken ct)
    {
        QueueDefinition? printer = null;
        long jobId;
        if (IppOperationAttributes.Uri(request, "job-uri") is { } jobUri)
        {
            jobId = ParseJobUri(jobUri);
        }
        else
        {
            var printerUri = IppOperationAttributes.Uri(request, "printer-uri");
            int? id = IppOperationAttributes.Integer(request, "job-id");
            if (printerUri is null || id is null)
                throw IppRequestException.BadRequest("job-uri, or printer-uri and job-id, are required.");
            if (id <= 0)
                throw IppRequestException.NotFound($"There is no job {id}.");
            jobId = id.Value;
            // A printer-uri that names no particular queue (ipp://host/) addresses the job by id alone.
            if (!IsUnspecificPrinterUri(printerUri))
                printer = ResolvePrinterUri(printerUri, context)
                    ?? throw IppRequestException.NotFound($"{printerUri} does not name a queue.");
        }

        var queueName = await gateway.FindQueueOfJobAsync(jobId, ct).ConfigureAwait(false)
            ?? throw IppRequestException.NotFound($"There is no job {jobId}.");
        if (printer is not null && !string.Equals(printer.Name, queueName, StringComparison.OrdinalIgnoreCase))
            throw IppRequestException.NotFound($"Job {jobId} is not in queue {printer.Name}.");
        var queue = topology.Current.FindQueue(queueName)
            ?? throw IppRequestException.NotFound($"Job {jobId} belongs to queue {queueName}, which is no longer configured.");
        return new JobTarget(queue, jobId);
    }

    /// <summary>The queue name a printer-uri gives, whether or not such a queue exists (CUPS-Add-Modify-Printer creates it).</summary>
    public string NamedPrinter(IppMessage request, IppRequestContext context)
    {
        var uri = IppOperationAttributes.Uri(request, "printer-uri")
            ?? throw IppRequestException.BadRequest("printer-uri is required.");
        return NameOf(uri, context, topology.Current)
            ?? throw IppRequestException.BadRequest($"{uri} does not name a printer; use ipp://host/printers/NAME.");
    }

    private QueueDefinition? ResolvePrinterUri(string value, IppRequestContext context)
    {
        var current = topology.Current;
        return NameOf(value, context, current) is { } name ? current.FindQueue(name) : null;
    }

    private static string? NameOf(string value, IppRequestContext context, SpoolTopology current)
    {
        var uri = ParseUri(value, "printer-uri");
        var name = QueueNameFromPath(uri.AbsolutePath, current);
        // ipp://host/ posted to /printers/NAME: the HTTP resource names the queue (CUPS clients do this).
        if (name is null && IsRoot(uri.AbsolutePath))
            name = QueueNameFromPath(context.ResourcePath, current);
        return name;
    }

    private static long ParseJobUri(string value)
    {
        var path = TrimPath(ParseUri(value, "job-uri").AbsolutePath);
        if (path.StartsWith(IppUris.JobsPath, StringComparison.OrdinalIgnoreCase)
            && long.TryParse(path[IppUris.JobsPath.Length..], out long id) && id > 0)
            return id;
        throw IppRequestException.NotFound($"{value} does not name a job; use ipp://host/jobs/ID.");
    }

    private static bool IsUnspecificPrinterUri(string value)
    {
        var path = TrimPath(ParseUri(value, "printer-uri").AbsolutePath);
        return path.Length == 0 || path.Equals(TrimPath(IppUris.PrintersPath), StringComparison.OrdinalIgnoreCase)
            || path.Equals(TrimPath(IppUris.JobsPath), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>/printers/NAME → NAME, /ipp/print → the default queue, anything else → null.</summary>
    private static string? QueueNameFromPath(string rawPath, SpoolTopology topology)
    {
        var path = TrimPath(System.Uri.UnescapeDataString(rawPath));
        if (path.Equals(IppUris.DefaultPrinterPath, StringComparison.OrdinalIgnoreCase))
            return topology.DefaultQueue;
        if (path.StartsWith(IppUris.PrintersPath, StringComparison.OrdinalIgnoreCase))
        {
            var name = path[IppUris.PrintersPath.Length..];
            return name.Length > 0 && !name.Contains('/') ? name : null;
        }
        return null;
    }

    private static bool IsRoot(string path) => TrimPath(path).Length == 0;

    private static string TrimPath(string path) => path.TrimEnd('/');

    private static Uri ParseUri(string value, string attribute)
    {
        if (System.Uri.TryCreate(value, UriKind.Absolute, out var uri)
            && uri.Scheme is "ipp" or "ipps" or "http" or "https")
            return uri;
        throw IppRequestException.BadRequest($"{attribute} '{value}' is not an ipp:// or http:// URI.");
    }
}
