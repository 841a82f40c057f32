using System.Diagnostics;
using ActorSpool.Actors.Storage;
using ActorSpool.Domain.Jobs;
using ActorSpool.Domain.Messages;
using ActorSpool.Domain.Topology;
using ActorSpool.Node.Spool;
using static ActorSpool.Domain.Messages.JobQueueProtocol;
using static ActorSpool.Domain.Messages.JobQueueProtocol.Events;

namespace ActorSpool.Node.Tests.Ingress.Ipp;

/// <summary>
/// In-memory <see cref="ISpoolGateway"/> over the real queue rules: a <see cref="QueueState"/> per queue, every job
/// command decided by <see cref="QueueRules"/> and its events applied at once, as the JobQueue actor does, so the IPP
/// service is tested without an ActorSystem against the rules the spooler runs. Documents are read in small chunks,
/// as the real store does, and kept in memory.
/// <para>
/// Time is <see cref="Clock"/>: it starts on a Wednesday morning in <see cref="HoldZone"/> and runs at real speed,
/// so named job-hold-until periods (night, weekend, ...) hold jobs whenever the tests run. Give the same clock to the
/// IppPrintService, so up-times and job times agree.
/// </para>
/// </summary>
internal sealed class FakeSpoolGateway : ISpoolGateway
{
    public const int ChunkSize = 4096;

    /// <summary>Wednesday 2026-01-07 10:00 UTC: day-time is on; evening, night, both shifts and the weekend are not.</summary>
    public static readonly DateTimeOffset ClockStart = new(2026, 1, 7, 10, 0, 0, TimeSpan.Zero);

    /// <summary>The zone the queues reckon job-hold-until periods in.</summary>
    public static readonly TimeZoneInfo HoldZone = TimeZoneInfo.Utc;

    private readonly object _lock = new();
    private readonly Dictionary<long, string> _allocated = [];
    private readonly Dictionary<string, FakeQueue> _queues = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<(long JobId, int Number), byte[]> _documents = [];
    // Document numbers handed out to Send-Documents, as the queue actor keeps them (not part of the queue's state).
    private readonly Dictionary<long, int> _documentSlots = [];
    private long _lastJobId;

    public FakeSpoolGateway(SpoolTopology? topology = null, TimeProvider? clock = null)
    {
        Topology = topology ?? DefaultTopology();
        Clock = clock ?? new RunningClock(ClockStart);
        StartedAt = Clock.GetUtcNow().AddMinutes(-5);
        foreach (var definition in Topology.Queues.Values)
            _queues[definition.Name] = new FakeQueue(new QueueRules(definition, HoldZone));
    }

    public SpoolTopology Topology { get; private set; }

    /// <summary>Takes a changed topology (a live change): new queues start empty, removed ones are forgotten.</summary>
    public void Follow(SpoolTopology topology)
    {
        lock (_lock)
        {
            Topology = topology;
            foreach (var definition in topology.Queues.Values.Where(q => !_queues.ContainsKey(q.Name)))
                _queues[definition.Name] = new FakeQueue(new QueueRules(definition, HoldZone));
            foreach (var gone in _queues.Keys.Where(name => topology.FindQueue(name) is null).ToArray())
                _queues.Remove(gone);
        }
    }

    /// <summary>The spooler's clock (see the class remarks).</summary>
    public TimeProvider Clock { get; }

    public DateTimeOffset StartedAt { get; set; }

