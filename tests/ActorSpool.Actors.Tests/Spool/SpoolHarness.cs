using ActorSpool.Actors.Balancing;
using ActorSpool.Actors.Hosting;
using ActorSpool.Actors.Housekeeping;
using ActorSpool.Actors.Printers;
using ActorSpool.Actors.Queues;
using ActorSpool.Actors.Storage;
using ActorSpool.Actors.Topology;
using ActorSpool.Actors.Workers;
using ActorSpool.Domain.Jobs;
using ActorSpool.Domain.Topology;
using ActorSpool.TestSupport;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Hosting;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static ActorSpool.Domain.Messages.JobQueueProtocol;

namespace ActorSpool.Actors.Tests.Spool;

/// <summary>
/// One spool node in the test process: the real actor graph (sharding, singleton, workers) on the real config
/// files, SQLite in a data directory, printing to simulators on loopback.
/// </summary>
public sealed class SpoolHarness : IAsyncDisposable
{
    private readonly IHost _host;

    private SpoolHarness(IHost host, SpoolTopology topology, IDocumentStore documents, string dataDirectory)
    {
        _host = host;
        Topology = topology;
        Documents = documents;
        DataDirectory = dataDirectory;
        System = host.Services.GetRequiredService<ActorSystem>();
        var registry = host.Services.GetRequiredService<ActorRegistry>();
        Queues = registry.Get<JobQueueRegion>();
        Printers = registry.Get<PrinterRegion>();
        Balancer = registry.Get<BalancerProxy>();
    }

    public ActorSystem System { get; }
    public IActorRef Queues { get; }
    public IActorRef Printers { get; }
    public IActorRef Balancer { get; }
    public SpoolTopology Topology { get; }
    public IDocumentStore Documents { get; }
    public string DataDirectory { get; }

    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    public static SpoolSettings FastSettings => new()
    {
        WorkersPerNode = 4,
        HeartbeatInterval = TimeSpan.FromMilliseconds(300),
        ProbeTimeout = TimeSpan.FromSeconds(1),
        ConnectTimeout = TimeSpan.FromSeconds(2),
        IdleTimeout = TimeSpan.FromSeconds(3),
        DeliveryTimeout = TimeSpan.FromSeconds(20),
        BreakerFailures = 100,
        DispatchRetryInterval = TimeSpan.FromSeconds(1),
        WorkerRegistrationInterval = TimeSpan.FromSeconds(1),
        OutcomeRetryInterval = TimeSpan.FromSeconds(1),
    };

    public static Task<SpoolHarness> StartAsync(string printersHocon, string dataDirectory, SpoolSettings? settings = null)
    {
        SqliteDataDirectory.Prepare(dataDirectory).Dispose(); // the harness keeps no running marker
        return StartAsync(printersHocon, dataDirectory, SpoolPersistence.SqliteProvider, SpoolPersistence.SqliteConnectionString(dataDirectory), settings,
            documentsConnection: SqliteDocumentsFile.ConnectionString(dataDirectory), snapshotConnection: SqliteSnapshotsFile.ConnectionString(dataDirectory));
    }

    /// <summary>A node of a cluster: <paramref name="seed"/> null forms the cluster, otherwise joins it; all nodes share one database.</summary>
    public static async Task<SpoolHarness> StartAsync(string printersHocon, string dataDirectory, string provider, string connection,
        SpoolSettings? settings = null, string? seed = null, int nodePort = 0, string? documentsConnection = null, string? snapshotConnection = null)
    {
        var topology = TopologyLoader.LoadText(printersHocon, "test-printers.conf");
        var live = new LiveTopology(topology);
        settings ??= FastSettings;
        var documents = DocumentStoreFactory.Create(provider, documentsConnection ?? connection);
        await documents.InitializeAsync();

        var config = ConfigurationFactory.ParseString(File.ReadAllText(RepoPaths.Config("actorspool.conf")));

        var host = new HostBuilder()
            .ConfigureServices(services => services.AddAkka("actorspool-test", (akka, _) =>
            {
                akka.AddHocon(config, HoconAddMode.Prepend)
                    .WithSpoolPersistence(provider, connection, snapshotConnection)
                    .WithRemoting("127.0.0.1", nodePort)
                    .WithClustering(new ClusterOptions
                    {
                        Roles = [SpoolRoles.Worker, SpoolRoles.Ingress],
                        SeedNodes = seed is null ? [] : [seed],
                    })
                    // The actor graph of a node with the worker role, composed as NodeHost composes it.
                    .WithDistributedPubSub(null!)
                    .WithPrinterRegion(live, settings, documents)
                    .WithJobQueueRegion(live, settings, documents)
                    .WithBalancer(hostsSingleton: true)
                    .WithLiveTopology(live, topology, "test-printers.conf", hostsSingleton: true)
                    .WithSpoolWorkers(settings, documents)
                    .WithOrphanSweeper(live, settings, documents)
                    .WithWakeUpOnMemberUp(live)
                    .WithActors((system, _) =>
                    {
                        if (seed is not null) return;
                        var cluster = Cluster.Get(system);
                        cluster.Join(cluster.SelfAddress);
                    });
            }))
            .Build();
        await host.StartAsync();
        return new SpoolHarness(host, topology, documents, dataDirectory);
    }

