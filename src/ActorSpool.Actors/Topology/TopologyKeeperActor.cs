using ActorSpool.Actors.Printers;
using ActorSpool.Actors.Queues;
using ActorSpool.Domain.Messages;
using ActorSpool.Domain.Topology;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Akka.Persistence;
using static ActorSpool.Domain.Messages.TopologyProtocol;

namespace ActorSpool.Actors.Topology;

/// <summary>
/// The cluster's one truth about printers and queues (a singleton, "topology-keeper"). Event-sourced in the same
/// journal as the queues, so the topology survives a restart of the whole cluster and needs nothing beside the
/// database; each change is checked (the loader's rules, no queue removed while it holds unfinished jobs) and
/// journaled as the whole resulting printers.conf text, then published to every node's replica. The first start of a
/// new cluster journals the seed: the printers.conf of the node the keeper starts on.
/// </summary>
public sealed class TopologyKeeperActor : ReceivePersistentActor, IWithTimers
{
    public const string Name = "topology-keeper";
    public const string PersistenceIdValue = "actorspool-topology";

    /// <summary>How often the version is published anyway, so a replica that missed a change catches up.</summary>
    public static readonly TimeSpan VersionInterval = TimeSpan.FromSeconds(1);

    private const int SnapshotEvery = 20;
    private static readonly TimeSpan QueueCheckTimeout = TimeSpan.FromSeconds(10);

    private sealed record PublishVersion
    {
        public static readonly PublishVersion Instance = new();
    }

    /// <summary>The unfinished-jobs check of a change that removes queues, done.</summary>
    private sealed record RemovalChecked(Commands.ChangeTopology Change, SpoolTopology Result, string Summary, IActorRef ReplyTo, string[] Busy);

    private readonly SpoolTopology _seed;
    private readonly string _seedSource;
    private readonly IActorRef _queues;
    private readonly IActorRef _printers;
    private readonly IActorRef _mediator;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private SpoolTopology? _current;
    private string _hocon = "";

    public ITimerScheduler Timers { get; set; } = null!;

    public override string PersistenceId => PersistenceIdValue;

