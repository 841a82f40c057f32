using Akka.Actor;
using Akka.Persistence;
using static ActorSpool.Domain.Messages.PrinterProtocol.PauseEvents;

namespace ActorSpool.Actors.Printers;

/// <summary>
/// Keeps a printer's pause in the journal (persistence id <c>printer-pause-NAME</c>), as a child of its
/// <see cref="PrinterActor"/>: the printer itself stays a plain actor, so deliveries never touch the journal. It tells
/// its parent the recovered state (<see cref="Recovered"/>), then records each change before the parent applies it
/// (<see cref="Recorded"/>). Only the latest event is kept: each one replaces the one before.
/// </summary>
public sealed class PrinterPauseRecord : ReceivePersistentActor
{
    /// <summary>Record a pause (or a resume); the parent hears <see cref="Recorded"/> or <see cref="NotRecorded"/>, naming <paramref name="ReplyTo"/>.</summary>
    public sealed record Record(bool Paused, IActorRef ReplyTo);

    public sealed record Recovered(bool Paused);

    public sealed record Recorded(bool Paused, IActorRef ReplyTo);

    public sealed record NotRecorded(IActorRef ReplyTo, Exception Cause);

    private bool _paused;
    private IActorRef? _recording;

    public override string PersistenceId { get; }

    public PrinterPauseRecord(string printer)
    {
        PersistenceId = PersistenceIdFor(printer);
        Recover<PrinterPaused>(_ => _paused = true);
        Recover<PrinterResumed>(_ => _paused = false);
        Recover<RecoveryCompleted>(_ => Context.Parent.Tell(new Recovered(_paused)));
        Command<Record>(asked =>
        {
            if (asked.Paused == _paused)
            {
                Context.Parent.Tell(new Recorded(_paused, asked.ReplyTo));
                return;
            }
            _recording = asked.ReplyTo;
            object change = asked.Paused ? new PrinterPaused(DateTimeOffset.UtcNow) : new PrinterResumed(DateTimeOffset.UtcNow);
            Persist(change, _ =>
            {
                _recording = null;
                _paused = asked.Paused;
                Context.Parent.Tell(new Recorded(_paused, asked.ReplyTo));
                // The journal keeps the highest sequence number (Akka.Persistence.Sql leaves its top row), so numbering goes on.
                if (LastSequenceNr > 1) DeleteMessages(LastSequenceNr - 1);
            });
        });
        Command<DeleteMessagesSuccess>(_ => { });
        Command<DeleteMessagesFailure>(_ => { });
    }

    public static string PersistenceIdFor(string printer) => $"printer-pause-{printer}";

    /// <summary>The journal failed the write: the parent answers the asker, and this record stops (the parent starts a new one).</summary>
    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        if (_recording is not null) Context.Parent.Tell(new NotRecorded(_recording, cause));
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        if (_recording is not null) Context.Parent.Tell(new NotRecorded(_recording, cause));
        _recording = null;
    }

    public static Props Props(string printer) => Akka.Actor.Props.Create(() => new PrinterPauseRecord(printer));
}
