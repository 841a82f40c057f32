using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Xml;
using ActorSpool.Domain.Jobs;
using static ActorSpool.Domain.Messages.JobQueueProtocol;

namespace ActorSpool.Node.Web.Api;

/// <summary>A query parameter that cannot be used, for a 400 problem naming it.</summary>
public sealed record BadParameter(string Parameter, string Detail);

/// <summary>
/// <c>GET /api/v1/jobs</c>'s filters, checked: queue, state, user, olderThan, limit and the cursor of the previous
/// page. Pure: parsed from the query's strings and applied to the jobs the queues answered.
/// </summary>
public sealed record JobListQuery(string? Queue, string State, string? User, TimeSpan? OlderThan, int Limit, long? Before)
{
    public const int DefaultLimit = 50, MaxLimit = 500, MaxSearchLength = 200;

    /// <summary>Part of the job's name or owner, without case (the console's search box); null: no search.</summary>
    public string? Search { get; init; }

    /// <summary>Adds <c>search</c> to a parsed query; blank is no search, over <see cref="MaxSearchLength"/> characters is an error.</summary>
    public JobListQuery WithSearch(string? search, out BadParameter? error)
    {
        error = null;
        var text = search?.Trim();
        if (string.IsNullOrEmpty(text)) return this;
        if (text.Length > MaxSearchLength)
        {
            error = new BadParameter("search", $"the search is {text.Length} characters long; at most {MaxSearchLength}");
            return this;
        }
        return this with { Search = text };
    }

    /// <summary>The state filters besides the IPP job states: groups, and "held" as the console spells pending-held.</summary>
    public static readonly IReadOnlyList<string> StateGroups = ["all", "active", "finished", "held"];

    public static IEnumerable<string> StateFilters => StateGroups.Concat(Enum.GetValues<JobState>().Select(s => s.ToKeyword()));

    /// <summary>The listing to ask each queue for: the fewest jobs that still include every match.</summary>
    public JobFilter Which => State switch
    {
        "active" => JobFilter.NotCompleted,
        "finished" => JobFilter.Completed,
        "all" => JobFilter.All,
        _ => JobStateExtensions.TryParseKeyword(State, out var s) && s.IsTerminal() ? JobFilter.Completed
            : JobStateExtensions.TryParseKeyword(State, out _) || State == "held" ? JobFilter.NotCompleted : JobFilter.All,
    };

    /// <summary>Parses the query's values (null: not given); <paramref name="queues"/> are the configured queue names.</summary>
    public static JobListQuery Parse(string? queue, string? state, string? user, string? olderThan, string? limit, string? cursor,
        IReadOnlyCollection<string> queues, out BadParameter? error)
    {
        error = null;
        var query = new JobListQuery(null, "all", null, null, DefaultLimit, null);
        if (!string.IsNullOrEmpty(queue))
        {
            var known = queues.FirstOrDefault(q => string.Equals(q, queue, StringComparison.OrdinalIgnoreCase));
            if (known is null)
            {
                error = new BadParameter("queue", $"no queue named '{queue}'; queues: {string.Join(", ", queues)}");
                return query;
            }
            query = query with { Queue = known };
        }
        if (!string.IsNullOrEmpty(state))
        {
            var normalized = state.ToLowerInvariant();
            if (!StateFilters.Contains(normalized))
            {
                error = new BadParameter("state", $"'{state}' is no job state; use one of {string.Join(", ", StateFilters)}");
                return query;
            }
            query = query with { State = normalized };
        }
        if (!string.IsNullOrEmpty(user)) query = query with { User = user };
        if (!string.IsNullOrEmpty(olderThan))
        {
            if (!TryParseAge(olderThan, out var age))
            {
                error = new BadParameter("olderThan", $"'{olderThan}' is no age; give an ISO 8601 duration (PT30M, P1D), whole seconds, or a number with s, m, h or d (10m, 2h)");
                return query;
            }
            query = query with { OlderThan = age };
        }
        if (!string.IsNullOrEmpty(limit))
        {
            if (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1 || n > MaxLimit)
            {
                error = new BadParameter("limit", $"'{limit}' must be a whole number from 1 to {MaxLimit}");
                return query;
            }
            query = query with { Limit = n };
        }
        if (!string.IsNullOrEmpty(cursor))
        {
            if (JobCursor.Decode(cursor) is not { } before)
            {
                error = new BadParameter("cursor", "the cursor is not one this API handed out (pass nextCursor unchanged)");
                return query;
            }
            query = query with { Before = before };
        }
        return query;
    }

