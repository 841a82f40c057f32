using ActorSpool.Domain.Jobs;
using ActorSpool.Domain.Topology;
using static ActorSpool.Node.Web.Console.ConsoleLayout;

namespace ActorSpool.Node.Web.Console;

/// <summary>
/// The overview, job, device and log pages: shells naming what the configuration knows (queues, printers), filled
/// and kept live by their scripts (wwwroot/overview.js, job.js, device.js, logs.js).
/// </summary>
public static class ConsolePages
{
    public static string Overview(SpoolTopology topology)
    {
        var queueRows = string.Concat(topology.QueueNames.Select(q => $"""
            <tr data-queue="{E(q)}"><th scope="row"><a href="/printers/{E(Uri.EscapeDataString(q))}">{E(q)}</a></th><td data-field="state">…</td><td data-field="pending">…</td><td data-field="held">…</td><td data-field="processing">…</td><td data-field="completed">…</td><td data-field="throughput">…</td></tr>
            """));
        var tiles = string.Concat(topology.PrinterNames.Select(p => QueuePage.PrinterTile(p)));
        return $"""
            <h1>ActorSpool cluster</h1>
            <section aria-labelledby="members-heading">
            <h2 id="members-heading">Members</h2>
            <p>Balancer hosted by <strong id="balancer-host">…</strong></p>
            <div class="scroll" tabindex="0" role="region" aria-label="Members table">
            <table id="members">
            <caption>Cluster members, as this node sees them</caption>
            <thead><tr><th scope="col">Address</th><th scope="col">Status</th><th scope="col">Reachability</th><th scope="col">Roles</th><th scope="col">Queues hosted</th></tr></thead>
            <tbody><tr><td colspan="5">Loading members…</td></tr></tbody>
            </table>
            </div>
            </section>
            <section aria-labelledby="queues-heading">
            <h2 id="queues-heading">Queues</h2>
            <div class="scroll" tabindex="0" role="region" aria-label="Queues table">
            <table id="queues">
            <caption>Queues: backlog and throughput</caption>
            <thead><tr><th scope="col">Queue</th><th scope="col">State</th><th scope="col">Pending</th><th scope="col">Held</th><th scope="col">Processing</th><th scope="col">Completed</th><th scope="col">Completed per minute</th></tr></thead>
            <tbody>{queueRows}</tbody>
            </table>
            </div>
            </section>
            <section aria-labelledby="printers-heading">
            <h2 id="printers-heading">Printers</h2>
            <ul id="printers" class="tiles">{tiles}</ul>
            </section>
            <section aria-labelledby="chart-heading">
            <h2 id="chart-heading">Last 15 minutes</h2>
            <div id="charts" class="charts">
            <figure><div id="chart-rate" class="chart"></div><figcaption>Jobs per second, submitted (solid) and completed (dashed), per node</figcaption></figure>
            <figure><div id="chart-p95" class="chart"></div><figcaption>95th percentile time from submit to printed (ms), per node</figcaption></figure>
            </div>
            <div class="scroll" tabindex="0" role="region" aria-label="Latest figures table">
            <table id="stats-latest">
            <caption>Latest figures per node</caption>
            <thead><tr><th scope="col">Node</th><th scope="col">Submitted per second</th><th scope="col">Completed per second</th><th scope="col">p95 submit to printed</th></tr></thead>
            <tbody><tr><td colspan="4">Loading figures…</td></tr></tbody>
            </table>
            </div>
            </section>
            """;
    }

    public static string Job(long id) => $"""
        <h1>Job {id}</h1>
        <p><a id="job-queue-link" href="/">Back to the overview</a></p>
        <section aria-labelledby="job-details-heading">
        <h2 id="job-details-heading">Details</h2>
        <dl id="job-details" class="details"><dt>State</dt><dd data-field="state">loading…</dd></dl>
        <div id="job-actions" class="actions"></div>
        </section>
        <section aria-labelledby="attempts-heading">
        <h2 id="attempts-heading">Attempts</h2>
        <div class="scroll" tabindex="0" role="region" aria-label="Attempts table">
        <table id="attempts">
        <caption>Every delivery attempt of the job, oldest first (the newest {JobAttempt.MaxKept} are kept)</caption>
        <thead><tr><th scope="col">Attempt</th><th scope="col">Printer</th><th scope="col">Node</th><th scope="col">Outcome</th><th scope="col">Started</th><th scope="col">Ended</th><th scope="col">Error</th></tr></thead>
        <tbody><tr><td colspan="7">Loading attempts…</td></tr></tbody>
        </table>
        </div>
        </section>
        """;

    public static string Device(PrinterDefinition printer, IReadOnlyList<QueueDefinition> queues) => $"""
        <h1>Printer {E(printer.Name)}</h1>
        <section aria-labelledby="device-status-heading">
        <h2 id="device-status-heading">Status</h2>
        <p>Health: <strong id="device-health" class="badge health-unknown">unknown</strong></p>
        <dl id="device-details" class="details">
        <dt>Device URI</dt><dd><code>{E(printer.Uri.ToString())}</code></dd>
        {(printer.FallbackUris.Count > 0 ? $"<dt>Fallback URIs (in order)</dt><dd>{string.Join("<br>", printer.FallbackUris.Select(f => $"<code>{E(f.ToString())}</code>"))}</dd>" : "")}
        <dt>Queues</dt><dd>{string.Join(", ", queues.Select(q => $"<a href=\"/printers/{E(Uri.EscapeDataString(q.Name))}\">{E(q.Name)}</a>"))}</dd>
        </dl>
        <dl id="device-live" class="details"><dt>State</dt><dd data-field="state">loading…</dd></dl>
        <div id="device-actions" class="actions"></div>
        </section>
        <section aria-labelledby="history-heading">
        <h2 id="history-heading">Health history</h2>
        <div class="scroll" tabindex="0" role="region" aria-label="History table">
        <table id="history">
        <caption>Changes of the printer's health seen by this node, newest first</caption>
        <thead><tr><th scope="col">When</th><th scope="col">Health</th><th scope="col">State</th><th scope="col">Reasons</th><th scope="col">Last error</th></tr></thead>
        <tbody><tr><td colspan="5">Loading history…</td></tr></tbody>
        </table>
        </div>
        </section>
        """;

    public static string Logs() => """
        <h1>Logs of this node</h1>
        <p id="logs-notice">Loading…</p>
        <div class="actions"><button type="button" id="logs-pause" hidden>Pause the tail</button></div>
        <div id="log-box" class="log-box" role="log" aria-label="Log lines, newest last" tabindex="0"><ol id="log-lines" class="log-lines"></ol></div>
        """;
}
