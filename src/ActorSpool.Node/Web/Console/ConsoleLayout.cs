using System.Net;

namespace ActorSpool.Node.Web.Console;

/// <summary>
/// The frame every console page shares: skip link, navigation, login state, a polite live region for updates and the
/// page's script. Pages are server-rendered shells (readable without script); the script fills and updates them from
/// the REST API and /api/v1/events.
/// </summary>
public static class ConsoleLayout
{
    /// <summary>HTML-encodes text for element content and quoted attribute values.</summary>
    public static string E(string? text) => WebUtility.HtmlEncode(text ?? "");

    /// <param name="page">The page's script (wwwroot/NAME.js) and its body's data-page.</param>
    /// <param name="data">data-* attributes of the body the script reads (names without "data-"; values encoded here).</param>
    public static string Render(HttpContext http, string title, string page, string main, IReadOnlyDictionary<string, string>? data = null)
    {
        var attributes = string.Concat((data ?? new Dictionary<string, string>()).Select(d => $" data-{d.Key}=\"{E(d.Value)}\""));
        var here = http.Request.Path + http.Request.QueryString;
        var login = "/login?returnUrl=" + Uri.EscapeDataString(here);
        return $"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{E(title)} · ActorSpool</title>
            <link rel="stylesheet" href="{ConsoleAssets.PathOf("console.css")}">
            <script type="module" src="{ConsoleAssets.PathOf(page + ".js")}"></script>
            </head>
            <body data-page="{E(page)}"{attributes}>
            <a class="skip-link" href="#main">Skip to content</a>
            <header class="site-header">
            <nav aria-label="Console">
            <ul>
            <li><a href="/">Overview</a></li>
            <li><a href="/logs">Logs</a></li>
            <li><a href="/api">API</a></li>
            </ul>
            </nav>
            <div id="identity" class="identity"><a id="login-link" href="{E(login)}">Log in</a></div>
            </header>
            <main id="main" tabindex="-1">
            {main}
            </main>
            <footer class="site-footer"><p>ActorSpool console, served by this node; <span id="connection">live updates connecting…</span></p></footer>
            <div id="announcer" class="visually-hidden" role="status" aria-live="polite"></div>
            </body>
            </html>
            """;
    }

    /// <summary>A page saying what was not found, with status 404.</summary>
    public static IResult NotFound(HttpContext http, string message) =>
        Results.Content(Render(http, "Not found", "console", $"<h1>Not found</h1>\n<p>{E(message)}</p>\n<p><a href=\"/\">Back to the overview</a></p>"),
            "text/html; charset=utf-8", statusCode: StatusCodes.Status404NotFound);

    public static IResult Html(string html) => Results.Content(html, "text/html; charset=utf-8");
}