    /// <summary>Queues none of whose printers accept work (printer-state stopped).</summary>
    public HashSet<string> OfflineQueues { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Queues paused through PauseQueueAsync (printer-state stopped, reason paused).</summary>
    public IReadOnlyCollection<string> PausedQueues
    {
        get
        {
            lock (_lock)
                return _queues.Values.Where(q => q.State.Paused).Select(q => q.Name).ToArray();
        }
    }

    /// <summary>
    /// When set, accepted jobs complete this long after submission (seen on the next call), like a printer that
    /// takes a moment: conformance suites then see them pending first and completed later. A paused queue starts
    /// none of its pending jobs.
    /// </summary>
    public TimeSpan? CompleteAfter { get; set; }

    /// <summary>When set, every call throws it (to test the internal-error path).</summary>
    public Exception? FailWith { get; set; }

    /// <summary>When set, StoreDocumentAsync throws it (a broken document store).</summary>
    public Exception? FailStoreWith { get; set; }

    /// <summary>Runs as StoreDocumentAsync starts (with the job id): lets a test change the job while its data arrives.</summary>
    public Action<long>? OnStore { get; set; }

    /// <summary>When set, SubmitAsync (and CreateJobAsync for a new job) answers JobRejected with this reason.</summary>
    public string? RejectWith { get; set; }

    public List<Commands.SubmitJob> Submitted { get; } = [];

    /// <summary>CreateJob, AddDocument and CloseJob commands as the service sent them.</summary>
    public List<object> Requests { get; } = [];

    public TimeSpan MultipleOperationTimeout { get; set; } = TimeSpan.FromSeconds(300);

    /// <summary>The largest single read the store issued on a document stream.</summary>
    public int LargestRead { get; private set; }

    public int AllocatedCount
    {
        get
        {
            lock (_lock)
                return _allocated.Count;
        }
    }

    private DateTimeOffset Now => Clock.GetUtcNow();

    public static SpoolTopology DefaultTopology(long maxDocumentBytes = TopologyDefaults.MaxDocumentBytes)
    {
        var printers = new Dictionary<string, PrinterDefinition>(StringComparer.OrdinalIgnoreCase)
        {
            ["p1"] = new("p1", new Uri("socket://127.0.0.1:9101"), null),
            ["p2"] = new("p2", new Uri("socket://127.0.0.1:9102"), null),
        };
        var queues = new Dictionary<string, QueueDefinition>(StringComparer.OrdinalIgnoreCase)
        {
            ["office"] = new("office", ["p1", "p2"], QueueMode.Failover, false, 50, 3, maxDocumentBytes, null),
            ["lab"] = new("lab", ["p2"], QueueMode.Balance, false, 30, 3, maxDocumentBytes, null),
        };
        return new SpoolTopology(printers, queues, "office");
    }

    public byte[]? Document(long jobId, int number = 1)
    {
        lock (_lock)
            return _documents.GetValueOrDefault((jobId, number));
    }

    public JobRecord Job(long jobId)
    {
        lock (_lock)
            return QueueOfJob(jobId).State.Find(jobId)!;
    }

    /// <summary>
    /// Moves a job on as dispatch and delivery would, through the queue's rules: Processing dispatches it to the
    /// queue's first printer, Completed delivers it, Aborted fails it until the queue gives up, Canceled cancels it.
    /// Throws when the rules do not get the job there (a test setting up something the spooler never does).
    /// </summary>
    public void SetState(long jobId, JobState state)
    {
        lock (_lock)
        {
            var queue = QueueOfJob(jobId);
            switch (state)
            {
                case JobState.Processing:
                    Dispatch(queue, jobId);
                    break;
                case JobState.Completed:
                    Deliver(queue, jobId, DeliveryOutcome.Delivered);
                    break;
                case JobState.Aborted:
                    while (!queue.State.Find(jobId)!.State.IsTerminal())
                        Deliver(queue, jobId, DeliveryOutcome.Failed);
                    break;
                case JobState.Canceled:
                    Decide(queue, new Commands.CancelJob(queue.Name, jobId, Requester.Operator));
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(state), state, "the fake spooler moves jobs to processing, completed, aborted or canceled");
            }
            var reached = queue.State.Find(jobId)!.State;
            if (reached != state)
                throw new InvalidOperationException($"job {jobId} is {reached.ToKeyword()}, not {state.ToKeyword()}: the queue's rules did not get it there");
        }
    }

    public Task<long> AllocateJobIdAsync(string queue, CancellationToken ct = default)
    {
        Check();
        lock (_lock)
        {
            long id = ++_lastJobId;
            _allocated[id] = queue;
            return Task.FromResult(id);
        }
    }

    public async Task<StoredDocument> StoreDocumentAsync(
        long jobId, int documentNumber, Stream content, string format, string? name, long maxBytes, CancellationToken ct = default)
    {
        Check();
        OnStore?.Invoke(jobId);
        if (FailStoreWith is not null)
            throw FailStoreWith;
        using var buffer = new MemoryStream();
        var chunk = new byte[ChunkSize];
        int read;
        while ((read = await content.ReadAsync(chunk, ct)) > 0)
        {
            LargestRead = Math.Max(LargestRead, read);
            buffer.Write(chunk, 0, read);
            if (buffer.Length > maxBytes)
                throw new DocumentTooLargeException(maxBytes);
        }
        if (buffer.Length == 0)
            throw new EmptyDocumentException();
        lock (_lock)
            _documents[(jobId, documentNumber)] = buffer.ToArray();
        return new StoredDocument(jobId, documentNumber, buffer.Length, format, name, "");
    }

    public Task<object> SubmitAsync(Commands.SubmitJob command, CancellationToken ct = default)
    {
        Check();
        lock (_lock)
        {
            Submitted.Add(command);
            if (RejectWith is not null)
                return Task.FromResult<object>(new Replies.JobRejected(command.JobId, RejectWith));
            return Task.FromResult<object>(Decide(Queue(command.Queue), command));
        }
    }

