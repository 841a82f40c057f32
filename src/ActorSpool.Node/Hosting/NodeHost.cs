using System.Net;
using System.Net.Sockets;
using ActorSpool.Actors;
using ActorSpool.Actors.Balancing;
using ActorSpool.Actors.Hosting;
using ActorSpool.Actors.Housekeeping;
using ActorSpool.Actors.Membership;
using ActorSpool.Actors.Printers;
using ActorSpool.Actors.Queues;
using ActorSpool.Actors.Storage;
using ActorSpool.Actors.Topology;
using ActorSpool.Actors.Workers;
using ActorSpool.Domain.Jobs;
using ActorSpool.Domain.Topology;
using ActorSpool.Node.Alerts;
using ActorSpool.Node.Discovery;
using ActorSpool.Node.Ingress;
using ActorSpool.Node.Ingress.Ipp;
using ActorSpool.Node.Management;
using ActorSpool.Node.Security;
using ActorSpool.Node.Spool;
using ActorSpool.Node.Web.Api;
using ActorSpool.Node.Web.Console;
using ActorSpool.Node.Web.Live;
using ActorSpool.Protocols.IppDelivery;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Hosting;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Akka.Remote.Transport.DotNetty;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Prometheus;

namespace ActorSpool.Node.Hosting;

