using System.Globalization;
using ActorSpool.Domain.Jobs;
using ActorSpool.Domain.Messages;
using ActorSpool.Domain.Topology;

namespace ActorSpool.Node.Management;

/// <summary>A job as spoolctl shows it (also its <c>--json</c> shape).</summary>
/// <param name="Copies">The job's copies, flat (Copies, UncollatedCopies) as scripts reading <c>--json</c> know them.</param>
public sealed record JobView(
    long Id,
    string Queue,
    string State,
    IReadOnlyList<string> Reasons,
    string Owner,
    string Name,
    int Priority,
    int Documents,
    long Bytes,
    string? Printer,
    int Attempts,
    int Dispatches,
    DateTimeOffset SubmittedAt,
    DateTimeOffset? ProcessingAt,
    DateTimeOffset? CompletedAt,
    string? CanceledBy,
    string? LastError,
    int Copies,
    bool UncollatedCopies)
{
    public static JobView From(JobRecord job) => new(job.JobId, job.Queue, job.State.ToKeyword(), job.StateReasons, job.Owner, job.Name, job.Priority,
        job.Documents.Length, job.TotalBytes, job.Printer, job.Attempts, job.Dispatches, job.SubmittedAt, job.ProcessingAt, job.CompletedAt,
        job.CanceledBy, job.LastError, job.Copies.Count, job.Copies.Uncollated);
}

/// <summary>
/// One delivery attempt of a job, as <c>GET /api/v1/jobs/{id}</c>, the console's job page and spoolctl's
/// <c>job show</c> list it. <see cref="Attempt"/> is the dispatch number; <see cref="Outcome"/> one of delivered,
/// failed, interrupted, canceled, aborted, or in-progress while it is under way.
/// </summary>
public sealed record JobAttemptView(int Attempt, string? Printer, string? Node, string Outcome, DateTimeOffset? StartedAt, DateTimeOffset? EndedAt, string? Error)
{
    public const string InProgress = "in-progress";

    /// <summary>Every attempt the job keeps (its newest <see cref="JobAttempt.MaxKept"/>), oldest first.</summary>
    public static IReadOnlyList<JobAttemptView> ListOf(JobRecord job)
    {
        if (job.AttemptHistory.IsEmpty) return LastFromRecord(job);
        var views = new JobAttemptView[job.AttemptHistory.Length];
        for (var i = 0; i < views.Length; i++)
        {
            var a = job.AttemptHistory[i];
            views[i] = new JobAttemptView(a.Attempt, a.Printer, a.Node, Keyword(a.Outcome), a.StartedAt, a.EndedAt, a.Error);
        }
        return views;
    }

    public static string Keyword(AttemptOutcome? outcome) => outcome switch
    {
        null => InProgress,
        AttemptOutcome.Delivered => "delivered",
        AttemptOutcome.Failed => "failed",
        AttemptOutcome.Interrupted => "interrupted",
        AttemptOutcome.Canceled => "canceled",
        AttemptOutcome.Aborted => "aborted",
        _ => outcome.Value.ToString().ToLowerInvariant(),
    };

    /// <summary>
    /// A job dispatched before the record kept its attempts (read from an older snapshot) still tells its last dispatch:
    /// printer, worker, times and last error. Earlier ones are only in its count of attempts.
    /// </summary>
    private static JobAttemptView[] LastFromRecord(JobRecord job)
    {
        if (job.Dispatches == 0 || job.Printer is null && job.Worker is null) return [];
        var outcome = job.State switch
        {
            JobState.Processing or JobState.ProcessingStopped => InProgress,
            JobState.Completed => "delivered",
            JobState.Aborted => "failed",
            JobState.Canceled => "canceled",
            _ when job.LastError is not null => "failed",
            _ => "interrupted",
        };
        var ended = job.State.IsTerminal() ? job.CompletedAt : null;
        var node = job.Worker is null ? null : JobAttempt.NodeOf(job.Worker).ToString();
        return [new JobAttemptView(job.Dispatches, job.Printer, node, outcome, job.ProcessingAt, ended, job.LastError)];
    }
}

/// <summary>A printer's configuration and live status (also its <c>--json</c> shape).</summary>
public sealed record PrinterView(
    string Name,
    string Uri,
    string? FallbackUri,
    IReadOnlyList<string> Queues,
    string State,
    bool Accepting,
    bool Reachable,
    bool Paused,
    bool BreakerOpen,
    bool UsingFallback,
    int ActiveDeliveries,
    int WaitingDeliveries,
    IReadOnlyList<string> Reasons,
    long Delivered,
    long Failed,
    string? LastError)
{
    /// <summary>Every fallback path in the order it is tried (<see cref="FallbackUri"/> is the first).</summary>
    public IReadOnlyList<string> FallbackUris { get; init; } = FallbackUri is null ? [] : [FallbackUri];

    /// <summary>The device URI deliveries go to now (the printer's own report), else the primary.</summary>
    public string PathInUse { get; init; } = Uri;

    /// <summary>How long the last heartbeat probe of the path in use took; null before its first answer or while unanswered.</summary>
    public double? ProbeLatencyMs { get; init; }

    /// <summary>One word for a tile's colour: paused, offline, breaker-open, fallback or ok (the first that holds).</summary>
    public string Health => Web.Live.PrinterHealth.Of(Paused, Reachable, BreakerOpen, UsingFallback);

    public static PrinterView From(PrinterDefinition definition, IEnumerable<string> queues, PrinterProtocol.PrinterStatus status) => new PrinterView(
        definition.Name, definition.Uri.ToString(), definition.FallbackUri?.ToString(), queues.ToArray(),
        status.State.ToString().ToLowerInvariant(), status.IsAcceptingWork, status.Reachable, status.Paused, status.BreakerOpen,
        status.UsingFallback, status.ActiveDeliveries, status.WaitingDeliveries, status.Reasons, status.Delivered, status.Failed, status.LastError)
    {
        ProbeLatencyMs = status.ProbeLatencyMs,
        FallbackUris = definition.FallbackUris.Select(u => u.ToString()).ToArray(),
        PathInUse = status.PathInUse ?? (status.UsingFallback && definition.FallbackUri is { } fallback ? fallback.ToString() : definition.Uri.ToString()),
    };
}

/// <summary>Small formatting helpers shared by the palettes.</summary>
public static class Show
{
    public static string Size(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => (bytes / 1024.0).ToString("0.#", CultureInfo.InvariantCulture) + " KiB",
        < 1024L * 1024 * 1024 => (bytes / (1024.0 * 1024)).ToString("0.#", CultureInfo.InvariantCulture) + " MiB",
        _ => (bytes / (1024.0 * 1024 * 1024)).ToString("0.##", CultureInfo.InvariantCulture) + " GiB",
    };

    public static string Time(DateTimeOffset? time) =>
        time is { } t ? t.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : "-";

    public static string YesNo(bool value) => value ? "yes" : "no";

    public static string Or(string? text, string fallback = "-") => string.IsNullOrEmpty(text) ? fallback : text;
}

/// <summary>Finds queues and printers by name, with an error that lists what exists.</summary>
public static class Lookup
{
    public static QueueDefinition Queue(SpoolTopology topology, string name) =>
        topology.FindQueue(name) ?? throw new CommandException($"no queue named '{name}'; queues: {string.Join(", ", topology.QueueNames)}");

    public static PrinterDefinition Printer(SpoolTopology topology, string name) =>
        topology.FindPrinter(name) ?? throw new CommandException($"no printer named '{name}'; printers: {string.Join(", ", topology.PrinterNames)}");
}
