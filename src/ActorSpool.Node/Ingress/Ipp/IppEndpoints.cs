using ActorSpool.Node.Security;
using ActorSpool.Protocols.Ipp;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ActorSpool.Node.Ingress.Ipp;

/// <summary>
/// IPP over HTTP (RFC 8010 §4): POST application/ipp to /printers/NAME, /ipp/print (the default queue) or / (the
/// printer-uri attribute names the queue). IPP-level errors are HTTP 200 with an IPP status, as the RFC requires.
/// </summary>
public static class IppEndpoints
{
    public const string ContentType = "application/ipp";

    /// <summary>The WWW-Authenticate challenge of a 401 (RFC 7617).</summary>
    public const string Challenge = "Basic realm=\"ActorSpool\", charset=\"UTF-8\"";

    /// <summary>Registers <see cref="IppPrintService"/>; the host registers <c>ISpoolGateway</c> itself.</summary>
    public static IServiceCollection AddIppPrintService(this IServiceCollection services)
    {
        services.TryAddSingleton<IppPrintService>();
        return services;
    }

    /// <summary>
    /// Maps the IPP endpoints. They match only Content-Type application/ipp (other content gets 415), so the same
    /// paths remain free for other POST handlers.
    /// </summary>
    public static IEndpointConventionBuilder MapIpp(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var group = app.MapGroup(string.Empty);
        group.MapPost("/printers/{queue}", HandleAsync);
        group.MapPost(IppUris.DefaultPrinterPath, HandleAsync);
        group.MapPost("/", HandleAsync);
        // CUPS's cancel, lpstat and lp -i post job operations (with a job-uri) to /jobs/ or /jobs/ID.
        group.MapPost("/jobs/{**job}", HandleAsync);
        // lpadmin posts CUPS-Add-Modify-Printer, -Delete-Printer and -Set-Default to /admin/.
        group.MapPost("/admin/{**path}", HandleAsync);
        group.WithMetadata(new AcceptsMetadata([ContentType]));
        return group;
    }

    private static async Task HandleAsync(HttpContext http)
    {
        var service = http.RequestServices.GetRequiredService<IppPrintService>();
        var ct = http.RequestAborted;

        // Documents are bounded per queue by the document store while they stream in, not by Kestrel's
        // request-wide default (30 MB), which would cut large jobs off mid-way.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = null;

        string? user = null;
        bool admin = false;
        if (http.RequestServices.GetService<Authenticator>() is { } authenticator)
        {
            var result = authenticator.Authenticate(http.Request.Headers.Authorization, http.Connection.RemoteIpAddress?.ToString() ?? "?", http.Request.IsHttps);
            var anonymousRefused = result.Status == AuthenticationStatus.Anonymous && authenticator.Settings.RequireAuthentication;
            if (result.Status is not (AuthenticationStatus.Anonymous or AuthenticationStatus.Authenticated) || anonymousRefused)
            {
                // HTTP 401 with a challenge, as CUPS answers: lp and ipptool then ask for (or send) credentials.
                http.Response.StatusCode = StatusCodes.Status401Unauthorized;
                http.Response.Headers.WWWAuthenticate = Challenge;
                return;
            }
            user = result.User;
            admin = authenticator.IsAdmin(result);
        }

        IppMessage response;
        try
        {
            response = await service.HandleAsync(http.Request.Body, ContextOf(http) with { AuthenticatedUser = user, Admin = admin }, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return; // the client went away; nobody is left to answer
        }

        if (response.Status == IppStatusCode.ClientErrorNotAuthenticated)
        {
            // An admin's operation without credentials: the challenge makes lp, lpadmin and ipptool log in and retry,
            // as CUPS answers (RFC 8010 §4.1: authentication is HTTP's).
            http.Response.StatusCode = StatusCodes.Status401Unauthorized;
            http.Response.Headers.WWWAuthenticate = Challenge;
            return;
        }

        byte[] bytes = IppWriter.Write(response);
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = ContentType;
        http.Response.ContentLength = bytes.Length;
        await http.Response.Body.WriteAsync(bytes, ct);
    }

    private static IppRequestContext ContextOf(HttpContext http)
    {
        // URIs handed back name the configured hostname and the port the request came in on: the Host header is the
        // client's to choose, and URIs built from it would send the next client wherever it said.
        var address = http.RequestServices.GetService<IppPublicAddress>();
        var host = IppPublicAddress.UriHost(address?.Hostname ?? http.Connection.LocalIpAddress?.ToString() ?? "localhost");
        var offer = IppPublicAddress.OfferFor(http.Request.IsHttps, http.RequestServices.GetService<Authenticator>()?.Settings);
        return new IppRequestContext($"{host}:{http.Connection.LocalPort}", http.Request.Path.Value ?? "/",
            OverTls: http.Request.IsHttps, Offers: [offer], WebAuthority: address is null ? null : $"{host}:{address.WebPort}");
    }
}
