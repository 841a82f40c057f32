using ActorSpool.Domain.Jobs;
using ActorSpool.Node.Security;
using ActorSpool.Node.Web.Login;

namespace ActorSpool.Node.Web;

/// <summary>Who sent a request to the HTTP port (REST API and console), as the queue's rules need it.</summary>
public sealed record WebIdentity(string? User, bool Authenticated, bool Admin)
{
    public static readonly WebIdentity Anonymous = new(null, false, false);

    /// <summary>How the request proved it: <c>basic</c>, <c>bearer</c> or <c>cookie</c> (a cookie's changes need the CSRF token); null when anonymous.</summary>
    public string? Via { get; init; }

    /// <summary>Why credentials the request carried were refused (wrong password, throttled, expired token); null when none failed.</summary>
    public string? Failure { get; init; }

    /// <summary>The requester of a job command: the logged-in user, else the name the client claims (never an admin).</summary>
    public Requester AsRequester(string? claimedName = null) =>
        Authenticated ? new Requester(User!, true, Admin) : Requester.Claiming(claimedName ?? "anonymous");
}

/// <summary>
/// Authentication and authorisation of the HTTP port's API and console: the same users file, admins and throttling as
/// IPP. Endpoints ask <see cref="GetWebIdentity"/>; admin-only ones are marked <see cref="RequireAdmin{TBuilder}"/>.
/// </summary>
public static class WebAccess
{
    private const string IdentityKey = "actorspool.web-identity";

    /// <summary>The console's login cookie (HttpOnly) and its CSRF companion (readable by script; sent back as <see cref="CsrfHeader"/>).</summary>
    public const string SessionCookie = "actorspool-session", CsrfCookie = "actorspool-csrf", CsrfHeader = "X-CSRF-Token";

    /// <summary>The identity of the request (resolved once per request; Anonymous when nobody logged in).</summary>
    public static WebIdentity GetWebIdentity(this HttpContext http)
    {
        if (http.Items.TryGetValue(IdentityKey, out var known) && known is WebIdentity identity) return identity;
        identity = Resolve(http);
        http.Items[IdentityKey] = identity;
        return identity;
    }

    /// <summary>Credentials in the contract's order: Authorization Basic, Authorization Bearer, then the session cookie.</summary>
    private static WebIdentity Resolve(HttpContext http)
    {
        if (http.RequestServices.GetService<Authenticator>() is not { } authenticator) return WebIdentity.Anonymous;
        var tokens = http.RequestServices.GetService<WebTokens>();
        var clock = http.RequestServices.GetService<TimeProvider>() ?? TimeProvider.System;
        string authorization = http.Request.Headers.Authorization.ToString();
        if (tokens is not null && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return FromToken(tokens.Verify(authorization["Bearer ".Length..].Trim(), TokenKind.Bearer, clock.GetUtcNow()), authenticator, "bearer");
        }
        if (authorization.Length == 0 && tokens is not null && http.Request.Cookies[SessionCookie] is { Length: > 0 } session)
        {
            // A stale or foreign cookie makes the visitor anonymous (reads stay open), not an error on every page.
            var check = tokens.Verify(session, TokenKind.Session, clock.GetUtcNow());
            return check.User is null ? WebIdentity.Anonymous : FromToken(check, authenticator, "cookie");
        }
        var result = authenticator.Authenticate(authorization, http.Connection.RemoteIpAddress?.ToString() ?? "?", http.Request.IsHttps);
        return result.Status switch
        {
            AuthenticationStatus.Authenticated => new WebIdentity(result.User, true, authenticator.IsAdmin(result)) { Via = "basic" },
            AuthenticationStatus.Anonymous => WebIdentity.Anonymous,
            _ => WebIdentity.Anonymous with { Failure = Refusal(result.Status) },
        };
    }

    private static WebIdentity FromToken(TokenCheck check, Authenticator authenticator, string via) =>
        check.User is { } user
            ? new WebIdentity(user, true, authenticator.IsAdmin(new AuthenticationResult(AuthenticationStatus.Authenticated, user))) { Via = via }
            : WebIdentity.Anonymous with { Failure = check.Refusal };

    /// <summary>
    /// The double-submit check for a change authenticated by the session cookie: header and cookie both carry the
    /// session's CSRF token. Null when the request passes (also when it did not come by cookie), else why not.
    /// </summary>
    public static string? CsrfRefusal(this HttpContext http)
    {
        if (http.GetWebIdentity().Via != "cookie") return null;
        var tokens = http.RequestServices.GetRequiredService<WebTokens>();
        var session = http.Request.Cookies[SessionCookie]!;
        var header = http.Request.Headers[CsrfHeader].ToString();
        return header.Length > 0 && header == http.Request.Cookies[CsrfCookie] && tokens.CsrfMatches(session, header)
            ? null
            : "CSRF token missing or wrong";
    }

    private static string Refusal(AuthenticationStatus status) => status switch
    {
        AuthenticationStatus.Throttled => "Too many failed logins lately; wait a minute and try again.",
        AuthenticationStatus.TlsRequired => "Basic credentials over plain HTTP are refused here (actorspool.security.allow-basic-without-tls = off); use https.",
        AuthenticationStatus.NotConfigured => "This spooler has no users file, so nobody can log in.",
        _ => "Unknown user or wrong password.",
    };

    /// <summary>Only an authenticated admin reaches the endpoint: others get 401 (not logged in) or 403 as problem details.</summary>
    public static TBuilder RequireAdmin<TBuilder>(this TBuilder endpoints) where TBuilder : IEndpointConventionBuilder =>
        endpoints.AddEndpointFilter(async (context, next) =>
        {
            var identity = context.HttpContext.GetWebIdentity();
            if (!identity.Authenticated)
                return Api.ApiProblems.Unauthorized(context.HttpContext, identity.Failure ?? "Only an administrator may do this; log in first.");
            if (!identity.Admin)
                return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Not allowed", detail: $"{identity.User} is not an administrator.");
            return await next(context);
        });
}