    /// <summary>As the document store's DeleteJob: the job's documents and its id are gone.</summary>
    public Task DiscardJobAsync(long jobId, CancellationToken ct = default)
    {
        Check();
        lock (_lock)
        {
            foreach (var key in _documents.Keys.Where(k => k.JobId == jobId).ToList())
                _documents.Remove(key);
            _allocated.Remove(jobId);
        }
        return Task.CompletedTask;
    }

    public Task<object> CreateJobAsync(Commands.CreateJob command, CancellationToken ct = default)
    {
        Check();
        lock (_lock)
        {
            Requests.Add(command);
            var queue = Queue(command.Queue);
            if (RejectWith is not null && queue.State.Find(command.JobId) is null)
                return Task.FromResult<object>(new Replies.JobRejected(command.JobId, RejectWith));
            return Task.FromResult<object>(Decide(queue, command));
        }
    }

    /// <summary>As the queue actor: the rules say whether the job takes a document, the number is one past any handed out.</summary>
    public Task<object> ReserveDocumentAsync(string queue, long jobId, Requester by, CancellationToken ct = default)
    {
        Check();
        lock (_lock)
        {
            var q = Queue(queue);
            if (q.Rules.DocumentProblem(q.State, new Commands.ReserveDocument(queue, jobId, by)) is { } refusal)
                return Task.FromResult<object>(refusal);
            var recorded = q.State.Find(jobId)!.Documents.Select(d => d.Number).DefaultIfEmpty(0).Max();
            int number = Math.Max(recorded, _documentSlots.GetValueOrDefault(jobId)) + 1;
            _documentSlots[jobId] = number;
            return Task.FromResult<object>(new Replies.DocumentReserved(jobId, number));
        }
    }

    public Task<Replies.CommandResult> AddDocumentAsync(Commands.AddDocument command, CancellationToken ct = default)
    {
        Check();
        lock (_lock)
        {
            Requests.Add(command);
            return Task.FromResult((Replies.CommandResult)Decide(Queue(command.Queue), command));
        }
    }

    public Task<Replies.CommandResult> CloseJobAsync(string queue, long jobId, Requester by, CancellationToken ct = default)
    {
        lock (_lock)
            Requests.Add(new Commands.CloseJob(queue, jobId, by));
        return Change(new Commands.CloseJob(queue, jobId, by));
    }

    public Task<Replies.CommandResult> RestartJobAsync(string queue, long jobId, JobHold? holdUntil, Requester by, CancellationToken ct = default) =>
        Change(new Commands.RestartJob(queue, jobId, holdUntil, by));

    public Task<Replies.CommandResult> CancelJobAsync(string queue, long jobId, Requester by, string? reason = null, CancellationToken ct = default) =>
        Change(new Commands.CancelJob(queue, jobId, by) { Reason = reason });

    public Task<Replies.CommandResult> PurgeJobsAsync(string queue, Requester by, CancellationToken ct = default) =>
        Change(new Commands.PurgeJobs(queue, by));

    public Task<Replies.CommandResult> HoldJobAsync(string queue, long jobId, Requester by, CancellationToken ct = default) =>
        Change(new Commands.HoldJob(queue, jobId, by));

    public Task<Replies.CommandResult> HoldJobAsync(string queue, long jobId, Requester by, JobHold until, CancellationToken ct) =>
        Change(new Commands.HoldJob(queue, jobId, by) { HoldUntil = until });

    public Task<Replies.CommandResult> ReleaseJobAsync(string queue, long jobId, Requester by, CancellationToken ct = default) =>
        Change(new Commands.ReleaseJob(queue, jobId, by));

    public Task<JobRecord?> GetJobAsync(string queue, long jobId, CancellationToken ct = default)
    {
        Check();
        lock (_lock)
            return Task.FromResult(_queues.TryGetValue(queue, out var q) ? q.State.Find(jobId) : null);
    }

    public Task<string?> FindQueueOfJobAsync(long jobId, CancellationToken ct = default)
    {
        Check();
        lock (_lock)
            return Task.FromResult(_allocated.GetValueOrDefault(jobId));
    }

    /// <summary>The queue actor's listing: not-completed jobs in dispatch order, completed ones newest first.</summary>
    public Task<JobRecord[]> GetJobsAsync(string queue, JobFilter which, string? owner, int limit, CancellationToken ct = default)
    {
        Check();
        lock (_lock)
        {
            return Task.FromResult(QueueRules.Listing(Queue(queue).State, which, owner, limit));
        }
    }

    public Task<Replies.QueueStatus> GetQueueStatusAsync(string queue, CancellationToken ct = default)
    {
        Check();
        lock (_lock)
            return Task.FromResult(Status(Queue(queue)));
    }

