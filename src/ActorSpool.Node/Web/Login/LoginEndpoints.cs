using System.Net;
using ActorSpool.Node.Hosting;
using ActorSpool.Node.Security;
using ActorSpool.Node.Web.Api;

namespace ActorSpool.Node.Web.Login;

/// <summary>
/// The web login: <c>GET/POST /login</c> (a plain HTML form; the session cookie and its CSRF cookie), <c>POST
/// /logout</c>, <c>GET /api/v1/me</c> (who the visitor is, and the CSRF token for the console's fetches) and <c>POST
/// /api/v1/tokens</c> (a bearer token for scripts). The form login passes the same Authenticator as Basic: users
/// file, throttle, and the allow-basic-without-tls rule over plain HTTP.
/// </summary>
public static class LoginEndpoints
{
    public const string LoginPath = "/login", LogoutPath = "/logout";

    /// <param name="api">/api/v1 (for /me)</param>
    /// <param name="changes">/api/v1 with the CSRF check (for /tokens)</param>
    public static void MapWebLogin(this WebApplication app, RouteGroupBuilder api, RouteGroupBuilder changes)
    {
        app.MapGet(LoginPath, (HttpContext http) => Results.Content(LoginPage.Render(http.Request.Query["returnUrl"], http.Request.Query["failed"] == "1",
                http.GetWebIdentity().User), "text/html; charset=utf-8"))
            .ServedOnly(NodeListener.Web).ExcludeFromDescription();
        app.MapPost(LoginPath, LogInAsync).ServedOnly(NodeListener.Web).ExcludeFromDescription();
        app.MapPost(LogoutPath, LogOut).ServedOnly(NodeListener.Web).ExcludeFromDescription();

        api.MapGet("/me", (HttpContext http, WebTokens tokens) =>
            {
                var identity = http.GetWebIdentity();
                var csrf = identity.Via == "cookie" ? tokens.CsrfFor(http.Request.Cookies[WebAccess.SessionCookie]!) : null;
                return Results.Ok(new MeView(identity.User, identity.Authenticated, identity.Admin, csrf));
            })
            .WithSummary("Who the visitor is, and the CSRF token the console's changes send as X-CSRF-Token").Produces<MeView>();

        changes.MapPost("/tokens", (HttpContext http, WebTokens tokens, WebSettings settings, TimeProvider clock) =>
            {
                var identity = http.GetWebIdentity();
                if (!identity.Authenticated) return ApiProblems.Unauthorized(http, "Log in with Basic credentials to get a token.");
                // A token cannot renew itself: it would then never expire.
                if (identity.Via == "bearer") return ApiProblems.Forbidden("A bearer token cannot make new tokens; log in with Basic credentials.");
                var expires = clock.GetUtcNow() + settings.SessionLifetime;
                return Results.Ok(new TokenView(tokens.Issue(TokenKind.Bearer, identity.User!, expires), expires, identity.User!));
            })
            .WithSummary("A bearer token for scripts (Authorization: Bearer TOKEN), valid for actorspool.web.session-lifetime").Produces<TokenView>();
    }

