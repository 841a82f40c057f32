using System.Net;
using ActorSpool.Node.Ingress;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace ActorSpool.Node.Hosting;

/// <summary>
/// Connection limits of the IPP and HTTP ports. Kestrel bounds the total itself (MaxConcurrentConnections, set by
/// <see cref="Apply"/>); it has no per-address bound, so a connection middleware counts each client address and
/// closes a connection beyond its share before any byte of it is read.
/// </summary>
public static class KestrelConnectionLimits
{
    /// <summary>Sets the total limit and returns the per-address limiter the listeners share (<see cref="LimitPerAddress"/>).</summary>
    public static ConnectionLimiter Apply(KestrelServerOptions kestrel, LimitsSettings limits)
    {
        ArgumentNullException.ThrowIfNull(kestrel);
        ArgumentNullException.ThrowIfNull(limits);
        kestrel.Limits.MaxConcurrentConnections = limits.HttpMaxConnections;
        // Kestrel's MinRequestBodyDataRate (240 bytes/s after a 5 s grace) and RequestHeadersTimeout (30 s) stay on:
        // they drop an IPP client that trickles its request.
        return new ConnectionLimiter(limits.HttpMaxConnections, limits.HttpMaxConnectionsPerAddress);
    }

    /// <summary>Counts this listener's connections in <paramref name="limiter"/>; one beyond its address's share is closed.</summary>
    public static ListenOptions LimitPerAddress(this ListenOptions listen, ConnectionLimiter limiter, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(listen);
        ArgumentNullException.ThrowIfNull(limiter);
        listen.Use(next => async connection =>
        {
            using var lease = limiter.TryAdmit((connection.RemoteEndPoint as IPEndPoint)?.Address, out var refusal);
            if (lease is null)
            {
                logger.LogWarning("HTTP port {Port}: {Refusal}; closed the one from {Remote}", (connection.LocalEndPoint as IPEndPoint)?.Port, refusal, connection.RemoteEndPoint);
                connection.Abort();
                return;
            }

            await next(connection).ConfigureAwait(false);
        });
        return listen;
    }
}
