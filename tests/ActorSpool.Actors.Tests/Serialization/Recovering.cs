using Akka.Actor;
using Akka.Persistence;
using Akka.TestKit;

namespace ActorSpool.Actors.Tests.Serialization;

/// <summary>What a persistence id recovered: the offered snapshot and every replayed event with its sequence number.</summary>
public sealed record Recovered(SelectedSnapshot? Snapshot, List<(long SequenceNr, object Event)> Events);

/// <summary>Recovers a persistence id in a test's actor system, as a queue entity would, and reports what it got.</summary>
public static class Recovering
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public static Recovered Recover(this TestKitBase kit, string persistenceId, Recovery recovery)
    {
        kit.Sys.ActorOf(Props.Create(() => new Recorder(persistenceId, recovery, kit.TestActor)));
        return kit.ExpectMsg<object>(Patience) switch
        {
            Recovered recovered => recovered,
            Exception failure => throw new InvalidOperationException("recovery failed", failure),
            var other => throw new InvalidOperationException($"unexpected {other}"),
        };
    }

    private sealed class Recorder(string persistenceId, Recovery recovery, IActorRef report) : UntypedPersistentActor
    {
        private readonly List<(long, object)> _events = [];
        private SelectedSnapshot? _snapshot;

        public override string PersistenceId => persistenceId;

        public override Recovery Recovery => recovery;

        protected override void OnRecover(object message)
        {
            switch (message)
            {
                case SnapshotOffer offer:
                    _snapshot = new SelectedSnapshot(offer.Metadata, offer.Snapshot);
                    break;
                case RecoveryCompleted:
                    report.Tell(new Recovered(_snapshot, _events));
                    break;
                default:
                    _events.Add((LastSequenceNr, message));
                    break;
            }
        }

        protected override void OnCommand(object message)
        {
        }

        protected override void OnRecoveryFailure(Exception reason, object? message = null)
        {
            report.Tell(reason);
            base.OnRecoveryFailure(reason, message);
        }
    }
}
