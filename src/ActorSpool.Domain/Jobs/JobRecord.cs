using System.Collections.Immutable;
using System.Runtime.InteropServices;
using System.Text.Json.Serialization;

namespace ActorSpool.Domain.Jobs;

/// <summary>A document of a job as recorded in the journal; its bytes live in the document store.</summary>
public sealed record JobDocument(int Number, long Length, string Format, string? Name);

/// <summary>
/// Everything known about one job: the IPP job object of RFC 8011 plus the spooler's own bookkeeping.
/// Immutable; the queue state replaces records as events are applied.
/// </summary>
public sealed record JobRecord(
    long JobId,
    string Queue,
    string Owner,
    string Name,
    int Priority,
    long Sequence,
    JobDocument[] Documents,
    DateTimeOffset SubmittedAt)
{
    public JobState State { get; init; } = JobState.Pending;
    /// <summary>Delivery attempts that reached an outcome (failed or delivered); interrupted ones do not count.</summary>
    public int Attempts { get; init; }
    /// <summary>How often the job was handed to a worker; numbers each dispatch so late answers are recognised.</summary>
    public int Dispatches { get; init; }
    public string? Printer { get; init; }
    /// <summary>The worker (actor path) of the current or last dispatch: a recovering queue asks it whether it still delivers.</summary>
    public string? Worker { get; init; }
    public string? LastError { get; init; }
    public DateTimeOffset? ProcessingAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }
    /// <summary>Who canceled the job, when it was canceled.</summary>
    public string? CanceledBy { get; init; }

    /// <summary>
    /// Created by Create-Job and still receiving documents (IPP job-incoming; the state is pending-held): never
    /// dispatched until closed by last-document, Close-Job or the multiple-operation-time-out.
    /// </summary>
    public bool Incoming { get; init; }

    /// <summary>When the incoming job was created or last received a document: its time-out runs from here.</summary>
    public DateTimeOffset? LastDocumentAt { get; init; }

    /// <summary>
    /// The job-hold-until keyword holding the job (or that will hold it once an incoming job is closed); null when
    /// not held, or held until the time in <see cref="ReleaseAt"/> (job-hold-until-time).
    /// </summary>
    public string? HoldUntil { get; init; }

    /// <summary>When the queue releases the held job by itself; null: only Release-Job releases it.</summary>
    public DateTimeOffset? ReleaseAt { get; init; }

    /// <summary>The dispatches made before the last Restart-Job: their late answers concern an earlier run.</summary>
    public int RestartedAfter { get; init; }

    /// <summary>How many times the job's documents print (IPP copies, lpr -#N), and in which order.</summary>
    /// <remarks>Stored as the two fields below, in the shape journals have held since copies existed.</remarks>
    [JsonIgnore]
    public Copies Copies { get; init; } = Copies.One;

    // The stored shape of Copies: "Copies" (a number) and "UncollatedCopies". Journals and snapshots written before
    // copies existed have neither and read as one collated copy, which is what those jobs printed.
    [JsonInclude, JsonPropertyName("Copies")]
    private int StoredCopyCount
    {
        get => Copies.Count;
        init => Copies = Copies with { Count = value };
    }

    [JsonInclude, JsonPropertyName("UncollatedCopies")]
    private bool StoredUncollated
    {
        get => Copies.Uncollated;
        init => Copies = Copies with { Uncollated = value };
    }

    /// <summary>
    /// Every dispatch of the job, oldest first, with its printer, node, times and outcome; the newest
    /// <see cref="JobAttempt.MaxKept"/> only. Kept across Restart-Job. Empty for a job read from a snapshot written
    /// before the history existed (its last dispatch is still in <see cref="Printer"/>, <see cref="Worker"/> and so on).
    /// </summary>
    [JsonIgnore]
    public ImmutableArray<JobAttempt> AttemptHistory
    {
        get => _attemptHistory;
        // Never the default (uninitialised) array, which throws where an empty one is merely empty.
        init => _attemptHistory = value.IsDefault ? [] : value;
    }

    private readonly ImmutableArray<JobAttempt> _attemptHistory = [];

    // Stored as "AttemptHistory" only when there is one: the events that carry a job record (JobAccepted, JobCreated)
    // do so before its first dispatch, so their stored shape stays as it was.
    [JsonInclude, JsonPropertyName("AttemptHistory"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    private JobAttempt[]? StoredAttemptHistory
    {
        get => AttemptHistory.IsDefaultOrEmpty ? null : ImmutableCollectionsMarshal.AsArray(AttemptHistory);
        init => AttemptHistory = value is null ? [] : ImmutableCollectionsMarshal.AsImmutableArray(value);
    }

    /// <summary>The job asked to be held (by keyword or time) once it has all its documents.</summary>
    [JsonIgnore]
    public bool HoldRequested => HoldUntil is not null || ReleaseAt is not null;

    [JsonIgnore]
    public long TotalBytes => Documents.Sum(d => d.Length);

    /// <summary>The IPP job-state-reasons keywords that describe the current state.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> StateReasons => State switch
    {
        JobState.Pending when Attempts > 0 => ["job-queued", "job-restartable"],
        JobState.Pending => ["job-queued"],
        JobState.PendingHeld when Incoming => ["job-incoming"],
        JobState.PendingHeld => ["job-hold-until-specified"],
        JobState.Processing => ["job-printing"],
        JobState.ProcessingStopped => ["printer-stopped"],
        JobState.Completed => ["job-completed-successfully"],
        JobState.Canceled => ["job-canceled-by-user"],
        JobState.Aborted => ["aborted-by-system"],
        _ => ["none"],
    };
}