    public Task<object> PauseQueueAsync(string queue, Requester by, CancellationToken ct = default)
    {
        Check();
        lock (_lock)
            return Task.FromResult<object>(Decide(Queue(queue), new Commands.PauseQueue(queue, by)));
    }

    public Task<object> ResumeQueueAsync(string queue, Requester by, CancellationToken ct = default)
    {
        Check();
        lock (_lock)
            return Task.FromResult<object>(Decide(Queue(queue), new Commands.ResumeQueue(queue, by)));
    }

    /// <summary>A job command answered with a CommandResult (cancel, hold, release, close, restart).</summary>
    private Task<Replies.CommandResult> Change(IJobQueueCommand command)
    {
        Check();
        lock (_lock)
            return Task.FromResult((Replies.CommandResult)Decide(Queue(command.Queue), command));
    }

    /// <summary>
    /// The queue's rules decide; the events are applied at once, as the queue actor applies them; the answer is built
    /// from the state after them. Null from the rules means the queue's status (pause, resume).
    /// </summary>
    private ISpoolMessage Decide(FakeQueue queue, IJobQueueCommand command) =>
        Apply(queue, queue.Rules.Decide(queue.State, command, Now));

    private ISpoolMessage Apply(FakeQueue queue, QueueDecision decision)
    {
        foreach (var e in decision.Events)
            queue.State.Apply(e);
        return decision.Reply?.Invoke(queue.State) ?? Status(queue);
    }

    /// <summary>What the queue actor does when a worker is granted: the job goes to the queue's first printer.</summary>
    private void Dispatch(FakeQueue queue, long jobId)
    {
        var job = queue.State.Find(jobId)!;
        if (job.State != JobState.Pending)
            throw new InvalidOperationException($"job {jobId} is {job.State.ToKeyword()}: only a pending job is dispatched");
        queue.State.Apply(new JobDispatched(jobId, job.Dispatches + 1, queue.Printers[0], "fake-worker", Now));
    }

    /// <summary>The job is dispatched (unless it is already) and its worker reports <paramref name="outcome"/>.</summary>
    private void Deliver(FakeQueue queue, long jobId, DeliveryOutcome outcome)
    {
        if (queue.State.Find(jobId)!.State != JobState.Processing)
            Dispatch(queue, jobId);
        var job = queue.State.Find(jobId)!;
        var error = outcome == DeliveryOutcome.Failed ? "the fake printer failed" : null;
        var report = new Commands.ReportOutcome(queue.Name, jobId, job.Dispatches, job.Printer!, outcome, error);
        Apply(queue, queue.Rules.Outcome(queue.State, report, current: true, Now));
    }

    private Replies.QueueStatus Status(FakeQueue queue) =>
        queue.Rules.Status(queue.State, OfflineQueues.Contains(queue.Name) ? [] : [.. queue.Printers]);

    private FakeQueue Queue(string name) =>
        _queues.TryGetValue(name, out var queue) ? queue : throw new ArgumentException($"the fake spooler has no queue {name}", nameof(name));

    private FakeQueue QueueOfJob(long jobId) =>
        _queues.Values.FirstOrDefault(q => q.State.Find(jobId) is not null)
        ?? throw new KeyNotFoundException($"the fake spooler has no job {jobId}");

    private void Check()
    {
        if (FailWith is not null)
            throw FailWith;
        if (CompleteAfter is { } delay)
            CompleteDueJobs(delay);
    }

    private void CompleteDueJobs(TimeSpan delay)
    {
        lock (_lock)
        {
            var now = Now;
            foreach (var queue in _queues.Values)
            {
                var due = queue.State.Jobs
                    .Where(j => (j.State == JobState.Processing || (j.State == JobState.Pending && !queue.State.Paused)) && j.SubmittedAt + delay <= now)
                    .Select(j => j.JobId)
                    .ToList();
                foreach (var id in due)
                    Deliver(queue, id, DeliveryOutcome.Delivered);
            }
        }
    }

    /// <summary>One queue: its rules (from its definition) and the state its events built.</summary>
    private sealed class FakeQueue(QueueRules rules)
    {
        public QueueRules Rules { get; } = rules;

        public QueueState State { get; } = new();

        public string Name => Rules.Definition.Name;

        public IReadOnlyList<string> Printers => Rules.Definition.Printers;
    }

    /// <summary>A clock that starts at <paramref name="start"/> and runs at real speed.</summary>
    private sealed class RunningClock(DateTimeOffset start) : TimeProvider
    {
        private readonly long _started = Stopwatch.GetTimestamp();

        public override DateTimeOffset GetUtcNow() => start + Stopwatch.GetElapsedTime(_started);
    }
}
