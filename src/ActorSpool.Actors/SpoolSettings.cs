using Akka.Configuration;

namespace ActorSpool.Actors;

/// <summary>Tunables of the spooling actors, read from <c>actorspool.spool</c> in HOCON.</summary>
public sealed record SpoolSettings
{
    public int WorkersPerNode { get; init; } = 8;

    /// <summary>This node's site (<c>--site</c>): its workers deliver only what may run there. Null: the node belongs to no site.</summary>
    public string? Site { get; init; }

    /// <summary>How ipps:// printers' certificates are checked; the node sets it from actorspool.tls.printer-certificates.</summary>
    public ActorSpool.Protocols.IppDelivery.PrinterCertificatePolicy PrinterCertificates { get; init; } = ActorSpool.Protocols.IppDelivery.PrinterCertificatePolicy.AcceptAny;
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(2);
    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromSeconds(2);
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan DeliveryTimeout { get; init; } = TimeSpan.FromMinutes(5);
    public int BreakerFailures { get; init; } = 3;
    public TimeSpan BreakerOpenFor { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A path whose failed share of deliveries within <see cref="FallbackErrorWindow"/> passes this is set aside (0 = never).</summary>
    public double FallbackErrorRatio { get; init; } = 0.05;

    /// <summary>How far back a path's delivery outcomes count, and how long a path is set aside.</summary>
    public TimeSpan FallbackErrorWindow { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Deliveries within the window before a path's error ratio counts.</summary>
    public int FallbackErrorMinDeliveries { get; init; } = 20;
    public TimeSpan OutcomeRetryInterval { get; init; } = TimeSpan.FromSeconds(2);
    public TimeSpan DispatchRetryInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The longest a printer holds a job back for the job its queue sent just before it (workers' messages may overtake
    /// each other); after a short wait it asks the queue, and stops waiting at once when that job is not coming.
    /// </summary>
    public TimeSpan PredecessorWait { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan WorkerRegistrationInterval { get; init; } = TimeSpan.FromSeconds(1);
    public int SnapshotEvery { get; init; } = 500;

    /// <summary>A queue deletes its journal up to each snapshot it saved (off: the journal keeps every event, for forensics).</summary>
    public bool TrimJournal { get; init; } = true;

    /// <summary>Submissions a node stores and accepts at once; more wait up to <see cref="IntakeMaxWait"/>, then hear "busy".</summary>
    public int IntakeConcurrency { get; init; } = 128;

    /// <summary>Submissions that may wait for an intake slot; beyond them the answer is "busy" at once.</summary>
    public int IntakeMaxWaiting { get; init; } = 8192;

    public TimeSpan IntakeMaxWait { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Jobs of one queue granted to one printer at a time: 2 = the next one is on its way while one prints.</summary>
    public int JobsInFlightPerPrinter { get; init; } = 4;
    public int RetainTerminalJobs { get; init; } = 1000;
    public TimeSpan RetainTerminalFor { get; init; } = TimeSpan.FromDays(1);

    /// <summary>How often a queue purges the finished jobs beyond <see cref="RetainTerminalJobs"/> or older than <see cref="RetainTerminalFor"/>.</summary>
    public TimeSpan RetentionInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the orphan sweep runs (one node of the cluster at a time); zero turns it off.</summary>
    public TimeSpan OrphanSweepInterval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Documents and job rows younger than this are never swept: a submission stores its document before its queue
    /// accepts the job, so the age must exceed the longest submission by far.
    /// </summary>
    public TimeSpan OrphanMinAge { get; init; } = TimeSpan.FromHours(1);
    /// <summary>
    /// IPP multiple-operation-time-out: how long a Create-Job job waits for its next Send-Document before the queue
    /// closes it (it has documents) or aborts it (it has none).
    /// </summary>
    public TimeSpan MultipleOperationTimeout { get; init; } = TimeSpan.FromSeconds(300);
    /// <summary>The zone job-hold-until periods (night, weekend, ...) are read in.</summary>
    public TimeZoneInfo HoldTimeZone { get; init; } = TimeZoneInfo.Local;

    public static SpoolSettings FromConfig(Config config)
    {
        var c = config.GetConfig("actorspool.spool");
        if (c is null || c.IsEmpty) return new SpoolSettings();
        var d = new SpoolSettings();
        return new SpoolSettings
        {
            WorkersPerNode = c.GetInt("workers", d.WorkersPerNode),
            HeartbeatInterval = c.GetTimeSpan("heartbeat-interval", d.HeartbeatInterval),
            ProbeTimeout = c.GetTimeSpan("probe-timeout", d.ProbeTimeout),
            ConnectTimeout = c.GetTimeSpan("connect-timeout", d.ConnectTimeout),
            IdleTimeout = c.GetTimeSpan("idle-timeout", d.IdleTimeout),
            DeliveryTimeout = c.GetTimeSpan("delivery-timeout", d.DeliveryTimeout),
            BreakerFailures = c.GetInt("breaker-failures", d.BreakerFailures),
            BreakerOpenFor = c.GetTimeSpan("breaker-open-for", d.BreakerOpenFor),
            FallbackErrorRatio = Ratio(c.GetDouble("fallback-error-ratio", d.FallbackErrorRatio)),
            FallbackErrorWindow = c.GetTimeSpan("fallback-error-window", d.FallbackErrorWindow),
            FallbackErrorMinDeliveries = Math.Max(1, c.GetInt("fallback-error-min-deliveries", d.FallbackErrorMinDeliveries)),
            OutcomeRetryInterval = c.GetTimeSpan("outcome-retry-interval", d.OutcomeRetryInterval),
            DispatchRetryInterval = c.GetTimeSpan("dispatch-retry-interval", d.DispatchRetryInterval),
            PredecessorWait = c.GetTimeSpan("predecessor-wait", d.PredecessorWait),
            WorkerRegistrationInterval = c.GetTimeSpan("worker-registration-interval", d.WorkerRegistrationInterval),
            SnapshotEvery = c.GetInt("snapshot-every", d.SnapshotEvery),
            TrimJournal = c.GetBoolean("trim-journal", d.TrimJournal),
            JobsInFlightPerPrinter = Math.Max(1, c.GetInt("jobs-in-flight-per-printer", d.JobsInFlightPerPrinter)),
            IntakeConcurrency = Math.Max(1, c.GetInt("intake-concurrency", d.IntakeConcurrency)),
            IntakeMaxWaiting = Math.Max(0, c.GetInt("intake-max-waiting", d.IntakeMaxWaiting)),
            IntakeMaxWait = c.GetTimeSpan("intake-max-wait", d.IntakeMaxWait),
            RetainTerminalJobs = c.GetInt("retain-terminal-jobs", d.RetainTerminalJobs),
            RetainTerminalFor = c.GetTimeSpan("retain-terminal-for", d.RetainTerminalFor),
            RetentionInterval = c.GetTimeSpan("retention-interval", d.RetentionInterval),
            OrphanSweepInterval = c.GetTimeSpan("orphan-sweep-interval", d.OrphanSweepInterval),
            OrphanMinAge = c.GetTimeSpan("orphan-min-age", d.OrphanMinAge),
            MultipleOperationTimeout = c.GetTimeSpan("multiple-operation-time-out", d.MultipleOperationTimeout),
            HoldTimeZone = c.GetString("hold-time-zone", "") is { Length: > 0 } zone ? FindZone(zone) : d.HoldTimeZone,
        };
    }

    private static double Ratio(double value) => value is >= 0 and <= 1
        ? value
        : throw new ConfigurationException($"actorspool.spool.fallback-error-ratio: {value} is no share of deliveries; use 0 (off) to 1, e.g. 0.05 for 5 %");

    private static TimeZoneInfo FindZone(string id)
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new ConfigurationException($"actorspool.spool.hold-time-zone: '{id}' is not a time zone this machine knows ({e.Message})");
        }
    }
}
