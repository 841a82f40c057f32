using System.Diagnostics.Tracing;
using Prometheus;

namespace ActorSpool.Node.Hosting;

/// <summary>
/// Every GC pause of this process, measured from the runtime's own events (an in-process listener on the GC keyword at
/// level Informational: a dozen events per collection, no allocation sampling): exported as
/// <c>actorspool_gc_pauses_total</c>, <c>actorspool_gc_pause_seconds_total</c> and <c>actorspool_gc_pause_seconds_max</c>,
/// and a warning for a pause over <see cref="WarnAbove"/>, long enough to make the cluster's failure detector (heartbeat
/// 1 s, acceptable pause 3 s) suspicious. Sampling <c>GC.GetGCMemoryInfo</c> instead would miss pauses between two samples.
/// </summary>
/// <remarks>One per process (the metrics are process-wide); each node in the process attaches its logger while it runs.</remarks>
public sealed class GcPauseMonitor : EventListener
{
    public static readonly TimeSpan WarnAbove = TimeSpan.FromSeconds(1);

    private const string RuntimeSource = "Microsoft-Windows-DotNETRuntime";
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private const int SuspendEEBeginEventId = 9; // GCSuspendEEBegin_V1 (Reason, Count, ClrInstanceID)
    private const int RestartEEEndEventId = 3;   // GCRestartEEEnd_V1

    private static readonly Gauge LongestPause = Metrics.CreateGauge("actorspool_gc_pause_seconds_max",
        "The longest single GC pause of this node's process since it started (threads suspended until restarted).");
    private static readonly Counter Pauses = Metrics.CreateCounter("actorspool_gc_pauses_total",
        "GC pauses of this node's process (a background GC pauses twice, briefly).");
    private static readonly Counter PauseSeconds = Metrics.CreateCounter("actorspool_gc_pause_seconds_total",
        "Time this node's process spent paused by the GC.");

    private static readonly Lock StartLock = new();
    private static GcPauseMonitor? _instance;

    private readonly GcPauseTally _tally = new();
    private volatile ILogger[] _loggers = [];

    private GcPauseMonitor()
    {
    }

    /// <summary>Starts the process's monitor if not yet running, and logs long pauses to <paramref name="logger"/> until disposed.</summary>
    public static IDisposable Attach(ILogger logger)
    {
        GcPauseMonitor monitor;
        lock (StartLock) monitor = _instance ??= new GcPauseMonitor();
        monitor.Update(loggers => [.. loggers, logger]);
        return new Detach(() => monitor.Update(loggers => [.. loggers.Where(l => !ReferenceEquals(l, logger))]));
    }

    protected override void OnEventSourceCreated(EventSource source)
    {
        // Runs from the base constructor too, before this instance's fields are set: touch none here.
        if (source.Name == RuntimeSource) EnableEvents(source, EventLevel.Informational, GcKeyword);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        switch (e.EventId)
        {
            case SuspendEEBeginEventId:
                _tally.SuspensionBegan(e.TimeStamp, e.Payload is [var reason, ..] ? Convert.ToUInt32(reason, System.Globalization.CultureInfo.InvariantCulture) : 0);
                break;
            case RestartEEEndEventId when _tally.RestartEnded(e.TimeStamp) is { } pause:
                Pauses.Inc();
                PauseSeconds.Inc(pause.TotalSeconds);
                LongestPause.Set(_tally.Longest.TotalSeconds);
                if (pause > WarnAbove)
                {
                    foreach (var logger in _loggers)
                    {
                        logger.LogWarning("GC paused this node for {Milliseconds:0} ms (longer than the failure detector's heartbeat interval)", pause.TotalMilliseconds);
                    }
                }
                break;
        }
    }

    private void Update(Func<ILogger[], ILogger[]> change)
    {
        lock (StartLock) _loggers = change(_loggers);
    }

    private sealed class Detach(Action detach) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0) detach();
        }
    }
}

/// <summary>Attaches the node to the process's <see cref="GcPauseMonitor"/> from start to stop (the metrics and the long-pause warning).</summary>
public sealed class GcPauseWatch(ILogger<GcPauseMonitor> logger) : IHostedService, IDisposable
{
    private IDisposable? _attached;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _attached ??= GcPauseMonitor.Attach(logger);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose() => _attached?.Dispose();
}