    private static async Task<IResult> LogInAsync(HttpContext http, Authenticator authenticator, WebTokens tokens, WebSettings settings, TimeProvider clock)
    {
        var form = http.Request.HasFormContentType ? await http.Request.ReadFormAsync(http.RequestAborted) : null;
        var user = form?["user"].ToString() ?? "";
        var password = form?["password"].ToString() ?? "";
        var returnUrl = LocalOrRoot(form?["returnUrl"].ToString());
        // The same check as a Basic header: the users file, the throttle, and no clear-text password unless allowed.
        var basic = "Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{user}:{password}"));
        var result = user.Length == 0 || user.Contains(':', StringComparison.Ordinal)
            ? new AuthenticationResult(AuthenticationStatus.BadCredentials)
            : authenticator.Authenticate(basic, http.Connection.RemoteIpAddress?.ToString() ?? "?", http.Request.IsHttps);
        if (result.Status != AuthenticationStatus.Authenticated)
        {
            return SeeOther(http, $"{LoginPath}?failed=1&returnUrl={Uri.EscapeDataString(returnUrl)}");
        }
        var expires = clock.GetUtcNow() + settings.SessionLifetime;
        var session = tokens.Issue(TokenKind.Session, result.User!, expires);
        var secure = http.Request.IsHttps;
        http.Response.Cookies.Append(WebAccess.SessionCookie, session, new CookieOptions
        {
            HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = secure, Path = "/", Expires = expires,
        });
        http.Response.Cookies.Append(WebAccess.CsrfCookie, tokens.CsrfFor(session), new CookieOptions
        {
            HttpOnly = false, SameSite = SameSiteMode.Strict, Secure = secure, Path = "/", Expires = expires,
        });
        return SeeOther(http, returnUrl);
    }

    private static IResult LogOut(HttpContext http)
    {
        if (http.CsrfRefusal() is { } refusal) return ApiProblems.Forbidden(refusal, "CSRF check failed");
        http.Response.Cookies.Delete(WebAccess.SessionCookie, new CookieOptions { Path = "/" });
        http.Response.Cookies.Delete(WebAccess.CsrfCookie, new CookieOptions { Path = "/" });
        return SeeOther(http, LoginPath);
    }

    /// <summary>303: the browser follows with a GET (the form's POST is not repeated).</summary>
    private static IResult SeeOther(HttpContext http, string location)
    {
        http.Response.Headers.Location = location;
        return Results.StatusCode(StatusCodes.Status303SeeOther);
    }

    /// <summary>Only a path of this site (one leading '/', not '//' nor '/\'): a login never sends the visitor elsewhere.</summary>
    public static string LocalOrRoot(string? url) =>
        url is { Length: > 0 } u && u[0] == '/' && (u.Length == 1 || u[1] is not ('/' or '\\')) && !u.Any(char.IsControl) ? u : "/";
}

/// <summary><c>GET /api/v1/me</c>.</summary>
public sealed record MeView(string? User, bool Authenticated, bool Admin, string? CsrfToken);

/// <summary><c>POST /api/v1/tokens</c>: send it as <c>Authorization: Bearer TOKEN</c>.</summary>
public sealed record TokenView(string Token, DateTimeOffset ExpiresAt, string User);

/// <summary>The login form: plain HTML, labelled fields, no script.</summary>
public static class LoginPage
{
    public static string Render(string? returnUrl, bool failed, string? loggedInAs)
    {
        static string E(string? text) => WebUtility.HtmlEncode(text ?? "");
        var back = LoginEndpoints.LocalOrRoot(returnUrl);
        var message = failed
            ? """<p role="alert" id="login-error">Login failed: unknown user or wrong password, too many attempts, or a password sent without TLS where the spooler refuses that.</p>"""
            : "";
        var already = loggedInAs is null ? "" : $"<p>You are logged in as <strong>{E(loggedInAs)}</strong>.</p>";
        return $$"""
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Log in - ActorSpool</title>
            <style>body{font-family:system-ui,sans-serif;max-width:24rem;margin:3rem auto;padding:0 1rem}label{display:block;margin-top:1rem}input{width:100%;padding:.4rem;font-size:1rem}button{margin-top:1.2rem;padding:.5rem 1.2rem;font-size:1rem}[role=alert]{color:#a00000}</style>
            </head>
            <body>
            <main>
            <h1>Log in to ActorSpool</h1>
            {{already}}{{message}}
            <form method="post" action="{{LoginEndpoints.LoginPath}}">
            <input type="hidden" name="returnUrl" value="{{E(back)}}">
            <label for="user">User name</label>
            <input id="user" name="user" autocomplete="username" required autofocus>
            <label for="password">Password</label>
            <input id="password" name="password" type="password" autocomplete="current-password" required>
            <button type="submit">Log in</button>
            </form>
            </main>
            </body>
            </html>
            """;
    }
}
