using ActorSpool.Actors.Storage;
using Prometheus;

namespace ActorSpool.Node.Spool;

/// <summary>Whether the spool's database answered the last check, since when, and why not.</summary>
public sealed record StorageCondition(bool Available, DateTimeOffset Since, string? Error);

/// <summary>
/// Asks the spool's database a trivial query every second (the document store: on PostgreSQL the journal's database
/// too), so <c>/health/ready</c> reports an outage and its end, the log says when it began and how long it lasted,
/// and <c>actorspool_storage_up</c> shows it. The check has its own timeout, so a hung database reads as down.
/// </summary>
public sealed class StorageHealth(IDocumentStore documents, ILogger<StorageHealth> logger, TimeProvider clock) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(3);

    private static readonly Gauge StorageUp = Metrics.CreateGauge("actorspool_storage_up",
        "1 while the spool's database answers this node's check (every second, 3 s timeout), else 0.");

    private static readonly string NoAnswer = $"no answer within {CheckTimeout.TotalSeconds:0} s";

    private volatile StorageCondition _current = new(true, clock.GetUtcNow(), null);
    private Task<string?>? _pending;

    public StorageCondition Current => _current;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        StorageUp.Set(1);
        using var timer = new PeriodicTimer(Interval, clock);
        do
        {
            await CheckAsync(stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One check; public so a test can drive it without waiting for the timer.</summary>
    /// <remarks>
    /// Npgsql gives a hung connection up only after its own timeouts (Command Timeout plus twice Timeout), whatever
    /// the token says, so the check waits for an answer at most <see cref="CheckTimeout"/> and leaves the query
    /// running; while it is out, no second one is started (a hung database would otherwise collect one a second).
    /// </remarks>
    public async Task CheckAsync(CancellationToken ct)
    {
        if (_pending is null || _pending.IsCompleted) _pending = AskAsync(ct);
        string? error;
        try
        {
            error = await _pending.WaitAsync(CheckTimeout, clock, ct);
        }
        catch (TimeoutException)
        {
            error = NoAnswer;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return;
        }
        Record(error);
    }

    /// <summary>The database's answer to a trivial query: null when it answered, else why not. Never throws but on stopping.</summary>
    private async Task<string?> AskAsync(CancellationToken stopping)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        limit.CancelAfter(CheckTimeout);
        try
        {
            await documents.CheckAsync(limit.Token);
            return null;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException)
        {
            return NoAnswer;
        }
        catch (Exception e)
        {
            return StorageUnavailableException.From(e).Message;
        }
    }

    private void Record(string? error)
    {
        var now = clock.GetUtcNow();
        var before = _current;
        if (error is null)
        {
            if (before.Available) return;
            _current = new StorageCondition(true, now, null);
            StorageUp.Set(1);
            logger.LogWarning("Storage available again after {Seconds:0.0} s of outage", (now - before.Since).TotalSeconds);
            return;
        }
        _current = before.Available ? new StorageCondition(false, now, error) : before with { Error = error };
        if (before.Available)
        {
            StorageUp.Set(0);
            logger.LogError("Storage unavailable: {Error}; submissions get \"service unavailable\" while its writes fail", error);
        }
    }
}
