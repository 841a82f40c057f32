using ActorSpool.Actors.Queues;
using ActorSpool.Actors.Storage;
using Akka.Actor;
using Akka.Event;
using Akka.Hosting;
using static ActorSpool.Domain.Messages.JobQueueProtocol;

namespace ActorSpool.Actors.Housekeeping;

/// <summary>
/// Runs the <see cref="OrphanSweep"/> every <see cref="SpoolSettings.OrphanSweepInterval"/>, one pass at a time. A
/// cluster singleton: every node shares the database, so one sweeper is enough and two would only race each other.
/// </summary>
public sealed class OrphanSweeperActor : ReceiveActor, IWithTimers
{
    private sealed record SweepDue
    {
        public static readonly SweepDue Instance = new();
    }

    private sealed record SweepFinished(OrphanSweepResult? Result, Exception? Failure);

    /// <summary>How long a queue has to answer (it may be recovering a long journal first).</summary>
    private static readonly TimeSpan QueueAnswerTimeout = TimeSpan.FromSeconds(30);

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly TimeSpan _interval;
    private bool _sweeping;

    public ITimerScheduler Timers { get; set; } = null!;

    public OrphanSweeperActor(Func<IReadOnlySet<string>> queues, SpoolSettings settings, IDocumentStore documents)
    {
        var region = ActorRegistry.For(Context.System).Get<JobQueueRegion>();
        Receive<SweepDue>(_ =>
        {
            if (_sweeping) return;
            _sweeping = true;
            var cutoff = DateTimeOffset.UtcNow - settings.OrphanMinAge;
            OrphanSweep.RunAsync(documents, queues(), (queue, ids) => AskAsync(region, queue, ids), cutoff)
                .ContinueWith(t => new SweepFinished(t.IsCompletedSuccessfully ? t.Result : null, t.Exception?.GetBaseException()))
                .PipeTo(Self);
        });
        Receive<SweepFinished>(finished =>
        {
            _sweeping = false;
            if (finished.Result is not { } result)
            {
                _log.Warning("Orphan sweep failed (tried again in {0}): {1}", settings.OrphanSweepInterval, finished.Failure?.Message);
                return;
            }
            if (result.Deleted > 0) _log.Info("Orphan sweep: deleted {0} job(s) no queue holds (documents and job rows older than {1})", result.Deleted, settings.OrphanMinAge);
            if (result.KeptUnconfigured > 0) _log.Info("Orphan sweep: kept {0} job(s) of queues not configured here", result.KeptUnconfigured);
            if (result.Unanswered.Length > 0) _log.Warning("Orphan sweep: queue(s) {0} did not answer; their jobs are kept until the next sweep", string.Join(", ", result.Unanswered));
        });
        _interval = settings.OrphanSweepInterval;
    }

    // The first pass one interval after the start: queues are recovering then.
    protected override void PreStart() => Timers.StartPeriodicTimer("sweep", SweepDue.Instance, _interval, _interval);

    private static async Task<long[]?> AskAsync(IActorRef region, string queue, long[] ids)
    {
        try
        {
            return await region.Ask<object>(new Queries.FindKnownJobs(queue, ids), QueueAnswerTimeout).ConfigureAwait(false) is Replies.KnownJobs known
                ? known.JobIds
                : null;
        }
        catch (AskTimeoutException)
        {
            return null;
        }
    }

    /// <param name="queues">The queues that exist at the time of each sweep (the live topology's).</param>
    public static Props Props(Func<IReadOnlySet<string>> queues, SpoolSettings settings, IDocumentStore documents) =>
        Akka.Actor.Props.Create(() => new OrphanSweeperActor(queues, settings, documents));
}
