using ActorSpool.Actors;
using ActorSpool.Domain.Jobs;
using ActorSpool.Domain.Topology;
using ActorSpool.Node.Spool;
using ActorSpool.Node.Tests.Ingress.Ipp;
using static ActorSpool.Domain.Messages.JobQueueProtocol;

// Not ActorSpool.Node.Tests.Spool: that namespace would hide ActorSpool.Node.Spool from tests that write Spool.ISpoolGateway.
namespace ActorSpool.Node.Tests.Intake;

/// <summary>
/// The one intake path every ingress uses, against the in-memory spooler: what is kept and what is discarded for each
/// answer of the queue, the document size rules, the node's intake limit and the submission metrics.
/// </summary>
public sealed class JobIntakeTests
{
    // A queue of its own, so the metrics labelled with it count only this class's jobs.
    private const string QueueName = "jobintake-tests";
    private const long MaxDocumentBytes = 1000;

    private static readonly byte[] Document = "%!PS\nshowpage\n"u8.ToArray();

    private readonly FakeSpoolGateway _gateway = new(Topology());

    private QueueDefinition Queue => _gateway.Topology.Queues[QueueName];

    private NewJob Job => new(Queue, "alice", "report") { Copies = new Copies(2, Uncollated: false) };

    [Fact]
    public async Task An_accepted_job_carries_the_queues_job_and_keeps_its_document()
    {
        var intake = new JobIntake(_gateway);

        var result = await intake.SubmitNewJobAsync(Job, new MemoryStream(Document), "application/postscript", "report.ps");

        var job = Assert.IsType<IntakeResult.Accepted>(result).Job;
        Assert.Equal(QueueName, job.Queue);
        Assert.Equal("alice", job.Owner);
        Assert.Equal("report", job.Name);
        Assert.Equal(2, job.Copies.Count);
        var document = Assert.Single(job.Documents);
        Assert.Equal(Document.Length, document.Length);
        Assert.Equal("report.ps", document.Name);
        Assert.Equal(Document, _gateway.Document(job.JobId));
    }

    [Fact]
    public async Task A_job_the_queue_rejects_is_a_typed_rejection_and_its_document_is_discarded()
    {
        _gateway.RejectWith = "the queue is being deleted";
        var intake = new JobIntake(_gateway);

        var result = await intake.SubmitNewJobAsync(Job, new MemoryStream(Document), "application/postscript", null);

        var rejected = Assert.IsType<IntakeResult.Rejected>(result);
        Assert.Equal("the queue is being deleted", rejected.Reason);
        Assert.Equal(Assert.Single(_gateway.Submitted).JobId, rejected.JobId);
        Assert.Null(_gateway.Document(rejected.JobId));
    }

    [Fact]
    public async Task A_document_over_the_queues_limit_is_too_large_and_nothing_is_kept_or_submitted()
    {
        var intake = new JobIntake(_gateway);

        var result = await intake.SubmitNewJobAsync(Job, new MemoryStream(new byte[MaxDocumentBytes + 1]), "application/octet-stream", null);

        Assert.Equal(MaxDocumentBytes, Assert.IsType<IntakeResult.TooLarge>(result).Limit);
        Assert.Empty(_gateway.Submitted);
        Assert.Null(_gateway.Document(1));
    }

    [Fact]
    public async Task An_empty_document_is_refused_as_empty_and_nothing_is_kept_or_submitted()
    {
        var intake = new JobIntake(_gateway);

        var result = await intake.SubmitNewJobAsync(Job, new MemoryStream(), "application/octet-stream", null);

        Assert.IsType<IntakeResult.EmptyDocument>(result);
        Assert.Empty(_gateway.Submitted);
        Assert.Null(_gateway.Document(1));
    }

    [Fact]
    public async Task At_the_intake_limit_a_new_job_is_busy_and_nothing_is_stored()
    {
        var limiter = new IntakeLimiter(maxConcurrent: 1, maxWaiting: 0, maxWait: TimeSpan.Zero);
        var intake = new JobIntake(_gateway, limiter);
        var refusedBefore = SpoolMetrics.IntakeRefused.Value;
        using var inProgress = await intake.TryAdmitAsync(CancellationToken.None);
        Assert.NotNull(inProgress);

        var result = await intake.SubmitNewJobAsync(Job, new MemoryStream(Document), "application/octet-stream", null);

        Assert.Equal(1, Assert.IsType<IntakeResult.Busy>(result).MaxConcurrent);
        Assert.Equal(0, _gateway.AllocatedCount);
        Assert.Empty(_gateway.Submitted);
        Assert.True(SpoolMetrics.IntakeRefused.Value >= refusedBefore + 1, "a busy answer is counted in actorspool_intake_refused_total");
    }