    /// <summary>Stores a one-document job and has its queue accept it, as ingress does.</summary>
    public async Task<JobRecord> SubmitAsync(string queue, byte[] data, int? priority = null, bool hold = false, string owner = "tester")
    {
        var jobId = await Documents.AllocateJobIdAsync(queue);
        var stored = await Documents.WriteDocumentAsync(jobId, 1, new MemoryStream(data), "application/octet-stream", null, long.MaxValue);
        var reply = await Queues.Ask<object>(
            new Commands.SubmitJob(queue, jobId, owner, $"job-{jobId}", priority, hold, [new JobDocument(1, stored.Length, stored.Format, null)]),
            Patience);
        return reply switch
        {
            Replies.JobAccepted accepted => accepted.Job,
            Replies.JobRejected rejected => throw new InvalidOperationException(rejected.Reason),
            _ => throw new InvalidOperationException($"unexpected reply {reply}"),
        };
    }

    /// <summary>Stores the documents of one job (numbered 1, 2, ...) and has its queue accept it with its copies, as ingress does.</summary>
    public async Task<JobRecord> SubmitCopiesAsync(string queue, IReadOnlyList<byte[]> documents, int copies, bool uncollated = false)
    {
        var jobId = await Documents.AllocateJobIdAsync(queue);
        var stored = new List<JobDocument>();
        for (var i = 0; i < documents.Count; i++)
        {
            var document = await Documents.WriteDocumentAsync(jobId, i + 1, new MemoryStream(documents[i]), "application/octet-stream", $"part-{i + 1}", long.MaxValue);
            stored.Add(new JobDocument(document.DocumentNumber, document.Length, document.Format, document.Name));
        }
        var submit = new Commands.SubmitJob(queue, jobId, "tester", $"job-{jobId}", null, false, stored.ToArray())
        {
            Copies = new Copies(copies, uncollated),
        };
        return await Queues.Ask<object>(submit, Patience) switch
        {
            Replies.JobAccepted accepted => accepted.Job,
            Replies.JobRejected rejected => throw new InvalidOperationException(rejected.Reason),
            var reply => throw new InvalidOperationException($"unexpected reply {reply}"),
        };
    }

    public async Task<JobRecord[]> JobsAsync(string queue, JobFilter which = JobFilter.All) =>
        (await Queues.Ask<Replies.JobList>(new Queries.GetJobs(queue, which, null, 0), Patience)).Jobs;

    public async Task<Replies.QueueStatus> QueueStatusAsync(string queue) =>
        await Queues.Ask<Replies.QueueStatus>(new Queries.GetQueueStatus(queue), Patience);

    /// <summary>Polls until every listed job satisfies the condition; fails with the jobs' states if it never does.</summary>
    public async Task<JobRecord[]> WaitForJobsAsync(string queue, Func<JobRecord[], bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Patience);
        JobRecord[] jobs;
        do
        {
            jobs = await JobsAsync(queue);
            if (condition(jobs)) return jobs;
            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);
        throw new TimeoutException($"queue {queue} never reached the expected state: " +
            string.Join("; ", jobs.Select(j => $"{j.JobId}:{j.State.ToKeyword()}/attempts {j.Attempts}/{j.Printer}/{j.LastError}")));
    }

    public static Task WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null) =>
        Eventually.WaitUntilAsync(condition, what, timeout ?? Patience);

    public Address Address => Cluster.Get(System).SelfAddress;

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
