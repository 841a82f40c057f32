using ActorSpool.Actors.Storage;
using ActorSpool.Domain.Jobs;
using ActorSpool.Domain.Topology;
using ActorSpool.Node.Spool;
using static ActorSpool.Domain.Messages.JobQueueProtocol;

namespace ActorSpool.Node.Tests.Ipp;

/// <summary>
/// In-memory <see cref="ISpoolGateway"/> with the JobQueue's rules (priority check, hold/release/cancel states,
/// listing filters), so the IPP service is tested without an ActorSystem. Documents are read in small chunks, as
/// the real store does, and kept in memory.
/// </summary>
internal sealed class FakeSpoolGateway : ISpoolGateway
{
    public const int ChunkSize = 4096;

    private readonly object _lock = new();
    private readonly Dictionary<long, string> _allocated = [];
    private readonly Dictionary<long, JobRecord> _jobs = [];
    private readonly Dictionary<(long JobId, int Number), byte[]> _documents = [];
    private readonly Dictionary<long, int> _documentSlots = [];
    private long _lastJobId;
    private long _sequence;

    public FakeSpoolGateway(SpoolTopology? topology = null)
    {
        Topology = topology ?? DefaultTopology();
        StartedAt = DateTimeOffset.UtcNow.AddMinutes(-5);
    }

    public SpoolTopology Topology { get; }

    public DateTimeOffset StartedAt { get; set; }