    [Fact]
    public async Task The_intake_slot_is_given_back_whatever_became_of_the_job()
    {
        var intake = new JobIntake(_gateway, new IntakeLimiter(maxConcurrent: 1, maxWaiting: 0, maxWait: TimeSpan.Zero));

        Assert.IsType<IntakeResult.TooLarge>(await intake.SubmitNewJobAsync(Job, new MemoryStream(new byte[MaxDocumentBytes + 1]), "application/octet-stream", null));
        _gateway.RejectWith = "closed";
        Assert.IsType<IntakeResult.Rejected>(await intake.SubmitNewJobAsync(Job, new MemoryStream(Document), "application/octet-stream", null));
        _gateway.RejectWith = null;
        Assert.IsType<IntakeResult.Accepted>(await intake.SubmitNewJobAsync(Job, new MemoryStream(Document), "application/octet-stream", null));
        Assert.IsType<IntakeResult.Accepted>(await intake.CreateJobAsync(Job));
    }

    [Fact]
    public async Task Only_an_accepted_job_counts_in_the_submission_time_histogram()
    {
        var submissions = SpoolMetrics.SubmissionSeconds.WithLabels(QueueName);
        var intake = new JobIntake(_gateway);
        var before = submissions.Count;

        await intake.SubmitNewJobAsync(Job, new MemoryStream(Document), "application/octet-stream", null);
        _gateway.RejectWith = "closed";
        await intake.SubmitNewJobAsync(Job, new MemoryStream(Document), "application/octet-stream", null);

        Assert.Equal(before + 1, submissions.Count);
    }

    [Fact]
    public async Task A_job_stored_file_by_file_and_rejected_loses_all_its_documents()
    {
        var intake = new JobIntake(_gateway);
        var (jobId, documents) = await StoreTwoDocumentsAsync();
        _gateway.RejectWith = "the queue is closed";

        var result = await intake.SubmitStoredJobAsync(new Commands.SubmitJob(QueueName, jobId, "bob", "two files", null, false, documents));

        Assert.Equal("the queue is closed", Assert.IsType<IntakeResult.Rejected>(result).Reason);
        Assert.Null(_gateway.Document(jobId, 1));
        Assert.Null(_gateway.Document(jobId, 2));
    }

    [Fact]
    public async Task A_job_stored_file_by_file_and_accepted_keeps_all_its_documents()
    {
        var intake = new JobIntake(_gateway);
        var (jobId, documents) = await StoreTwoDocumentsAsync();

        var result = await intake.SubmitStoredJobAsync(new Commands.SubmitJob(QueueName, jobId, "bob", "two files", null, false, documents));

        Assert.Equal(2, Assert.IsType<IntakeResult.Accepted>(result).Job.Documents.Length);
        Assert.Equal(Document, _gateway.Document(jobId, 1));
        Assert.Equal(Document, _gateway.Document(jobId, 2));
    }

    [Fact]
    public async Task A_job_whose_submission_went_unanswered_keeps_its_documents_because_the_queue_may_have_it()
    {
        var intake = new JobIntake(_gateway);
        var (jobId, documents) = await StoreTwoDocumentsAsync();
        _gateway.FailWith = new TimeoutException("the queue did not answer");

        await Assert.ThrowsAsync<TimeoutException>(() =>
            intake.SubmitStoredJobAsync(new Commands.SubmitJob(QueueName, jobId, "bob", "two files", null, false, documents)));

        _gateway.FailWith = null;
        Assert.Equal(Document, _gateway.Document(jobId, 1));
        Assert.Equal(Document, _gateway.Document(jobId, 2));
    }

    [Fact]
    public async Task Create_job_records_an_incoming_job_without_documents_or_answers_the_rejection()
    {
        var intake = new JobIntake(_gateway);

        var created = Assert.IsType<IntakeResult.Accepted>(await intake.CreateJobAsync(Job)).Job;
        _gateway.RejectWith = "closed";
        var rejected = await intake.CreateJobAsync(Job);

        Assert.True(created.Incoming);
        Assert.Empty(created.Documents);
        Assert.Equal("closed", Assert.IsType<IntakeResult.Rejected>(rejected).Reason);
    }

    private async Task<(long JobId, JobDocument[] Documents)> StoreTwoDocumentsAsync()
    {
        var jobId = await _gateway.AllocateJobIdAsync(QueueName);
        var documents = new List<JobDocument>();
        foreach (var number in new[] { 1, 2 })
        {
            var stored = await _gateway.StoreDocumentAsync(jobId, number, new MemoryStream(Document), "application/octet-stream", null, MaxDocumentBytes);
            documents.Add(new JobDocument(stored.DocumentNumber, stored.Length, stored.Format, stored.Name));
        }

        return (jobId, documents.ToArray());
    }

    private static SpoolTopology Topology()
    {
        var printers = new Dictionary<string, PrinterDefinition>(StringComparer.OrdinalIgnoreCase)
        {
            ["p1"] = new("p1", new Uri("socket://127.0.0.1:9101"), null),
        };
        var queues = new Dictionary<string, QueueDefinition>(StringComparer.OrdinalIgnoreCase)
        {
            [QueueName] = new(QueueName, ["p1"], QueueMode.Failover, false, 50, 3, MaxDocumentBytes, null),
        };
        return new SpoolTopology(printers, queues, QueueName);
    }
}
