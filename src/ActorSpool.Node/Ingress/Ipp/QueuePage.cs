using System.Net;
using ActorSpool.Node.Spool;
using static ActorSpool.Domain.Messages.JobQueueProtocol;

namespace ActorSpool.Node.Ingress.Ipp;

/// <summary>
/// The page behind printer-more-info (GET /printers/NAME on the IPP port, where CUPS serves its printer pages too):
/// the queue's state and job counts as HTML, so the link every IPP client shows leads somewhere.
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
            var ippUri = $"ipp://{http.Request.Host}{IppUris.PrintersPath}{Uri.EscapeDataString(queue)}";
            return Results.Content(Render(status, definition.Printers, ippUri), "text/html; charset=utf-8");
        });

    public static string Render(Replies.QueueStatus status, IReadOnlyList<string> printers, string ippUri)
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
            <p>Print to <code>{E(ippUri)}</code></p>
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