    /// <summary>ISO 8601 duration (PT1H30M, P2D), a number of seconds, or a number with a unit (30s, 10m, 2h, 1d); never negative.</summary>
    public static bool TryParseAge(string text, out TimeSpan age)
    {
        age = default;
        var unit = text.Length > 1 ? text[^1] switch { 's' => 1L, 'm' => 60L, 'h' => 3600L, 'd' => 86400L, _ => 0L } : 0L;
        if (long.TryParse(unit == 0 ? text : text[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var count))
        {
            var seconds = (double)count * Math.Max(unit, 1);
            if (seconds > TimeSpan.MaxValue.TotalSeconds) return false;
            age = TimeSpan.FromSeconds(seconds);
            return true;
        }
        if (!text.StartsWith('P')) return false;
        try
        {
            age = XmlConvert.ToTimeSpan(text);
            return age >= TimeSpan.Zero;
        }
        catch (FormatException)
        {
            return false;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    public bool Matches(JobRecord job, DateTimeOffset now) =>
        (Queue is null || string.Equals(job.Queue, Queue, StringComparison.OrdinalIgnoreCase))
        && (User is null || string.Equals(job.Owner, User, StringComparison.OrdinalIgnoreCase))
        && (Search is null || job.Name.Contains(Search, StringComparison.OrdinalIgnoreCase) || job.Owner.Contains(Search, StringComparison.OrdinalIgnoreCase))
        && StateMatches(job.State)
        && (OlderThan is not { } age || job.SubmittedAt <= now - age)
        && (Before is not { } before || job.JobId < before);

    private bool StateMatches(JobState state) => State switch
    {
        "all" => true,
        "active" => !state.IsTerminal(),
        "finished" => state.IsTerminal(),
        "held" => state == JobState.PendingHeld,
        _ => state.ToKeyword() == State,
    };

    /// <summary>One page, newest (highest id) first, and the cursor of the next page (null: this was the last).</summary>
    public (IReadOnlyList<JobRecord> Page, string? NextCursor) Apply(IEnumerable<JobRecord> jobs, DateTimeOffset now)
    {
        var matching = jobs.Where(j => Matches(j, now)).OrderByDescending(j => j.JobId).Take(Limit + 1).ToList();
        if (matching.Count <= Limit) return (matching, null);
        var page = matching.Take(Limit).ToList();
        return (page, JobCursor.Encode(page[^1].JobId));
    }
}

/// <summary>
/// The opaque cursor of the job list: the next page starts below the last id shown. Base64url of a versioned text,
/// so clients do not build it and a later version can carry more without breaking cursors in flight.
/// </summary>
public static class JobCursor
{
    private const string Prefix = "v1:before:";

    public static string Encode(long beforeJobId) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(Prefix + beforeJobId.ToString(CultureInfo.InvariantCulture)));

    /// <summary>The id the page starts below, or null for anything this class did not produce.</summary>
    public static long? Decode(string cursor)
    {
        if (cursor.Length > 64 || !Base64Url.IsValid(cursor)) return null;
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(Base64Url.DecodeFromChars(cursor));
        }
        catch (Exception e) when (e is FormatException or DecoderFallbackException)
        {
            return null;
        }
        return text.StartsWith(Prefix, StringComparison.Ordinal)
               && long.TryParse(text.AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0
            ? id
            : null;
    }
}