    /// <summary>Queues none of whose printers accept work (printer-state stopped).</summary>
    public HashSet<string> OfflineQueues { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Queues paused through PauseQueueAsync (printer-state stopped, reason paused).</summary>
    public HashSet<string> PausedQueues { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// When set, accepted jobs complete this long after submission (seen on the next call), like a printer that
    /// takes a moment: conformance suites then see them pending first and completed later.
    /// </summary>
    public TimeSpan? CompleteAfter { get; set; }

    /// <summary>When set, every call throws it (to test the internal-error path).</summary>
    public Exception? FailWith { get; set; }

    /// <summary>When set, StoreDocumentAsync throws it (a broken document store).</summary>
    public Exception? FailStoreWith { get; set; }

    /// <summary>Runs as StoreDocumentAsync starts (with the job id): lets a test change the job while its data arrives.</summary>
    public Action<long>? OnStore { get; set; }

    /// <summary>When set, SubmitAsync answers JobRejected with this reason.</summary>
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
            return _jobs[jobId];
    }

    /// <summary>Moves a job to another state, as dispatch and delivery would.</summary>
    public void SetState(long jobId, JobState state)
    {
        lock (_lock)
        {
            var job = _jobs[jobId];
            var now = DateTimeOffset.UtcNow;
            _jobs[jobId] = job with
            {
                State = state,
                Printer = state is JobState.Processing or JobState.Completed ? "p1" : job.Printer,
                ProcessingAt = state is JobState.Processing or JobState.Completed ? now : job.ProcessingAt,
                CompletedAt = state.IsTerminal() ? now : job.CompletedAt,
            };
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
            var queue = Topology.FindQueue(command.Queue)!;
            int priority = command.Priority ?? queue.DefaultPriority;
            if (priority is < 1 or > 100)
                return Task.FromResult<object>(new Replies.JobRejected(command.JobId, $"job-priority {priority} is outside 1..100"));
            var now = DateTimeOffset.UtcNow;
            var job = new JobRecord(command.JobId, queue.Name, command.Owner, command.Name, priority, ++_sequence,
                command.Documents, now)
            {
                State = command.Hold ? JobState.PendingHeld : JobState.Pending,
                HoldUntil = command.HoldUntil is { } hold ? hold.Until : command.Hold ? HoldUntil.Indefinite : null,
                ReleaseAt = command.HoldUntil?.ReleaseAt,
                Copies = command.Copies,
                UncollatedCopies = command.UncollatedCopies,
            };
            _jobs[job.JobId] = job;
            return Task.FromResult<object>(new Replies.JobAccepted(job));
        }
    }

    public Task<object> CreateJobAsync(Commands.CreateJob command, CancellationToken ct = default)
    {
        Check();
        lock (_lock)
        {
            Requests.Add(command);
            if (_jobs.TryGetValue(command.JobId, out var existing))
                return Task.FromResult<object>(new Replies.JobAccepted(existing));
            if (RejectWith is not null)
                return Task.FromResult<object>(new Replies.JobRejected(command.JobId, RejectWith));
            var queue = Topology.FindQueue(command.Queue)!;
            var job = new JobRecord(command.JobId, queue.Name, command.Owner, command.Name, command.Priority ?? queue.DefaultPriority,
                ++_sequence, [], DateTimeOffset.UtcNow)
            {
                State = JobState.PendingHeld,
                Incoming = true,
                HoldUntil = command.HoldUntil?.Until,
                ReleaseAt = command.HoldUntil?.ReleaseAt,
                Copies = command.Copies,
                UncollatedCopies = command.UncollatedCopies,
            };
            _jobs[job.JobId] = job;
            return Task.FromResult<object>(new Replies.JobAccepted(job));
        }
    }

    public Task<object> ReserveDocumentAsync(string queue, long jobId, CancellationToken ct = default)
    {
        Check();
        lock (_lock)
        {
            if (Refuse(queue, jobId, out var job) is { } refused)
                return Task.FromResult<object>(refused);
            int number = Math.Max(job.Documents.Length, _documentSlots.GetValueOrDefault(jobId)) + 1;
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
            if (Refuse(command.Queue, command.JobId, out var job) is { } refused)
                return Task.FromResult(refused);
            job = job with { Documents = [.. job.Documents, command.Document] };
            _jobs[job.JobId] = job = command.Last ? Closed(job) : job;
            return Task.FromResult(new Replies.CommandResult(CommandOutcome.Ok, null, job));
        }
    }

    public Task<Replies.CommandResult> CloseJobAsync(string queue, long jobId, CancellationToken ct = default)
    {
        lock (_lock)
            Requests.Add(new Commands.CloseJob(queue, jobId));
        return Change(queue, jobId, job => job switch
        {
            { Incoming: false } when !job.State.IsTerminal() => job,
            { Incoming: true, Documents.Length: > 0 } => Closed(job),
            _ => null,
        });
    }

    public Task<Replies.CommandResult> RestartJobAsync(string queue, long jobId, JobHold? holdUntil, CancellationToken ct = default) =>
        Change(queue, jobId, job => !job.State.IsTerminal() || job.Documents.Length == 0 ? null : job with
        {
            State = holdUntil is null ? JobState.Pending : JobState.PendingHeld,
            HoldUntil = holdUntil?.Until,
            Attempts = 0,
            CompletedAt = null,
            Sequence = ++_sequence,
        });

    public Task<Replies.CommandResult> HoldJobAsync(string queue, long jobId, JobHold until, CancellationToken ct) =>
        Change(queue, jobId, job => job.State is JobState.Pending or JobState.PendingHeld
            ? job with { State = JobState.PendingHeld, HoldUntil = until.Until, ReleaseAt = until.ReleaseAt }
            : null);

    private static JobRecord Closed(JobRecord job) => job with
    {
        Incoming = false,
        State = job.HoldRequested ? JobState.PendingHeld : JobState.Pending,
    };

    // The queue's answer when a job takes no document: unknown, finished or closed.
    private Replies.CommandResult? Refuse(string queue, long jobId, out JobRecord job)
    {
        if (!_jobs.TryGetValue(jobId, out job!) || !SameQueue(job.Queue, queue))
            return new Replies.CommandResult(CommandOutcome.NotFound, $"job {jobId} not found in queue {queue}", null);
        if (!job.Incoming)
            return new Replies.CommandResult(CommandOutcome.NotPossible, $"job {jobId} is closed ({job.State.ToKeyword()})", job);
        return null;
    }

    public Task<JobRecord?> GetJobAsync(string queue, long jobId, CancellationToken ct = default)
    {
        Check();
        lock (_lock)
            return Task.FromResult(_jobs.TryGetValue(jobId, out var job) && SameQueue(job.Queue, queue) ? job : null);
    }

    public Task<string?> FindQueueOfJobAsync(long jobId, CancellationToken ct = default)
    {
        Check();
        lock (_lock)
            return Task.FromResult(_allocated.GetValueOrDefault(jobId));
    }

    public Task<JobRecord[]> GetJobsAsync(string queue, JobFilter which, string? owner, int limit, CancellationToken ct = default)
    {
        Check();
        lock (_lock)
        {
            var jobs = _jobs.Values.Where(j => SameQueue(j.Queue, queue));
            jobs = which switch
            {
                JobFilter.NotCompleted => jobs.Where(j => !j.State.IsTerminal()).OrderBy(j => j.Sequence),
                JobFilter.Completed => jobs.Where(j => j.State.IsTerminal()).OrderByDescending(j => j.CompletedAt),
                _ => jobs.OrderBy(j => j.Sequence),
            };
            if (owner is not null)
                jobs = jobs.Where(j => j.Owner == owner);
            return Task.FromResult((limit > 0 ? jobs.Take(limit) : jobs).ToArray());
        }
    }

    public Task<Replies.CommandResult> CancelJobAsync(string queue, long jobId, string by, CancellationToken ct = default) =>
        Change(queue, jobId, job => job.State.IsTerminal() ? null : job with
        {
            State = JobState.Canceled,
            Incoming = false,
            CanceledBy = by,
            CompletedAt = DateTimeOffset.UtcNow,
        });

    public Task<Replies.CommandResult> HoldJobAsync(string queue, long jobId, CancellationToken ct = default) =>
        Change(queue, jobId, job => job.State is JobState.Pending or JobState.PendingHeld
            ? job with { State = JobState.PendingHeld }
            : null);

    public Task<Replies.CommandResult> ReleaseJobAsync(string queue, long jobId, CancellationToken ct = default) =>
        Change(queue, jobId, job => job.State == JobState.PendingHeld && !job.Incoming
            ? job with { State = JobState.Pending, HoldUntil = null, ReleaseAt = null }
            : null);

    public Task<Replies.QueueStatus> GetQueueStatusAsync(string queue, CancellationToken ct = default)
    {
        Check();
        lock (_lock)
        {
            var definition = Topology.FindQueue(queue)!;
            var jobs = _jobs.Values.Where(j => SameQueue(j.Queue, queue)).ToList();
            int Count(JobState state) => jobs.Count(j => j.State == state);
            return Task.FromResult(new Replies.QueueStatus(
                definition.Name,
                Count(JobState.Pending),
                Count(JobState.PendingHeld),
                Count(JobState.Processing),
                Count(JobState.Completed),
                Count(JobState.Canceled),
                Count(JobState.Aborted),
                OfflineQueues.Contains(queue) ? [] : [.. definition.Printers],
                definition.Sequential) { Paused = PausedQueues.Contains(queue) });
        }
    }

    public Task<Replies.QueueStatus> PauseQueueAsync(string queue, string by, CancellationToken ct = default)
    {
        Check();
        lock (_lock)
            PausedQueues.Add(queue);
        return GetQueueStatusAsync(queue, ct);
    }

    public Task<Replies.QueueStatus> ResumeQueueAsync(string queue, CancellationToken ct = default)
    {
        Check();
        lock (_lock)
            PausedQueues.Remove(queue);
        return GetQueueStatusAsync(queue, ct);
    }

    // change answers the new record, or null when the job's state does not allow the change.
    private Task<Replies.CommandResult> Change(string queue, long jobId, Func<JobRecord, JobRecord?> change)
    {
        Check();
        lock (_lock)
        {
            if (!_jobs.TryGetValue(jobId, out var job) || !SameQueue(job.Queue, queue))
                return Task.FromResult(new Replies.CommandResult(CommandOutcome.NotFound, $"job {jobId} not found in queue {queue}", null));
            var changed = change(job);
            if (changed is null)
                return Task.FromResult(new Replies.CommandResult(
                    CommandOutcome.NotPossible, $"job {jobId} is {job.State.ToKeyword()}", job));
            _jobs[jobId] = changed;
            return Task.FromResult(new Replies.CommandResult(CommandOutcome.Ok, null, changed));
        }
    }

    private static bool SameQueue(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

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
            var due = _jobs.Values
                .Where(j => j.State is JobState.Pending or JobState.Processing && j.SubmittedAt + delay <= DateTimeOffset.UtcNow)
                .Select(j => j.JobId)
                .ToList();
            foreach (var id in due)
                SetState(id, JobState.Completed);
        }
    }
}
