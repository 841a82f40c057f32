using ActorSpool.Actors.Storage;
using ActorSpool.Domain.Jobs;
using ActorSpool.Domain.Topology;
using ActorSpool.TestSupport;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using static ActorSpool.Domain.Messages.BalancerProtocol;
using static ActorSpool.Domain.Messages.JobQueueProtocol;
using static ActorSpool.Domain.Messages.PrinterProtocol;

namespace ActorSpool.Actors.Tests.Queues;

/// <summary>
/// A printer with <c>sequential = on</c> holds a later job back only for jobs it expects: those it saw as a queue's
/// candidate that then left the turn. A queue therefore names every job to such a printer before it dispatches it,
/// also the one it takes while nobody has the turn (the first after a quiet spell), which it used to send unannounced:
/// a later job of another queue could then overtake it on the printer.
/// </summary>
public sealed class SequentialCandidateTests : TestKit
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly QueueDefinition North = new("north", ["ordered"], QueueMode.Failover, Sequential: false, DefaultPriority: 50,
        MaxAttempts: 3, MaxDocumentBytes: 1 << 20, RawPort: null);

    private readonly TempDirectory _data = new();
    private readonly SqliteDocumentStore _documents;

    public SequentialCandidateTests() : base(QueueTestSystem.Config)
    {
        _documents = new SqliteDocumentStore($"Data Source={Path.Combine(_data.Path, "documents.db")}");
    }

    [Fact]
    public async Task A_queue_names_its_job_to_a_sequential_printer_before_dispatching_it_while_nobody_has_the_turn()
    {
        var (queue, printers, balancer) = QueueTestSystem.StartQueue(this, North, _documents);
        QueueTestSystem.AnswerPrinterStatus(printers, sequential: true);

        Assert.IsType<Replies.JobAccepted>(await queue.Ask<object>(
            new Commands.SubmitJob("north", 1, "alice", "first", Priority: null, Hold: false, [new JobDocument(1, 100, "text/plain", null)]), Patience));
        Assert.Equal(1, balancer.FishForMessage<RequestWorker>(_ => true, Patience).Request.JobId);

        // The printer sees job 1 offered, then the queue's next candidate (none): job 1 left the turn, so it is expected.
        // (Before the job, the queue offered "none" as soon as it learnt the printer keeps submission order.)
        var offered = printers.FishForMessage<SequenceCandidate>(c => c.JobId is not null, Patience);
        var next = printers.FishForMessage<SequenceCandidate>(_ => true, Patience);
        Assert.Equal(("ordered", "north", 1L), (offered.Printer, offered.Queue, offered.JobId));
        Assert.Equal(("ordered", "north", (long?)null), (next.Printer, next.Queue, next.JobId));
    }

    protected override void AfterAll()
    {
        base.AfterAll();
        _documents.Dispose();
        _data.Dispose();
    }
}
