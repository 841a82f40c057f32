using ActorSpool.Node.Ingress.Ipp;
using ActorSpool.Node.Spool;
using static ActorSpool.Node.Web.Console.ConsoleLayout;

namespace ActorSpool.Node.Web.Console;

/// <summary>The web console's pages and assets (GET only: every change goes through the REST API).</summary>
public static class ConsoleEndpoints
{
    /// <summary>Maps /, /printers/{queue}, /jobs/{id}, /devices/{printer}, /logs and /assets/{name}.</summary>
    public static RouteGroupBuilder MapConsole(this IEndpointRouteBuilder app)
    {
        var console = app.MapGroup("");
        console.AddEndpointFilter(async (context, next) =>
        {
            ConsoleAssets.SecureHeaders(context.HttpContext.Response);
            return await next(context);
        });
        console.MapGet("/", (HttpContext http, ISpoolGateway spool) =>
            Html(Render(http, "Overview", "overview", ConsolePages.Overview(spool.Topology))));
        console.MapGet(IppUris.PrintersPath + "{queue}", QueuePage.HandleAsync);
        console.MapGet("/jobs/{id:long}", (long id, HttpContext http) =>
            Html(Render(http, $"Job {id}", "job", ConsolePages.Job(id), new Dictionary<string, string> { ["job"] = id.ToString(System.Globalization.CultureInfo.InvariantCulture) })));
        console.MapGet("/devices/{printer}", (string printer, HttpContext http, ISpoolGateway spool) =>
            spool.Topology.FindPrinter(printer) is { } definition
                ? Html(Render(http, $"Printer {printer}", "device", ConsolePages.Device(definition, spool.Topology.QueuesUsing(definition.Name)),
                    new Dictionary<string, string> { ["printer"] = definition.Name }))
                : NotFound(http, $"No printer named {printer} on this spooler."));
        console.MapGet("/logs", (HttpContext http) => Html(Render(http, "Logs", "logs", ConsolePages.Logs())));
        console.MapGet(ConsoleAssets.Prefix + "{name}", ConsoleAssets.Serve);
        return console;
    }
}