    public TopologyKeeperActor(SpoolTopology seed, string seedSource, IActorRef queues, IActorRef printers)
    {
        _seed = seed;
        _seedSource = seedSource;
        _queues = queues;
        _printers = printers;
        _mediator = DistributedPubSub.Get(Context.System).Mediator;

        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is Events.TopologyReplaced snapshot) _hocon = snapshot.Hocon;
        });
        // Only the newest text matters; it is parsed once, when recovery is over.
        Recover<Events.TopologyReplaced>(e => _hocon = e.Hocon);
        Recover<RecoveryCompleted>(_ => Recovered());
        Ready();
    }

    private void Recovered()
    {
        if (LastSequenceNr == 0)
        {
            var seedText = TopologyWriter.ToHocon(_seed);
            Persist(new Events.TopologyReplaced(seedText, $"seeded from {_seedSource}", "start-up", DateTimeOffset.UtcNow), e =>
            {
                Take(e);
                _log.Info("Topology: a new cluster; seeded from {0} ({1} printers, {2} queues), version {3}", _seedSource,
                    _seed.Printers.Count, _seed.Queues.Count, LastSequenceNr);
                Publish();
            });
        }
        else
        {
            _current = TopologyLoader.LoadText(_hocon, "journaled topology");
            _log.Info("Topology: version {0} recovered ({1} printers, {2} queues)", LastSequenceNr, _current.Printers.Count, _current.Queues.Count);
            Publish();
        }

        Timers.StartPeriodicTimer(PublishVersion.Instance, PublishVersion.Instance, VersionInterval);
    }

    private void Ready()
    {
        Command<Queries.GetTopology>(_ =>
        {
            if (_current is not null) Sender.Tell(new Replies.TopologyPublished(LastSequenceNr, _hocon));
        });
        Command<Commands.ChangeTopology>(Change);
        Command<PublishVersion>(_ =>
        {
            if (_current is not null) _mediator.Tell(new Publish(Topic, new Replies.TopologyVersion(LastSequenceNr)));
        });
        Command<SaveSnapshotSuccess>(s => DeleteMessages(s.Metadata.SequenceNr - 1));
        Command<SaveSnapshotFailure>(f => _log.Warning("Topology: snapshot failed: {0}", f.Cause.Message));
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(_ => { });
    }

    private void Change(Commands.ChangeTopology change)
    {
        if (_current is null)
        {
            Sender.Tell(Answer(TopologyChangeOutcome.Unavailable, ["the topology is still being recovered; try again"]));
            return;
        }

        var edits = new List<TopologyEdit>();
        var problems = new List<string>();
        foreach (var wire in change.Edits)
        {
            var (edit, problem) = TopologyEditWire.FromWire(wire);
            if (edit is not null) edits.Add(edit);
            else problems.Add(problem!);
        }

        var outcome = problems.Count == 0 ? TopologyEditor.Apply(_current, edits) : new TopologyEditOutcome(null, problems);
        var summary = string.Join(", ", edits.Select(e => e.Describe()));
        if (outcome.Topology is not { } result)
        {
            Sender.Tell(Answer(TopologyChangeOutcome.Invalid, outcome.Problems));
            return;
        }

        if (TopologyWriter.ToHocon(result) == _hocon)
        {
            Sender.Tell(Answer(TopologyChangeOutcome.Unchanged, []));
            return;
        }

        var removed = _current.Queues.Keys.Where(q => result.FindQueue(q) is null).ToArray();
        if (removed.Length == 0)
        {
            Commit(change, result, summary, Sender);
            return;
        }

        // A removed queue's jobs would be stranded: ask each queue first, and hold other changes until the answers are in.
        var replyTo = Sender;
        Task.WhenAll(removed.Select(async q =>
            {
                var status = await _queues.Ask<JobQueueProtocol.Replies.QueueStatus>(new JobQueueProtocol.Queries.GetQueueStatus(q), QueueCheckTimeout)
                    .ConfigureAwait(false);
                var unfinished = status.Pending + status.Held + status.Processing;
                return unfinished == 0 ? null
                    : $"queue {q} holds {unfinished} unfinished job(s) ({status.Pending} pending, {status.Held} held, {status.Processing} printing); " +
                      "move or cancel them first (spoolctl queue remove " + q + " --force --move-to QUEUE | --cancel)";
            }))
            .ContinueWith(t => t.IsCompletedSuccessfully
                ? new RemovalChecked(change, result, summary, replyTo, t.Result.OfType<string>().ToArray())
                : new RemovalChecked(change, result, summary, replyTo, [$"the queues to remove did not answer ({t.Exception?.GetBaseException().Message}); nothing changed"]))
            .PipeTo(Self);
        BecomeStacked(() =>
        {
            Command<RemovalChecked>(checkedRemoval =>
            {
                UnbecomeStacked();
                Stash.UnstashAll();
                // Other changes waited in the stash, so the topology is still the one the result was computed from.
                if (checkedRemoval.Busy.Length > 0)
                    checkedRemoval.ReplyTo.Tell(Answer(TopologyChangeOutcome.Conflict, checkedRemoval.Busy));
                else
                    Commit(checkedRemoval.Change, checkedRemoval.Result, checkedRemoval.Summary, checkedRemoval.ReplyTo);
            });
            CommandAny(_ => Stash.Stash());
        });
    }

    private void Commit(Commands.ChangeTopology change, SpoolTopology result, string summary, IActorRef replyTo)
    {
        var before = _current!;
        var text = TopologyWriter.ToHocon(result);
        Persist(new Events.TopologyReplaced(text, summary, change.By, DateTimeOffset.UtcNow), e =>
        {
            Take(e);
            _log.Info("Topology version {0} by {1}: {2}", LastSequenceNr, change.By, summary);
            replyTo.Tell(Answer(TopologyChangeOutcome.Applied, []));
            Publish();
            // New queues recover and new printers start their heartbeats now, not at their first job.
            foreach (var queue in result.Queues.Keys.Where(q => before.FindQueue(q) is null)) _queues.Tell(new JobQueueProtocol.Commands.WakeUp(queue));
            foreach (var printer in result.Printers.Keys.Where(p => before.FindPrinter(p) is null)) _printers.Tell(new PrinterProtocol.GetPrinterStatus(printer));
            if (LastSequenceNr % SnapshotEvery == 0) SaveSnapshot(e);
        });
    }

    private void Take(Events.TopologyReplaced e)
    {
        _hocon = e.Hocon;
        _current = TopologyLoader.LoadText(e.Hocon, "journaled topology");
    }

    private void Publish() => _mediator.Tell(new Publish(Topic, new Replies.TopologyPublished(LastSequenceNr, _hocon)));

    private Replies.TopologyChangeAnswer Answer(TopologyChangeOutcome outcome, IReadOnlyList<string> problems) =>
        new(outcome.ToString().ToLowerInvariant(), LastSequenceNr, problems.ToArray());

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        // The change is not in force; the singleton restarts (backoff) and recovers the last journaled version.
        _log.Error(cause, "Topology: the change could not be journaled; it is not in force");
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    public static Props Props(SpoolTopology seed, string seedSource, IActorRef queues, IActorRef printers) =>
        Akka.Actor.Props.Create(() => new TopologyKeeperActor(seed, seedSource, queues, printers));
}
