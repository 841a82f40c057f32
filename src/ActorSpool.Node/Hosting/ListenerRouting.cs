using ActorSpool.Node.Ingress.Ipp;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace ActorSpool.Node.Hosting;

/// <summary>The node's two HTTP listeners: IPP clients on one, operators and monitoring on the other.</summary>
public enum NodeListener
{
    /// <summary>The IPP port: IPP only (ipp:// and ipps://).</summary>
    Ipp,

    /// <summary>The HTTP port: /health, /health/ready, /metrics and the queue pages.</summary>
    Web,
}

/// <summary>
/// Keeps each endpoint on its listener: IPP is not answered on the HTTP port, /metrics and the pages not on the IPP
/// port (which faces every printing client). Connections are tagged by their listener; endpoints say where they are
/// served; a request on the wrong one gets 404 naming the right port.
/// </summary>
public static class ListenerRouting
{
    private sealed record ListenerFeature(NodeListener Listener);

    /// <summary>Endpoint metadata: served only on <paramref name="Listener"/>.</summary>
    public sealed record ServedOn(NodeListener Listener);

    public static ListenOptions Serves(this ListenOptions listen, NodeListener listener)
    {
        var feature = new ListenerFeature(listener);
        listen.Use(next => connection =>
        {
            connection.Features.Set(feature); // requests see connection features through HttpContext.Features
            return next(connection);
        });
        return listen;
    }

    public static TBuilder ServedOnly<TBuilder>(this TBuilder endpoints, NodeListener listener) where TBuilder : IEndpointConventionBuilder =>
        endpoints.WithMetadata(new ServedOn(listener));

    /// <summary>After routing: refuses an endpoint reached through a listener it is not served on.</summary>
    public static IApplicationBuilder UseListenerRouting(this IApplicationBuilder app) => app.Use((http, next) =>
    {
        var servedOn = http.GetEndpoint()?.Metadata.GetMetadata<ServedOn>();
        var cameOn = http.Features.Get<ListenerFeature>();
        if (servedOn is null || cameOn is null || servedOn.Listener == cameOn.Listener) return next(http);

        http.Response.StatusCode = StatusCodes.Status404NotFound;
        var where = http.RequestServices.GetService<IppPublicAddress>() is { } address
            ? $"IPP is served on port {address.IppPort}; /health, /metrics and the queue pages on port {address.WebPort}."
            : "It is served on the node's other port.";
        return http.Response.WriteAsync($"Not served on this port. {where}\n");
    });
}
