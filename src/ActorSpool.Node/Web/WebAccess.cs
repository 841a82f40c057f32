using ActorSpool.Domain.Jobs;
using ActorSpool.Node.Security;

namespace ActorSpool.Node.Web;

/// <summary>Who sent a request to the HTTP port (REST API and console), as the queue's rules need it.</summary>
public sealed record WebIdentity(string? User, bool Authenticated, bool Admin)
{
    public static readonly WebIdentity Anonymous = new(null, false, false);

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

    /// <summary>The identity of the request (resolved once per request; Anonymous when nobody logged in).</summary>
    public static WebIdentity GetWebIdentity(this HttpContext http)
    {
        if (http.Items.TryGetValue(IdentityKey, out var known) && known is WebIdentity identity) return identity;
        identity = Resolve(http);
        http.Items[IdentityKey] = identity;
        return identity;
    }

    private static WebIdentity Resolve(HttpContext http)
    {
        if (http.RequestServices.GetService<Authenticator>() is not { } authenticator) return WebIdentity.Anonymous;
        var result = authenticator.Authenticate(http.Request.Headers.Authorization, http.Connection.RemoteIpAddress?.ToString() ?? "?", http.Request.IsHttps);
        return result.Status switch
        {
            AuthenticationStatus.Authenticated => new WebIdentity(result.User, true, authenticator.IsAdmin(result)),
            AuthenticationStatus.Anonymous => WebIdentity.Anonymous,
            _ => WebIdentity.Anonymous with { Failure = Refusal(result.Status) },
        };
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
                return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Login required", detail: "Only an administrator may do this; log in first.");
            if (!identity.Admin)
                return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Not allowed", detail: $"{identity.User} is not an administrator.");
            return await next(context);
        });
}
