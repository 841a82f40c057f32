using System.Net;
using ActorSpool.Node.Spool;
using static ActorSpool.Domain.Messages.JobQueueProtocol;

namespace ActorSpool.Node.Ingress.Ipp;

/// <summary>
/// The page behind printer-more-info (GET /printers/NAME on the HTTP port, beside /metrics: the IPP port serves IPP
/// only): the queue's state and job counts as HTML, so the link every IPP client shows leads somewhere.
/// </summary>
public static class QueuePage
{
    public static IEndpointConventionBuilder MapQueuePage(this IEndpointRouteBuilder app) =>
        app.MapGet(IppUris.PrintersPath + "{queue}", async (string queue, HttpContext http, ISpoolGateway spool) =>
        {
            if (!spool.Topology.Queues.TryGetValue(queue, out var definition))
            {
                return Results.Text($"No queue named {queue} on this spooler.\n", "text/plain; charset=utf-8", statusCode: StatusCodes.Status404NotFound);
            }
            var status = await spool.GetQueueStatusAsync(queue, http.RequestAborted);
            // The configured hostname, not the Host header (which the client chooses); bare IPP test servers serve
            // IPP and this page on one port.
            var address = http.RequestServices.GetService<IppPublicAddress>();
            var authority = $"{IppPublicAddress.UriHost(address?.Hostname ?? http.Connection.LocalIpAddress?.ToString() ?? "localhost")}:{address?.IppPort ?? http.Connection.LocalPort}";
            var path = $"{IppUris.PrintersPath}{Uri.EscapeDataString(queue)}";
            string[] uris = address?.TlsOffered == true ? [$"ipp://{authority}{path}", $"ipps://{authority}{path}"] : [$"ipp://{authority}{path}"];
            return Results.Content(Render(status, definition.Printers, uris), "text/html; charset=utf-8");
        });

    public static string Render(Replies.QueueStatus status, IReadOnlyList<string> printers, IReadOnlyList<string> ippUris)
    {
        static string E(string text) => WebUtility.HtmlEncode(text);
        var state = status.Paused ? "paused (accepting jobs, printing none)"
            : status.AcceptingPrinters.Length == 0 ? "stopped (no printer is taking work)"
            : status.Processing > 0 ? "processing" : "idle";
        var rows = new (string Name, int Count)[]
        {
            ("pending", status.Pending), ("held", status.Held), ("processing", status.Processing),
            ("completed", status.Completed), ("canceled", status.Canceled), ("aborted", status.Aborted),
        };
        return $"""
            <!DOCTYPE html>
            <html lang="en">
            <head><meta charset="utf-8"><title>{E(status.Queue)} · ActorSpool</title></head>
            <body>
            <main>
            <h1>Queue {E(status.Queue)}</h1>
            <p>State: {E(state)}{(status.Sequential ? "; sequential (one job at a time, in order)" : "")}</p>
            <p>Print to {string.Join(" or ", ippUris.Select(u => $"<code>{E(u)}</code>"))}</p>
            <h2>Printers</h2>
            <ul>{string.Concat(printers.Select(p => $"<li>{E(p)}{(status.AcceptingPrinters.Contains(p) ? "" : " (not taking work)")}</li>"))}</ul>
            <h2>Jobs</h2>
            <table><tbody>{string.Concat(rows.Select(r => $"<tr><th scope=\"row\">{r.Name}</th><td>{r.Count}</td></tr>"))}</tbody></table>
            </main>
            </body>
            </html>
            """;
    }
}
