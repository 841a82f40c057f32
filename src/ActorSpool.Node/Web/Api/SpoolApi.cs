using ActorSpool.Node.Hosting;
using ActorSpool.Node.Security;
using Scalar.AspNetCore;

namespace ActorSpool.Node.Web.Api;

/// <summary>
/// The REST API on the HTTP port (docs/api.md): /api/v1/..., problem details for every error, the OpenAPI document at
/// /openapi/v1.json and its browsable reference at /api (Scalar, served from the node: no CDN, no fonts fetched).
/// </summary>
public static class SpoolApi
{
    public const string Prefix = "/api/v1";

    public static IServiceCollection AddSpoolApi(this IServiceCollection services)
    {
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
        api.MapApiActions();

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
    }

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
