using ActorSpool.Node.Hosting;
using ActorSpool.Node.Security;
using ActorSpool.Node.Web.Login;
using Akka.Configuration;
using Scalar.AspNetCore;

namespace ActorSpool.Node.Web.Api;

/// <summary>
/// The REST API on the HTTP port (docs/api.md): /api/v1/..., problem details for every error, the OpenAPI document at
/// /openapi/v1.json and its browsable reference at /api (Scalar, served from the node: no CDN, no fonts fetched).
/// </summary>
public static class SpoolApi
{
    public const string Prefix = "/api/v1";

    /// <summary>The API's services; reads <c>actorspool.web</c> and makes the session key file when there is none.</summary>
    public static IServiceCollection AddSpoolApi(this IServiceCollection services, NodeOptions options, Config hocon)
    {
        var web = WebSettings.FromConfig(hocon, options.DataDirectory);
        services.AddSingleton(web);
        services.AddSingleton(new WebTokens(web.LoadOrCreateKey()));
        services.AddProblemDetails();
        services.AddOpenApi();
        return services;
    }

    public static WebApplication MapSpoolApi(this WebApplication app)
    {
        var api = app.MapGroup(Prefix).ServedOnly(NodeListener.Web).WithTags("ActorSpool");
        api.AddEndpointFilter(AnswerFailuresAsProblems);

        var reads = api.MapGroup("").AddEndpointFilter(RequireLoginWhenConfigured);
        reads.MapApiReads();
        var changes = api.MapGroup("").AddEndpointFilter(CheckCsrf);
        changes.MapApiActions();
        app.MapWebLogin(api, changes);

        // Anything else under /api is a 404 problem, not the empty 404 of ASP.NET.
        app.MapFallback("/api/{**path}", (HttpContext http) => ApiProblems.NotFound($"no such resource: {http.Request.Method} {http.Request.Path}"))
            .ServedOnly(NodeListener.Web).ExcludeFromDescription();

        app.MapOpenApi().ServedOnly(NodeListener.Web);
        app.MapScalarApiReference("/api", scalar =>
        {
            scalar.Title = "ActorSpool REST API";
            scalar.OpenApiRoutePattern = "/openapi/{documentName}.json";
            // Everything from the node itself: printers live on networks without internet.
            scalar.DisableDefaultFonts();
            scalar.DisableTelemetry();
            scalar.DisableAgent();
            scalar.DisableMcp();
        }).ServedOnly(NodeListener.Web);
        return app;
    }

    /// <summary>A queue, printer or the balancer not answering in time is 503; a credential that failed is 401.</summary>
    private static async ValueTask<object?> AnswerFailuresAsProblems(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (http.GetWebIdentity().Failure is { } failure) return ApiProblems.Unauthorized(http, failure);
        try
        {
            return await next(context);
        }
        catch (TimeoutException e)
        {
            return ApiProblems.Unavailable(e.Message);
        }
        catch (ActorSpool.Actors.Storage.StorageUnavailableException e)
        {
            return ApiProblems.Unavailable($"The spooler cannot store anything now ({e.Message}); try again later.", "Storage unavailable");
        }
    }

    /// <summary>A change authenticated by the session cookie must carry the CSRF token (Basic and Bearer need none).</summary>
    private static async ValueTask<object?> CheckCsrf(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        context.HttpContext.CsrfRefusal() is { } refusal ? ApiProblems.Forbidden(refusal, "CSRF check failed") : await next(context);

    /// <summary>actorspool.security.require-authentication = on: reads too need a login (else they are open, as CUPS's pages).</summary>
    private static async ValueTask<object?> RequireLoginWhenConfigured(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var required = http.RequestServices.GetService<Authenticator>()?.Settings.RequireAuthentication == true;
        if (required && !http.GetWebIdentity().Authenticated)
        {
            return ApiProblems.Unauthorized(http, "This spooler requires a login for everything (actorspool.security.require-authentication).");
        }
        return await next(context);
    }
}
