using ActorSpool.Node.Ingress.Ipp;
using ActorSpool.Node.Spool;
using static ActorSpool.Domain.Messages.JobQueueProtocol;
using static ActorSpool.Node.Web.Console.ConsoleLayout;

namespace ActorSpool.Node.Web.Console;

/// <summary>
/// GET /printers/NAME on the HTTP port, where printer-more-info points: the queue's state, counts, IPP URIs and
/// printers rendered at once (so the page reads without script), then the job list, filters, paging and the admin's
/// pause/resume buttons filled and kept live by queue.js.
/// </summary>
public static class QueuePage
{
    public static readonly string[] JobStates = ["pending", "pending-held", "processing", "processing-stopped", "completed", "canceled", "aborted"];

    public static async Task<IResult> HandleAsync(string queue, HttpContext http, ISpoolGateway spool)
    {
        if (!spool.Topology.Queues.TryGetValue(queue, out var definition))
            return NotFound(http, $"No queue named {queue} on this spooler.");
        var status = await spool.GetQueueStatusAsync(queue, http.RequestAborted);
        // The configured hostname, not the Host header (which the client chooses); bare IPP test servers serve
        // IPP and this page on one port.
        var address = http.RequestServices.GetService<IppPublicAddress>();
        var authority = $"{IppPublicAddress.UriHost(address?.Hostname ?? http.Connection.LocalIpAddress?.ToString() ?? "localhost")}:{address?.IppPort ?? http.Connection.LocalPort}";
        var path = $"{IppUris.PrintersPath}{Uri.EscapeDataString(queue)}";
        string[] uris = address?.TlsOffered == true ? [$"ipp://{authority}{path}", $"ipps://{authority}{path}"] : [$"ipp://{authority}{path}"];
        var main = RenderMain(status, definition.Printers, uris);
        return Html(Render(http, $"Queue {queue}", "queue", main, new Dictionary<string, string> { ["queue"] = queue }));
    }

    /// <summary>A queue's state in words, as the page first shows it (queue.js keeps it current).</summary>
    public static string StateText(bool paused, int acceptingPrinters, int processing) =>
        paused ? "paused (accepting jobs, printing none)"
        : acceptingPrinters == 0 ? "stopped (no printer is taking work)"
        : processing > 0 ? "processing" : "idle";

    public static string RenderMain(Replies.QueueStatus status, IReadOnlyList<string> printers, IReadOnlyList<string> ippUris)
    {
        var counts = new (string Name, int Count)[]
        {
            ("pending", status.Pending), ("held", status.Held), ("processing", status.Processing),
            ("completed", status.Completed), ("canceled", status.Canceled), ("aborted", status.Aborted),
        };
        var stateOptions = "<option value=\"active\">active (not finished)</option><option value=\"finished\">finished</option>" +
            string.Concat(JobStates.Select(s => $"<option value=\"{s}\">{s}</option>"));
        return $"""
            <h1>Queue {E(status.Queue)}</h1>
            <section aria-labelledby="queue-status-heading">
            <h2 id="queue-status-heading">Status</h2>
            <p>State: <strong id="queue-state">{E(StateText(status.Paused, status.AcceptingPrinters.Length, status.Processing))}</strong>{(status.Sequential ? "; sequential (one job at a time, in order)" : "")}</p>
            <p>Print to {string.Join(" or ", ippUris.Select(u => $"<code>{E(u)}</code>"))}</p>
            <p>Hosted by <span id="queue-host">…</span></p>
            <div id="queue-actions" class="actions"></div>
            <table id="counts" class="counts">
            <caption>Jobs by state</caption>
            <tbody>{string.Concat(counts.Select(r => $"<tr><th scope=\"row\">{r.Name}</th><td data-count=\"{r.Name}\">{r.Count}</td></tr>"))}</tbody>
            </table>
            </section>
            <section aria-labelledby="queue-printers-heading">
            <h2 id="queue-printers-heading">Printers</h2>
            <ul id="queue-printers" class="tiles">{string.Concat(printers.Select(p => PrinterTile(p, status.AcceptingPrinters.Contains(p) ? "taking work" : "not taking work")))}</ul>
            </section>
            <section aria-labelledby="jobs-heading">
            <h2 id="jobs-heading">Jobs</h2>
            <form id="job-filter" class="filters">
            <div><label for="filter-state">State</label> <select id="filter-state" name="state"><option value="">any</option>{stateOptions}</select></div>
            <div><label for="filter-user">User</label> <input id="filter-user" name="user" autocomplete="off"></div>
            <div><label for="filter-search">Search name or user</label> <input id="filter-search" name="q" type="search" autocomplete="off"></div>
            <div><button type="submit">Apply</button></div>
            </form>
            <div class="scroll" tabindex="0" role="region" aria-label="Jobs table">
            <table id="jobs" class="jobs">
            <caption id="jobs-caption">Jobs of this queue, newest first</caption>
            <thead><tr><th scope="col">Job</th><th scope="col">Name</th><th scope="col">User</th><th scope="col">State</th><th scope="col">Printer</th><th scope="col">Submitted</th></tr></thead>
            <tbody><tr><td colspan="6">Loading jobs…</td></tr></tbody>
            </table>
            </div>
            <nav aria-label="Job list pages" class="pager">
            <button type="button" id="first-page" disabled>First page</button>
            <button type="button" id="next-page" disabled>Next page</button>
            <span id="page-info"></span>
            </nav>
            </section>
            """;
    }

    /// <summary>A printer tile: its name linking to its page and its health in words (colour only repeats it).</summary>
    public static string PrinterTile(string printer, string detail = "") => $"""
        <li class="tile health-unknown" data-printer="{E(printer)}"><a href="/devices/{E(Uri.EscapeDataString(printer))}">{E(printer)}</a> <span class="health">unknown</span> <span class="detail">{E(detail)}</span></li>
        """;
}
