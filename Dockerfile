# ActorSpool node image.
#
#   docker build -t actorspool-node .
#   docker run --rm -p 8631:8631 -p 8080:8080 actorspool-node          # one node, SQLite in /app/data
#
# docker-compose.yml builds this image for PostgreSQL + a three-node cluster. Every node flag is an
# ACTORSPOOL_* environment variable (README: Configuration), so containers are configured with -e / environment:.

# --- build ------------------------------------------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Only what the node's build reads: the shared props, the sources and config/ (the node project links
# config/*.conf into its output). tests/, bin/, obj/, data/ and .git are kept out by .dockerignore.
COPY Directory.Build.props Directory.Packages.props ./
COPY config/ config/
COPY src/ src/
RUN dotnet publish src/ActorSpool.Node -c Release -o /app
# spoolctl beside it, for `docker-compose exec NODE spoolctl ...` (the command host is not published).
RUN dotnet publish src/ActorSpool.Cli -c Release -o /spoolctl

# --- runtime ----------------------------------------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app ./
COPY --from=build /spoolctl /opt/spoolctl
RUN printf '#!/bin/sh\nexec dotnet /opt/spoolctl/spoolctl.dll "$@"\n' > /usr/local/bin/spoolctl && chmod 755 /usr/local/bin/spoolctl
# The HOCON files, where the node looks for them (<app>/config): actorspool.conf, printers.conf
# and docker.conf (container overrides: command host on 0.0.0.0; pass it with ACTORSPOOL_CONFIG).
COPY config/ ./config/

# The node binds its own listeners (IPP 8631, HTTP 8080); the image's default ASPNETCORE_HTTP_PORTS=8080 would
# only make Kestrel log that it overrides it. Data (SQLite when no ACTORSPOOL_DB, demo printer output) goes to
# /app/data, writable by the image's non-root user; mount a volume there to keep a single node's SQLite data.
# DOTNET_TC_CallCountingDelayMs=0: optimise hot methods as soon as they are hot (docs/operations.md, "Runtime settings").
ENV ASPNETCORE_HTTP_PORTS= \
    ACTORSPOOL_DATA=/app/data \
    DOTNET_TC_CallCountingDelayMs=0
RUN mkdir -p /app/data && chown "$APP_UID" /app/data
USER $APP_UID

# IPP, HTTP (/health, /health/ready, /metrics), command host (needs a token and speaks TLS when not on
# 127.0.0.1), Akka remoting (mutual TLS with --remoting-certificate when the hostname is not loopback).
EXPOSE 8631 8080 9110 4053

# Ready = the node is an Up cluster member (GET /health/ready answers 200, else 503).
# The aspnet image has no curl or wget, and `dotnet` is no HTTP client. Rather than apt-get install curl
# (a package download at build time and a bigger image), the probe is bash's built-in /dev/tcp: open a TCP
# connection to the node's own HTTP port, send one HTTP/1.1 request, and succeed only on a "200" status
# line. bash is part of the aspnet image (it is the full Ubuntu/Debian image, not a chiseled one).
# It assumes the HTTP listener accepts on 127.0.0.1, true for the default listen = 0.0.0.0.
HEALTHCHECK --interval=10s --timeout=3s --start-period=40s --retries=3 \
  CMD bash -c 'exec 3<>/dev/tcp/127.0.0.1/${ACTORSPOOL_HTTP_PORT:-8080} && printf "GET /health/ready HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n" >&3 && head -n1 <&3 | grep -q " 200 "'

ENTRYPOINT ["dotnet", "ActorSpool.Node.dll"]