/// <summary>Starts one spool node: storage, the actor graph, IPP/HTTP listeners and the command host.</summary>
public static class NodeHost
{
    /// <summary>Builds the node; <see cref="StartupException"/> for anything the operator must fix first.</summary>
    /// <remarks><paramref name="crashPoints"/>: only the chaos tests' host passes any (tests/ActorSpool.TestNode).</remarks>
    public static async Task<WebApplication> BuildAsync(NodeOptions options, Config hocon, CancellationToken ct = default, ICrashPoints? crashPoints = null)
    {
        crashPoints ??= NoCrashPoints.Instance;
        var seed = LoadTopology(options);
        var topology = new LiveTopology(seed); // the node's file until the cluster's live topology arrives
        EnsurePortsFree(options);
        ControlPlane.RequireCommandToken(options.CommandHost, options.CommandToken);
        var alerts = ReadAlerts(hocon); // before the data directory is touched: a bad setting changes nothing
        var clusterCertificate = RemotingSecurity.Resolve(options.Remoting, options.Hostname, out var remotingWarning);
        Directory.CreateDirectory(options.DataDirectory);
        var (documents, dataDirectory) = await OpenDocumentStoreAsync(options, ct);
        var commandHostTls = new CommandHostTls(ControlPlane.CommandHostCertificate(options, out _)); // after the data directory is private
        var settings = ReadSettings(hocon) with { WorkersPerNode = options.Workers, Site = options.Site, PrinterCertificates = ReadPrinterCertificates(hocon, options) };
        var security = ReadSecurity(hocon, options);
        var certificate = LoadCertificate(options);
        var limits = ReadLimits(hocon);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);
        // 2000 clients connecting at once overflow ASP.NET's default accept backlog of 512 (connects then wait and retry).
        builder.WebHost.UseSockets(sockets => sockets.Backlog = 4096);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            var address = IPAddress.Parse(options.ListenAddress);
            var perAddress = KestrelConnectionLimits.Apply(kestrel, limits);
            var log = kestrel.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("ActorSpool.Node.Limits");
            // One port for ipp:// and ipps:// (the first byte tells them apart), as CUPS does on 631.
            kestrel.Listen(address, options.IppPort, listen => listen.LimitPerAddress(perAddress, log).Serves(NodeListener.Ipp).UseTlsOrPlain(certificate, kestrel.Limits.KeepAliveTimeout));
            // The HTTP port too, so the console's logins and the API's credentials can travel encrypted.
            kestrel.Listen(address, options.HttpPort, listen => listen.LimitPerAddress(perAddress, log).Serves(NodeListener.Web).UseTlsOrPlain(certificate, kestrel.Limits.KeepAliveTimeout));
            kestrel.Limits.MaxRequestBodySize = null; // documents are bounded per queue by the document store
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));

        builder.Services.AddHostedService<GcPauseWatch>(); // first: the GC pauses of the start count too
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(commandHostTls);
        builder.Services.AddSingleton(new RemotingTlsState(clusterCertificate, remotingWarning));
        builder.Services.AddSingleton(topology);
        builder.Services.AddSingleton<ILiveTopology>(topology);
        builder.Services.AddSingleton<ITopologyAdmin, KeeperTopologyAdmin>();
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(limits);
        builder.Services.AddSingleton(documents);
        // Registered before Akka, so it stops after the actor system: checkpoints the WALs, removes the running marker.
        if (dataDirectory is not null) builder.Services.AddHostedService(_ => new SqliteDataDirectoryRelease(dataDirectory));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(crashPoints);
        builder.Services.AddSingleton<ISpoolGateway, ActorSpoolGateway>();
        builder.Services.AddSingleton<StorageHealth>();
        builder.Services.AddHostedService(services => services.GetRequiredService<StorageHealth>());
        builder.Services.AddSingleton(new IntakeLimiter(settings.IntakeConcurrency, settings.IntakeMaxWaiting, settings.IntakeMaxWait));
        // The free-space floor guards the data directory, where SQLite keeps the documents (PostgreSQL: the database's disk).
        builder.Services.AddSingleton(options.UsesPostgres ? DiskSpaceGuard.Off : DiskSpaceGuard.ForDirectory(options.DataDirectory, limits.MinFreeDiskBytes));
        builder.Services.AddSingleton(ReadDepartments(hocon)); // the owners' default priorities, applied by the intake
        builder.Services.AddSingleton<JobIntake>(); // IPP, LPD and raw take new jobs through it
        builder.Services.AddSingleton<IppPrintService>();
        builder.Services.AddSingleton(security);
        builder.Services.AddSingleton(certificate);
        builder.Services.AddSingleton(sp => new IppPublicAddress(options.Hostname, tlsOffered: true, () => BoundPorts(sp.GetRequiredService<IServer>())));
        builder.Services.AddSingleton(sp => new Authenticator(security,
            security.UsersFile.Length == 0 ? null : UsersFile.Load(security.UsersFile, sp.GetRequiredService<ILogger<UsersFile>>()),
            new LoginThrottle(security.LoginFailures, security.LoginWindow, TimeProvider.System), sp.GetRequiredService<ILogger<Authenticator>>()));
        builder.Services.AddCommandHost();
        builder.Services.AddSpoolApi(options, hocon); // the REST API and web login on the HTTP port (Web/Api, Web/Login)
        builder.Services.AddSingleton<DemoPrinters>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DemoPrinters>());

        var runsWorkers = options.Roles.Contains(SpoolRoles.Worker);
        builder.Services.AddAkka(NodeConfiguration.SystemName, (akka, _) =>
        {
            akka.AddHocon(hocon, HoconAddMode.Prepend)
                .WithSpoolPersistence(options.PersistenceProvider, options.ConnectionString, options.SnapshotConnectionString)
                .ConfigureLoggers(loggers =>
                {
                    loggers.ClearLoggers();
                    loggers.AddLogger<AkkaLogBridge>();
                })
                .WithRemoting(RemoteOptionsFor(options, clusterCertificate))
                .WithClustering(new ClusterOptions { Roles = options.Roles.ToArray() }); // joins below, once storage is ready

            // The actor graph, the same on one node as in a cluster. A node without the worker role (ingress only)
            // hosts no queue, printer, balancer or worker: it reaches them through the regions' and the balancer's proxies.
            akka.WithDistributedPubSub(null!) // printers publish their status to the queues over it
                .WithPrinterRegion(topology, settings, documents)
                .WithJobQueueRegion(topology, settings, documents)
                .WithBalancer(hostsSingleton: runsWorkers)
                .WithLiveTopology(topology, seed, options.PrintersFile, hostsSingleton: runsWorkers); // after the regions: the keeper asks and wakes them
            if (runsWorkers) akka.WithSpoolWorkers(settings, documents, crashPoints).WithOrphanSweeper(topology, settings, documents);
            akka.WithWakeUpOnMemberUp(topology); // after the regions and the balancer: a woken queue needs both
            akka.WithLiveFeed(options, topology); // the web console's events, stats and history (after the balancer proxy)
            akka.WithAlerts(alerts, topology, hostsSingleton: runsWorkers); // the alert manager singleton (docs/alerts.md)
            akka.WithCrashedNodeDowning(hocon.GetBoolean("actorspool.cluster.down-crashed-nodes", true)); // docs/cluster.md

            // Joins once the journal and snapshot store answer: the first shards are then placed at once (PersistenceWarmUp).
            akka.WithActors((system, _) => PersistenceWarmUp.JoinWhenStorageAnswers(system, options.Seeds.Select(seed => NodeConfiguration.ParseSeed(seed, tls: clusterCertificate is not null)).ToArray()));
        });

        builder.Services.AddIngress(options, hocon, topology); // LPD and raw listeners, after Akka so they start after it
        builder.Services.AddDnsSd(options, hocon); // advertises the queues through avahi-daemon (Discovery), stops first

        var app = builder.Build();
        app.UseRouting();
        app.UseListenerRouting(); // each endpoint on its own port (ListenerRouting)
        app.MapIpp().ServedOnly(NodeListener.Ipp);
        app.MapConsole().ServedOnly(NodeListener.Web); // the web console (Web/Console), queue pages included
        app.MapGet("/health", () => Results.Text("ok")).ServedOnly(NodeListener.Web);
        app.MapGet("/health/ready", Readiness).ServedOnly(NodeListener.Web);
        app.MapMetrics().ServedOnly(NodeListener.Web);
        app.MapLiveFeed();
        app.MapSpoolApi();
        return app;
    }

    /// <summary>
    /// Ready: a cluster member that is Up, follows the cluster's live topology and whose database answers. Otherwise 503
    /// with one line saying why (a load balancer in front then sends clients to another node; an operator reads when
    /// the outage began).
    /// </summary>
    private static IResult Readiness(ActorSystem system, StorageHealth storage, ILiveTopology topology)
    {
        var status = Cluster.Get(system).SelfMember.Status;
        if (status != MemberStatus.Up) return Results.Text($"not ready: cluster member status {status}", statusCode: StatusCodes.Status503ServiceUnavailable);
        if (!topology.IsLive) return Results.Text("not ready: the live topology has not arrived yet", statusCode: StatusCodes.Status503ServiceUnavailable);
        var condition = storage.Current;
        return condition.Available
            ? Results.Text("ready")
            : Results.Text($"not ready: storage unavailable since {condition.Since:yyyy-MM-dd'T'HH:mm:ss'Z'}: {condition.Error}", statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>
    /// Remoting on --hostname/--node-port; with the cluster certificate, mutual TLS: each side presents it and accepts
    /// only a peer presenting the same certificate (its thumbprint pinned; it is self-signed, so no CA chain to check,
    /// and nodes reach each other by addresses the certificate need not name).
    /// </summary>
    private static RemoteOptions RemoteOptionsFor(NodeOptions options, System.Security.Cryptography.X509Certificates.X509Certificate2? clusterCertificate)
    {
        var remote = new RemoteOptions { HostName = options.Hostname, Port = options.NodePort };
        if (clusterCertificate is null) return remote;
        remote.EnableSsl = true;
        remote.Ssl = new SslOptions
        {
            X509Certificate = clusterCertificate,
            SuppressValidation = false,
            RequireMutualAuthentication = true,
            ValidateCertificateHostname = false,
            CustomValidator = CertificateValidation.PinnedCertificate(clusterCertificate.Thumbprint),
        };
        return remote;
    }

    /// <summary>actorspool.security with --users/--admins over it; the users file is read now, so a bad one stops the start.</summary>
    private static SecuritySettings ReadSecurity(Config hocon, NodeOptions options)
    {
        try
        {
            var fromConfig = SecuritySettings.FromConfig(hocon);
            var security = fromConfig with
            {
                UsersFile = options.UsersFile,
                Admins = options.Admins.Count > 0 ? new HashSet<string>(options.Admins, StringComparer.Ordinal) : fromConfig.Admins,
            };
            if (security.Admins.Count > 0 && security.UsersFile.Length == 0)
            {
                throw new StartupException("--admins names admins, but no users file (--users) lets them log in");
            }
            if (security.UsersFile.Length > 0) UsersFile.Load(security.UsersFile, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
            return security;
        }
        catch (Akka.Configuration.ConfigurationException e)
        {
            throw new StartupException(e.Message, e);
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
        {
            throw new StartupException($"cannot use the users file (--users): {e.Message}", e);
        }
    }

    /// <summary>--tls-cert/--tls-key (actorspool.tls), else the data directory's self-signed certificate; a bad file stops the start.</summary>
    private static NodeCertificate LoadCertificate(NodeOptions options)
    {
        try
        {
            return NodeCertificate.Load(options.TlsCertificateFile, options.TlsKeyFile, options.DataDirectory, options.Hostname, TimeProvider.System);
        }
        catch (CertificateFileException e)
        {
            throw new StartupException(e.Message, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"cannot use the TLS certificate or key: {e.Message}", e);
        }
    }

    /// <summary>actorspool.tls.printer-certificates (pin by default); the pins are kept in the data directory.</summary>
    private static PrinterCertificatePolicy ReadPrinterCertificates(Config hocon, NodeOptions options)
    {
        var text = hocon.GetString("actorspool.tls.printer-certificates", "pin");
        try
        {
            return new PrinterCertificatePolicy(PrinterCertificatePolicy.ParseMode(text), Path.Combine(options.DataDirectory, PrinterPinsFile));
        }
        catch (FormatException e)
        {
            throw new StartupException($"actorspool.tls.printer-certificates: {e.Message}", e);
        }
    }

    /// <summary>Where the pinned printer certificates live, relative to the data directory.</summary>
    public static readonly string PrinterPinsFile = Path.Combine(NodeCertificate.SelfSignedDirectory, "printer-pins");

    private static LimitsSettings ReadLimits(Config hocon)
    {
        try
        {
            return LimitsSettings.FromConfig(hocon);
        }
        catch (Exception e) when (e is Akka.Configuration.ConfigurationException or FormatException or OverflowException)
        {
            throw new StartupException(e.Message, e);
        }
    }

    private static AlertSettings ReadAlerts(Config hocon)
    {
        try
        {
            return AlertSettings.FromConfig(hocon);
        }
        catch (Exception e) when (e is Akka.Configuration.ConfigurationException or FormatException or OverflowException)
        {
            throw new StartupException(e.Message, e);
        }
    }

    private static SpoolSettings ReadSettings(Config hocon)
    {
        try
        {
            return SpoolSettings.FromConfig(hocon);
        }
        catch (Akka.Configuration.ConfigurationException e)
        {
            throw new StartupException(e.Message, e);
        }
    }

    private static Departments ReadDepartments(Config hocon)
    {
        try
        {
            return Departments.FromConfig(hocon);
        }
        catch (Akka.Configuration.ConfigurationException e)
        {
            throw new StartupException(e.Message, e);
        }
    }

    /// <summary>Runs a node until Ctrl-C / SIGTERM; returns the process exit code.</summary>
    public static Task<int> RunAsync(NodeOptions options, Config hocon, CancellationToken ct) => RunAsync(options, hocon, NoCrashPoints.Instance, ct);

    /// <summary>Runs a node with <paramref name="crashPoints"/> (the chaos tests' host); returns the process exit code.</summary>
    public static async Task<int> RunAsync(NodeOptions options, Config hocon, ICrashPoints crashPoints, CancellationToken ct)
    {
        WebApplication app;
        try
        {
            app = await BuildAsync(options, hocon, ct, crashPoints);
        }
        catch (StartupException e)
        {
            await Console.Error.WriteLineAsync($"actorspool: {e.Message}");
            return e.ExitCode;
        }

        try
        {
            await app.StartAsync(ct);
        }
        catch (Exception e) when (e is Microsoft.AspNetCore.Connections.AddressInUseException || e.InnerException is SocketException)
        {
            await Console.Error.WriteLineAsync($"actorspool: cannot listen: {e.Message}");
            return 2;
        }

        LogListeners(app, options);
        await app.WaitForShutdownAsync(ct);
        return ExitCodeFor(CoordinatedShutdown.Get(app.Services.GetRequiredService<ActorSystem>()).ShutdownReason, app);
    }

    /// <summary>Exit code when the node stopped because of the cluster (not an operator's Ctrl-C / SIGTERM).</summary>
    public const int ExitJoinFailed = 3, ExitDowned = 4, ExitRemotingTlsFailed = 5;

    // A supervisor (systemd Restart=on-failure, Compose restart policies) should start such a node again: a fresh
    // process joins cleanly where the stopped one could not, so these are failures, not a clean exit.
    private static int ExitCodeFor(CoordinatedShutdown.Reason? reason, WebApplication app)
    {
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ActorSpool.Node");
        switch (reason)
        {
            case CoordinatedShutdown.ClusterJoinUnsuccessfulReason:
                log.LogError("Could not join the cluster through its seeds in time (akka.cluster.shutdown-after-unsuccessful-join-seed-nodes); exiting with {Code} so a supervisor restarts the node", ExitJoinFailed);
                return ExitJoinFailed;
            case not null when reason.GetType().Name == "TlsHandshakeFailureReason":
                // Akka.Remote stops the actor system when its own TLS handshake with a peer fails (the reason type is internal to it).
                log.LogError("Akka remoting's TLS handshake with a peer failed: one of the two does not have the cluster certificate " +
                             "(--remoting-certificate must be the same file on every node); exiting with {Code}", ExitRemotingTlsFailed);
                return ExitRemotingTlsFailed;
            case CoordinatedShutdown.ClusterDowningReason:
                log.LogError("This node was downed by the cluster (split brain resolver or an operator); exiting with {Code} so a supervisor restarts it as a new member", ExitDowned);
                return ExitDowned;
            default:
                return 0;
        }
    }

    public static void LogListeners(WebApplication app, NodeOptions options)
    {
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ActorSpool.Node");
        var ports = BoundPorts(app);
        var system = app.Services.GetRequiredService<ActorSystem>();
        var topology = app.Services.GetRequiredService<ILiveTopology>().Current;
        log.LogInformation("IPP listening on ipp://{Host}:{Port}/printers/{{{Queues}}}", options.ListenAddress, ports.Ipp, string.Join(",", topology.QueueNames));
        var certificate = app.Services.GetRequiredService<NodeCertificate>();
        log.LogInformation("IPP over TLS on the same port: ipps://{Host}:{Port}/ (certificate {Source}, SHA-256 {Fingerprint})",
            options.ListenAddress, ports.Ipp, certificate.Source, certificate.Certificate.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256));
        log.LogInformation("HTTP (web console /, queue pages /printers/NAME, REST API /api/v1, its reference /api, /login, /health, /health/ready, /metrics) listening on http://{Host}:{Port}/ and https:// on the same port", options.ListenAddress, ports.Http);
        var commandHost = app.Services.GetRequiredService<CommandHost>();
        if (app.Services.GetRequiredService<CommandHostTls>().Certificate is { } commandCertificate)
        {
            log.LogInformation("Command host listening on {Endpoint} (TLS only, certificate SHA-256 {Fingerprint})", commandHost.Endpoint,
                ActorSpool.Contracts.Spoolctl.CertificateFingerprint.Sha256(commandCertificate));
        }
        else
        {
            log.LogInformation("Command host listening on {Endpoint}", commandHost.Endpoint);
        }
        IngressServices.LogListeners(app.Services, log);
        var remoting = app.Services.GetRequiredService<RemotingTlsState>();
        log.LogInformation("Akka remoting on {Address}{Tls}", Cluster.Get(system).SelfAddress,
            remoting.ClusterCertificate is { } cluster ? $" (mutual TLS, cluster certificate {cluster.Thumbprint})" : " (plain)");
        if (remoting.Warning is { } remotingWarning) log.LogWarning("{Warning}", remotingWarning);
        log.LogInformation("Storage: {Provider} ({Where})", options.PersistenceProvider, options.UsesPostgres ? "PostgreSQL" : Path.GetFullPath(options.DataDirectory));
        if (options.UsesPostgres && options.Seeds.Count == 0)
        {
            // A shared database with two clusters on it loses and double-prints jobs (docs/cluster.md).
            log.LogWarning("No --seed: this node forms a cluster of its own on a shared database. Give every node of the cluster the same --seed list, or run only this one node on this database");
        }
    }

    /// <summary>The actual IPP and HTTP ports (they differ from the options when 0 was asked for).</summary>
    public static (int Ipp, int Http) BoundPorts(WebApplication app) => BoundPorts(app.Services.GetRequiredService<IServer>());

    private static (int Ipp, int Http) BoundPorts(IServer server)
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()!.Addresses
            .Select(a => new Uri(a.Replace("0.0.0.0", "127.0.0.1").Replace("[::]", "127.0.0.1")).Port)
            .ToList();
        return (addresses[0], addresses[1]);
    }

    private static SpoolTopology LoadTopology(NodeOptions options)
    {
        try
        {
            return TopologyLoader.LoadFile(options.PrintersFile);
        }
        catch (TopologyException e)
        {
            throw new StartupException($"invalid printers configuration:{Environment.NewLine}{e.Message}", e);
        }
    }

    private static void EnsurePortsFree(NodeOptions options)
    {
        var listen = IPAddress.Parse(options.ListenAddress);
        Check(listen, options.IppPort, "--ipp-port");
        Check(listen, options.HttpPort, "--http-port");
        Check(IPAddress.Parse(options.CommandHost), options.CommandPort, "--cmd-port");
        Check(IPAddress.Any, options.NodePort, "--node-port");

        static void Check(IPAddress address, int port, string flag)
        {
            if (port == 0) return;
            using var probe = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                probe.Bind(new IPEndPoint(address, port));
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                throw new StartupException($"port {port} ({flag}) is already in use on {address}; stop what uses it or choose another port");
            }
        }
    }

    /// <summary>The document store, and on SQLite the checked data directory in use (null on PostgreSQL).</summary>
    private static async Task<(IDocumentStore, SqliteDataDirectoryLease?)> OpenDocumentStoreAsync(NodeOptions options, CancellationToken ct)
    {
        var store = DocumentStoreFactory.Create(options.PersistenceProvider, options.DocumentsConnectionString);
        SqliteDataDirectoryLease? dataDirectory = null;
        try
        {
            PrivateDataDirectory.Secure(options.DataDirectory);
            if (!options.UsesPostgres) dataDirectory = SqliteDataDirectory.Prepare(options.DataDirectory);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            await store.InitializeAsync(timeout.Token);
            PrivateDataDirectory.Secure(options.DataDirectory); // again: the database files were created just now
            return (store, dataDirectory);
        }
        catch (DamagedDataFileException e)
        {
            throw new StartupException(e.Message, e, StartupException.DamagedData);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            var where = options.UsesPostgres ? "the PostgreSQL database given by --db" : $"the SQLite database in {Path.GetFullPath(options.DataDirectory)}";
            dataDirectory?.Dispose();
            throw new StartupException($"cannot open {where}: {e.Message}", e);
        }
    }
}

/// <summary>Releases the data directory when the host stops (see <see cref="SqliteDataDirectoryLease.Dispose"/>).</summary>
internal sealed class SqliteDataDirectoryRelease(SqliteDataDirectoryLease dataDirectory) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken)
    {
        dataDirectory.Dispose();
        return Task.CompletedTask;
    }
}
