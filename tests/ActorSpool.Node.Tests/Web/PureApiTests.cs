using ActorSpool.Domain.Jobs;
using ActorSpool.Node.Management;
using ActorSpool.Node.Management.Catalogs;
using ActorSpool.Node.Web.Api;
using ActorSpool.Node.Web.Login;

namespace ActorSpool.Node.Tests.Web;

/// <summary>The API's pure parts without a node: job filters and paging, cursors, tokens, redirects, health, placement, attempts.</summary>
public sealed class PureApiTests
{
    private static readonly string[] Queues = ["office", "lab"];
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);

    private static JobRecord Job(long id, string queue = "office", string owner = "alice", JobState state = JobState.Pending, TimeSpan? age = null) =>
        new(id, queue, owner, $"job {id}", 50, id, [], Now - (age ?? TimeSpan.Zero)) { State = state };

    private static JobListQuery Parse(string? queue = null, string? state = null, string? user = null, string? olderThan = null, string? limit = null, string? cursor = null)
    {
        var query = JobListQuery.Parse(queue, state, user, olderThan, limit, cursor, Queues, out var error);
        Assert.Null(error);
        return query;
    }

    [Fact]
    public void Pages_run_newest_first_and_the_cursor_continues_below_the_last_id_without_gaps_or_repeats()
    {
        var jobs = Enumerable.Range(1, 7).Select(i => Job(i)).ToList();
        var seen = new List<long>();
        string? cursor = null;
        do
        {
            var (page, next) = Parse(limit: "3", cursor: cursor).Apply(jobs, Now);
            seen.AddRange(page.Select(j => j.JobId));
            cursor = next;
        }
        while (cursor is not null);
        Assert.Equal([7, 6, 5, 4, 3, 2, 1], seen);
        Assert.Null(Parse(limit: "7").Apply(jobs, Now).NextCursor);
    }

    [Fact]
    public void Filters_select_by_queue_state_user_and_age()
    {
        var jobs = new[]
        {
            Job(1, "office", "alice", JobState.Completed, TimeSpan.FromHours(2)),
            Job(2, "lab", "bob", JobState.PendingHeld, TimeSpan.FromMinutes(5)),
            Job(3, "office", "Bob", JobState.Pending),
            Job(4, "lab", "alice", JobState.Aborted, TimeSpan.FromDays(2)),
        };
        long[] Ids(JobListQuery q) => q.Apply(jobs, Now).Page.Select(j => j.JobId).ToArray();

        Assert.Equal([3, 1], Ids(Parse(queue: "OFFICE")));
        Assert.Equal([4, 1], Ids(Parse(state: "finished")));
        Assert.Equal([3, 2], Ids(Parse(state: "active")));
        Assert.Equal([2], Ids(Parse(state: "held")));
        Assert.Equal([2], Ids(Parse(state: "pending-held")));
        Assert.Equal([4], Ids(Parse(state: "aborted")));
        Assert.Equal([3, 2], Ids(Parse(user: "bob")));
        Assert.Equal([4, 1], Ids(Parse(olderThan: "PT1H")));
        Assert.Equal([4], Ids(Parse(olderThan: "86400")));
        Assert.Equal([4, 1], Ids(Parse(olderThan: "3600", user: "alice")));
        Assert.Equal([4, 1], Ids(Parse(olderThan: "10m")));
        Assert.Equal([4, 2, 1], Ids(Parse(olderThan: "300s")));
        Assert.Equal([4], Ids(Parse(olderThan: "1d")));
        Assert.Equal([4, 1], Ids(Parse(olderThan: "2h")));
    }

    [Theory]
    [InlineData("nosuch", null, null, null, null, "queue")]
    [InlineData(null, "sleeping", null, null, null, "state")]
    [InlineData(null, null, "yesterday", null, null, "olderThan")]
    [InlineData(null, null, "-PT1H", null, null, "olderThan")]
    [InlineData(null, null, "10x", null, null, "olderThan")]
    [InlineData(null, null, "m", null, null, "olderThan")]
    [InlineData(null, null, null, "0", null, "limit")]
    [InlineData(null, null, null, "501", null, "limit")]
    [InlineData(null, null, null, null, "garbage!", "cursor")]
    public void Bad_values_name_their_parameter(string? queue, string? state, string? olderThan, string? limit, string? cursor, string parameter)
    {
        JobListQuery.Parse(queue, state, null, olderThan, limit, cursor, Queues, out var error);
        Assert.Equal(parameter, error?.Parameter);
    }

    [Fact]
    public void Cursors_round_trip_and_anything_else_is_refused()
    {
        Assert.Equal(42, JobCursor.Decode(JobCursor.Encode(42)));
        Assert.Null(JobCursor.Decode("NDI"));                          // "42" without the version prefix
        Assert.Null(JobCursor.Decode(JobCursor.Encode(42)[..^2]));
        Assert.Null(JobCursor.Decode(new string('A', 100)));
    }

    [Fact]
    public void Tokens_verify_with_their_key_and_kind_until_they_expire()
    {
        var key = new byte[32];
        key[0] = 7;
        var tokens = new WebTokens(key);
        var token = tokens.Issue(TokenKind.Bearer, "alice", Now.AddHours(1));

        Assert.Equal("alice", tokens.Verify(token, TokenKind.Bearer, Now).User);
        Assert.Contains("expired", tokens.Verify(token, TokenKind.Bearer, Now.AddHours(2)).Refusal);
        Assert.Null(tokens.Verify(token, TokenKind.Session, Now).User);
        Assert.Contains("signature", new WebTokens(new byte[32]).Verify(token, TokenKind.Bearer, Now).Refusal);

        // Changing the body (say, another user name) breaks the signature.
        var parts = token.Split('.');
        var body = System.Text.Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(parts[0])).Replace("alice", "root");
        var tampered = System.Buffers.Text.Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes(body)) + "." + parts[1];
        Assert.Contains("signature", tokens.Verify(tampered, TokenKind.Bearer, Now).Refusal);
        Assert.Null(tokens.Verify("not.a-token", TokenKind.Bearer, Now).User);
        Assert.Null(tokens.Verify("", TokenKind.Bearer, Now).User);
    }

    [Fact]
    public void The_csrf_token_belongs_to_its_session()
    {
        var tokens = new WebTokens(new byte[32]);
        var a = tokens.Issue(TokenKind.Session, "alice", Now.AddHours(1));
        var b = tokens.Issue(TokenKind.Session, "alice", Now.AddHours(1));
        Assert.True(tokens.CsrfMatches(a, tokens.CsrfFor(a)));
        Assert.False(tokens.CsrfMatches(a, tokens.CsrfFor(b)));
        Assert.False(tokens.CsrfMatches(a, null));
    }

    [Theory]
    [InlineData("/printers/office", "/printers/office")]
    [InlineData("/", "/")]
    [InlineData("//evil.example/", "/")]
    [InlineData("/\\evil.example", "/")]
    [InlineData("https://evil.example/", "/")]
    [InlineData("printers", "/")]
    [InlineData(null, "/")]
    public void A_login_returns_only_to_local_paths(string? returnUrl, string expected) =>
        Assert.Equal(expected, LoginEndpoints.LocalOrRoot(returnUrl));

    [Theory]
    [InlineData(true, false, true, true, "paused")]
    [InlineData(false, false, true, false, "offline")]
    [InlineData(false, true, true, true, "breaker-open")]
    [InlineData(false, true, false, true, "fallback")]
    [InlineData(false, true, false, false, "ok")]
    public void Health_is_the_most_pressing_condition(bool paused, bool reachable, bool breakerOpen, bool usingFallback, string health) =>
        Assert.Equal(health, ActorSpool.Node.Web.Live.PrinterHealth.Of(paused, reachable, breakerOpen, usingFallback));

    [Fact]
    public void Queues_are_placed_on_the_member_whose_region_holds_their_shard()
    {
        var placement = QueuePlacement.ByMember(["a", "b", "c"], q => q == "c" ? "9" : "1",
            new Dictionary<string, IEnumerable<string>> { ["node1"] = ["1"], ["node2"] = ["2"] });
        Assert.Equal(["a", "b"], placement["node1"]);
        Assert.False(placement.ContainsKey("node2"));
    }

    [Fact]
    public void Every_kept_attempt_is_listed_with_its_outcome_keyword_oldest_first()
    {
        var job = Job(7, state: JobState.Processing) with
        {
            Dispatches = 2,
            AttemptHistory =
            [
                new JobAttempt(1, "p1", "akka.tcp://actorspool@10.0.0.1:4053", Now.AddSeconds(-9), Now.AddSeconds(-8), AttemptOutcome.Failed, "connection reset"),
                new JobAttempt(2, "p2", "akka.tcp://actorspool@10.0.0.2:4053", Now.AddSeconds(-1), null, null, null),
            ],
        };

        Assert.Equal(
            [
                new JobAttemptView(1, "p1", "akka.tcp://actorspool@10.0.0.1:4053", "failed", Now.AddSeconds(-9), Now.AddSeconds(-8), "connection reset"),
                new JobAttemptView(2, "p2", "akka.tcp://actorspool@10.0.0.2:4053", "in-progress", Now.AddSeconds(-1), null, null),
            ],
            JobAttemptView.ListOf(job));
        Assert.Equal(["delivered", "failed", "interrupted", "canceled", "aborted"], Enum.GetValues<AttemptOutcome>().Select(o => JobAttemptView.Keyword(o)));
    }

    [Fact]
    public void A_job_recorded_before_the_history_lists_its_last_attempt_from_the_record_with_its_workers_node()
    {
        var done = Job(5, state: JobState.Completed) with
        {
            Dispatches = 2,
            Attempts = 2,
            Printer = "p1",
            Worker = "akka.tcp://actorspool@10.0.0.2:4053/user/spool-worker-1",
            ProcessingAt = Now.AddSeconds(-3),
            CompletedAt = Now,
        };
        var attempt = Assert.Single(JobAttemptView.ListOf(done));
        Assert.Equal(new JobAttemptView(2, "p1", "akka.tcp://actorspool@10.0.0.2:4053", "delivered", Now.AddSeconds(-3), Now, null), attempt);
        Assert.Empty(JobAttemptView.ListOf(Job(6)));
    }
}
