// Long on purpose: every rule of a queue, one fact per test, side by side, so the rule book reads in one place.
using ActorSpool.Domain.Jobs;
using ActorSpool.Domain.Messages;
using ActorSpool.Domain.Topology;
using static ActorSpool.Domain.Messages.JobQueueProtocol;
using static ActorSpool.Domain.Messages.JobQueueProtocol.Events;

namespace ActorSpool.Domain.Tests.Jobs;

/// <summary>
/// The queue's rules as an IPP client meets them: each command is decided, its events applied to the state (as the
/// queue actor does), and the answer read from the state after them. No ActorSystem, no clock: times are given.
/// </summary>
public sealed class QueueRulesTests
{
    /// <summary>Wednesday noon in the queue's hold zone (UTC): day-time is on, night starts at 18:00.</summary>
    private static readonly DateTimeOffset Noon = new(2026, 1, 7, 12, 0, 0, TimeSpan.Zero);

    private static readonly TimeSpan TimeOut = TimeSpan.FromSeconds(300);
    private static readonly HashSet<long> NoneReserved = [];

    /// <summary>Default priority 40 (not the topology's 50), max attempts as the topology's default (3).</summary>
    private static readonly QueueDefinition Office =
        new("office", ["lj-1", "lj-2"], QueueMode.Failover, false, 40, TopologyDefaults.MaxAttempts, 1 << 20, null);

    /// <summary>The owner of the jobs these tests submit, not authenticated (as most IPP clients), and an admin.</summary>
    private static readonly Requester Alice = Requester.Claiming("alice");

    private static readonly Requester Admin = new("admin", Authenticated: true, Admin: true);

    private readonly QueueRules _rules = new(Office, TimeZoneInfo.Utc);
    private readonly QueueState _state = new();

    /// <summary>The events of the last decision, already applied to <see cref="_state"/>.</summary>
    private IReadOnlyList<IJobQueueEvent> _events = [];

    private static JobDocument Doc(int number, long length = 100) => new(number, length, "text/plain", $"doc {number}");

    private static Commands.SubmitJob Submit(long id, int? priority = null, bool hold = false, JobHold? holdUntil = null) =>
        new("office", id, "alice", $"job {id}", priority, hold, [Doc(1)]) { HoldUntil = holdUntil };

    private static Commands.CreateJob Create(long id, JobHold? holdUntil = null) =>
        new("office", id, "alice", $"job {id}", null, holdUntil);

    private static Commands.AddDocument Add(long id, int number, bool last) => new("office", id, Doc(number), last, Alice);

    /// <summary>Decides <paramref name="command"/> and applies its events, as the queue actor does; answers its reply.</summary>
    private ISpoolMessage? Send(IJobQueueCommand command, DateTimeOffset? at = null) =>
        Apply(_rules.Decide(_state, command, at ?? Noon));

    private ISpoolMessage? Apply(QueueDecision decision)
    {
        Apply(decision.Events);
        return decision.Reply?.Invoke(_state);
    }

    private void Apply(IReadOnlyList<IJobQueueEvent> events)
    {
        _events = events;
        foreach (var e in events)
            _state.Apply(e);
    }

    private Replies.CommandResult Result(IJobQueueCommand command, DateTimeOffset? at = null) =>
        Assert.IsType<Replies.CommandResult>(Send(command, at));

    private JobRecord Accepted(IJobQueueCommand command, DateTimeOffset? at = null) =>
        Assert.IsType<Replies.JobAccepted>(Send(command, at)).Job;

    private Type[] EventTypes => _events.Select(e => e.GetType()).ToArray();

    /// <summary>Dispatching is the actor's (it picks printer and worker); here it is the event the actor records.</summary>
    private void Dispatch(long id) => _state.Apply(new JobDispatched(id, _state.Find(id)!.Dispatches + 1, "lj-1", "worker", Noon));

    /// <summary>A worker's report about the job's latest dispatch (or <paramref name="attempt"/>).</summary>
    private Replies.OutcomeRecorded Report(long id, DeliveryOutcome outcome, bool current = true, int? attempt = null, string? error = "paper jam") =>
        Assert.IsType<Replies.OutcomeRecorded>(Apply(_rules.Outcome(_state,
            new Commands.ReportOutcome("office", id, attempt ?? _state.Find(id)!.Dispatches, "lj-1", outcome, error), current, Noon)));

    private void Finish(long id, JobState how)
    {
        switch (how)
        {
            case JobState.Completed:
                Dispatch(id);
                Report(id, DeliveryOutcome.Delivered);
                break;
            case JobState.Canceled:
                Send(new Commands.CancelJob("office", id, Alice));
                break;
            case JobState.Aborted:
                while (!_state.Find(id)!.State.IsTerminal())
                {
                    Dispatch(id);
                    Report(id, DeliveryOutcome.Failed);
                }
                break;
        }
        Assert.Equal(how, _state.Find(id)!.State);
    }

    private static IJobQueueCommand ChangeOf(string operation, long id, Requester? by = null) => operation switch
    {
        "cancel" => new Commands.CancelJob("office", id, by ?? Alice),
        "hold" => new Commands.HoldJob("office", id, by ?? Alice),
        "release" => new Commands.ReleaseJob("office", id, by ?? Alice),
        "close" => new Commands.CloseJob("office", id, by ?? Alice),
        "restart" => new Commands.RestartJob("office", id, null, by ?? Alice),
        "send-document" => new Commands.AddDocument("office", id, Doc(2), true, by ?? Alice),
        _ => throw new ArgumentOutOfRangeException(nameof(operation), operation, null),
    };

    private List<long> DispatchOrder()
    {
        var order = new List<long>();
        while (_state.NextToDispatch(sequential: false, NoneReserved) is { } next)
        {
            order.Add(next.JobId);
            Finish(next.JobId, JobState.Completed);
        }
        return order;
    }

    // ---- Print-Job (SubmitJob)

    [Fact]
    public void A_submitted_job_is_accepted_pending_with_the_queues_default_priority()
    {
        var job = Accepted(Submit(1));

        Assert.IsType<JobAccepted>(Assert.Single(_events));
        Assert.Equal((JobState.Pending, 40, 1L), (job.State, job.Priority, job.Sequence));
        Assert.Equal(["job-queued"], job.StateReasons);
        Assert.Equal(job, _state.Find(1));
        Assert.Equal(1, _state.NextToDispatch(sequential: false, NoneReserved)!.JobId);
    }

    [Fact]
    public void A_submitted_job_keeps_the_priority_and_copies_it_asked_for()
    {
        var job = Accepted(Submit(1, priority: 90) with { Copies = new Copies(3, Uncollated: true) });

        Assert.Equal((90, new Copies(3, Uncollated: true)), (job.Priority, job.Copies));
    }

    [Fact]
    public void A_job_submitted_held_waits_for_release_job()
    {
        var job = Accepted(Submit(1, hold: true));

        Assert.Equal((JobState.PendingHeld, HoldUntil.Indefinite, (DateTimeOffset?)null), (job.State, job.HoldUntil, job.ReleaseAt));
        Assert.Null(_state.NextToDispatch(sequential: false, NoneReserved));
        Assert.Empty(_rules.TimedEvents(_state, Noon.AddYears(100), TimeOut, _ => false));
    }

    [Fact]
    public void A_job_submitted_with_a_job_hold_until_keyword_is_held_until_its_period_starts()
    {
        var job = Accepted(Submit(1, holdUntil: new JobHold(HoldUntil.Night, null)));

        Assert.Equal(JobState.PendingHeld, job.State);
        Assert.Equal(["job-hold-until-specified"], job.StateReasons);
        Assert.Equal((HoldUntil.Night, (DateTimeOffset?)Noon.AddHours(6)), (job.HoldUntil, job.ReleaseAt));
    }

    [Fact]
    public void A_job_submitted_while_its_hold_period_is_on_is_not_held()
    {
        var job = Accepted(Submit(1, holdUntil: new JobHold(HoldUntil.DayTime, null)));

        Assert.Equal((JobState.Pending, (string?)null, (DateTimeOffset?)null), (job.State, job.HoldUntil, job.ReleaseAt));
    }

    [Fact]
    public void A_job_submitted_with_a_job_hold_until_time_is_held_until_that_time()
    {
        var job = Accepted(Submit(1, holdUntil: JobHold.At(Noon.AddMinutes(30))));

        Assert.Equal((JobState.PendingHeld, (string?)null, (DateTimeOffset?)Noon.AddMinutes(30)), (job.State, job.HoldUntil, job.ReleaseAt));
    }

    [Fact]
    public void A_job_submitted_with_a_job_hold_until_time_in_the_past_is_not_held()
    {
        var job = Accepted(Submit(1, holdUntil: JobHold.At(Noon.AddMinutes(-1))));

        Assert.Equal((JobState.Pending, (DateTimeOffset?)null), (job.State, job.ReleaseAt));
    }

    [Fact]
    public void Job_hold_until_no_hold_decides_over_the_hold_flag()
    {
        var job = Accepted(Submit(1, hold: true, holdUntil: new JobHold(HoldUntil.NoHold, null)));

        Assert.Equal(JobState.Pending, job.State);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(101)]
    public void A_job_with_a_priority_outside_1_to_100_is_rejected(int priority)
    {
        var rejected = Assert.IsType<Replies.JobRejected>(Send(Submit(1, priority)));

        Assert.Equal(1, rejected.JobId);
        Assert.Contains($"job-priority {priority}", rejected.Reason);
        Assert.Empty(_events);
        Assert.Null(_state.Find(1));
    }

    [Fact]
    public void A_job_without_documents_is_rejected()
    {
        var rejected = Assert.IsType<Replies.JobRejected>(Send(Submit(1) with { Documents = [] }));

        Assert.Contains("at least one document", rejected.Reason);
        Assert.Empty(_events);
        Assert.Equal(0, _state.Count);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(Copies.Max + 1)]
    public void A_job_with_copies_outside_the_supported_range_is_rejected(int copies)
    {
        var rejected = Assert.IsType<Replies.JobRejected>(Send(Submit(1) with { Copies = new Copies(copies, Uncollated: false) }));

        Assert.Contains($"copies {copies}", rejected.Reason);
        Assert.Empty(_events);
        Assert.Equal(0, _state.Count);
    }

    [Fact]
    public void A_job_with_an_unsupported_job_hold_until_keyword_is_rejected()
    {
        var rejected = Assert.IsType<Replies.JobRejected>(Send(Submit(1, holdUntil: new JobHold("lunch-break", null))));

        Assert.Contains("'lunch-break' is not supported", rejected.Reason);
        Assert.Empty(_events);
        Assert.Equal(0, _state.Count);
    }

    [Fact]
    public void A_resubmission_of_the_same_job_id_answers_the_recorded_job_without_events()
    {
        var first = Accepted(Submit(1));
        Accepted(Submit(2));

        var again = Accepted(Submit(1, priority: 90) with { Name = "retry" }, Noon.AddSeconds(5));

        Assert.Empty(_events);
        Assert.Equal(first, again);
        Assert.Equal(2, _state.Count);
        Assert.Equal(3, _state.NextSequence);
    }

    // ---- Create-Job, Send-Document, Close-Job

    [Fact]
    public void Create_job_records_an_incoming_job_without_documents()
    {
        var job = Accepted(Create(1));

        Assert.IsType<JobCreated>(Assert.Single(_events));
        Assert.Equal((JobState.PendingHeld, true, 40), (job.State, job.Incoming, job.Priority));
        Assert.Equal(["job-incoming"], job.StateReasons);
        Assert.Empty(job.Documents);
        Assert.Null(_state.NextToDispatch(sequential: false, NoneReserved));
    }

    [Fact]
    public void Create_job_with_a_priority_outside_1_to_100_is_rejected()
    {
        var rejected = Assert.IsType<Replies.JobRejected>(Send(Create(1) with { Priority = 101 }));

        Assert.Contains("job-priority 101", rejected.Reason);
        Assert.Equal(0, _state.Count);
    }

    [Fact]
    public void A_document_that_is_not_the_last_keeps_the_job_incoming()
    {
        Accepted(Create(1));

        var result = Result(Add(1, 1, last: false));

        Assert.Equal([typeof(DocumentAdded)], EventTypes);
        Assert.Equal(CommandOutcome.Ok, result.Outcome);
        Assert.True(result.Job!.Incoming);
        Assert.Equal([1], result.Job.Documents.Select(d => d.Number));
        Assert.Null(_state.NextToDispatch(sequential: false, NoneReserved));
    }

    [Fact]
    public void The_last_document_closes_the_job_and_makes_it_pending()
    {
        Accepted(Create(1));
        Result(Add(1, 1, last: false));

        var result = Result(Add(1, 2, last: true), Noon.AddMinutes(1));

        Assert.Equal([typeof(DocumentAdded), typeof(JobClosed)], EventTypes);
        Assert.Equal("last-document", ((JobClosed)_events[1]).Reason);
        Assert.Equal((CommandOutcome.Ok, JobState.Pending, false), (result.Outcome, result.Job!.State, result.Job.Incoming));
        Assert.Equal([1, 2], result.Job.Documents.Select(d => d.Number));
        Assert.Equal(1, _state.NextToDispatch(sequential: false, NoneReserved)!.JobId);
    }

    [Fact]
    public void The_hold_a_created_job_asked_for_is_reckoned_from_its_close()
    {
        // Night is on at 05:00, when the job is created; it is over at noon, when the job is closed.
        Accepted(Create(1, new JobHold(HoldUntil.Night, null)), Noon.AddHours(-7));

        var result = Result(Add(1, 1, last: true), Noon);

        Assert.Equal((JobState.PendingHeld, false), (result.Job!.State, result.Job.Incoming));
        Assert.Equal((HoldUntil.Night, (DateTimeOffset?)Noon.AddHours(6)), (result.Job.HoldUntil, result.Job.ReleaseAt));
    }

    [Fact]
    public void A_created_job_closed_while_its_hold_period_is_on_is_pending()
    {
        Accepted(Create(1, new JobHold(HoldUntil.Night, null)), Noon);

        var result = Result(Add(1, 1, last: true), Noon.AddHours(7));

        Assert.Equal((JobState.Pending, (string?)null), (result.Job!.State, result.Job.HoldUntil));
    }

    [Fact]
    public void A_document_for_a_closed_job_is_refused()
    {
        Accepted(Create(1));
        Result(Add(1, 1, last: true));

        var result = Result(Add(1, 2, last: false));

        Assert.Equal(CommandOutcome.NotPossible, result.Outcome);
        Assert.Contains("takes no more documents", result.Message);
        Assert.Empty(_events);
        Assert.Equal([1], _state.Find(1)!.Documents.Select(d => d.Number));
        Assert.Equal(result, _rules.DocumentProblem(_state, new Commands.ReserveDocument("office", 1, Alice)));
    }

    [Fact]
    public void A_document_for_a_canceled_job_is_refused()
    {
        Accepted(Create(1));
        Finish(1, JobState.Canceled);

        var result = Result(Add(1, 1, last: true));

        Assert.Equal(CommandOutcome.NotPossible, result.Outcome);
        Assert.Contains("already canceled", result.Message);
        Assert.Empty(_events);
        Assert.Empty(_state.Find(1)!.Documents);
    }

    [Fact]
    public void A_document_for_an_unknown_job_is_not_found()
    {
        var result = Result(Add(4711, 1, last: true));

        Assert.Equal((CommandOutcome.NotFound, (JobRecord?)null), (result.Outcome, result.Job));
        Assert.Empty(_events);
    }

    [Fact]
    public void An_incoming_job_takes_documents_until_it_is_closed()
    {
        Accepted(Create(1));

        Assert.Null(_rules.DocumentProblem(_state, new Commands.ReserveDocument("office", 1, Alice)));
        Assert.Equal(CommandOutcome.NotFound, _rules.DocumentProblem(_state, new Commands.ReserveDocument("office", 2, Alice))!.Outcome);
    }

    [Fact]
    public void A_retry_of_a_recorded_document_with_last_document_only_closes_the_job()
    {
        Accepted(Create(1));
        Result(Add(1, 1, last: false));

        var result = Result(Add(1, 1, last: true)); // the first answer was lost; the client sends it again, as the last

        Assert.Equal([typeof(JobClosed)], EventTypes);
        Assert.Equal((CommandOutcome.Ok, JobState.Pending), (result.Outcome, result.Job!.State));
        Assert.Single(result.Job.Documents);
    }

    [Fact]
    public void A_retry_of_a_recorded_document_after_the_close_changes_nothing()
    {
        Accepted(Create(1));
        Result(Add(1, 1, last: true));

        var result = Result(Add(1, 1, last: true));

        Assert.Empty(_events);
        Assert.Equal((CommandOutcome.Ok, JobState.Pending), (result.Outcome, result.Job!.State));
    }

    [Fact]
    public void Close_job_closes_an_incoming_job_with_documents()
    {
        Accepted(Create(1));
        Result(Add(1, 1, last: false));
        Result(Add(1, 2, last: false));

        var result = Result(new Commands.CloseJob("office", 1, Alice));

        Assert.Equal("Close-Job", Assert.IsType<JobClosed>(Assert.Single(_events)).Reason);
        Assert.Equal((CommandOutcome.Ok, JobState.Pending, 2), (result.Outcome, result.Job!.State, result.Job.Documents.Length));
    }

    [Fact]
    public void Close_job_of_a_job_without_documents_is_not_possible()
    {
        Accepted(Create(1));

        var result = Result(new Commands.CloseJob("office", 1, Alice));

        Assert.Equal(CommandOutcome.NotPossible, result.Outcome);
        Assert.Contains("no document yet", result.Message);
        Assert.Empty(_events);
        Assert.True(_state.Find(1)!.Incoming);
    }

    [Fact]
    public void Close_job_of_a_closed_job_answers_it_as_it_is()
    {
        Accepted(Submit(1));

        var result = Result(new Commands.CloseJob("office", 1, Alice));

        Assert.Empty(_events);
        Assert.Equal((CommandOutcome.Ok, JobState.Pending), (result.Outcome, result.Job!.State));
    }

    // ---- Cancel-Job, Hold-Job, Release-Job, Close-Job, Restart-Job on jobs they cannot change

    [Theory]
    [InlineData("cancel")]
    [InlineData("hold")]
    [InlineData("release")]
    [InlineData("close")]
    [InlineData("restart")]
    public void A_job_operation_on_an_unknown_job_is_not_found(string operation)
    {
        Accepted(Submit(1));

        var result = Result(ChangeOf(operation, 4711));

        Assert.Equal((CommandOutcome.NotFound, (JobRecord?)null), (result.Outcome, result.Job));
        Assert.Contains("job 4711 not found in queue office", result.Message);
        Assert.Empty(_events);
    }

    [Theory]
    [InlineData("cancel", JobState.Completed)]
    [InlineData("cancel", JobState.Canceled)]
    [InlineData("cancel", JobState.Aborted)]
    [InlineData("hold", JobState.Completed)]
    [InlineData("hold", JobState.Aborted)]
    [InlineData("release", JobState.Completed)]
    [InlineData("release", JobState.Canceled)]
    [InlineData("close", JobState.Completed)]
    public void A_job_operation_on_a_finished_job_is_not_possible(string operation, JobState finished)
    {
        Accepted(Submit(1));
        Finish(1, finished);

        var result = Result(ChangeOf(operation, 1));

        Assert.Equal((CommandOutcome.NotPossible, finished), (result.Outcome, result.Job!.State));
        Assert.Contains($"already {finished.ToKeyword()}", result.Message);
        Assert.Empty(_events);
    }

    // ---- Who may change a job, and who may administer the queue (CUPS's default policy)

    /// <summary>Each operation on a job of alice, and the state it applies to (so only the requester can stand in the way).</summary>
    public static readonly TheoryData<string, JobState> JobChanges = new()
    {
        { "cancel", JobState.Pending },
        { "hold", JobState.Pending },
        { "release", JobState.PendingHeld },
        { "close", JobState.PendingHeld },
        { "restart", JobState.Completed },
        { "send-document", JobState.PendingHeld },
    };

    [Theory]
    [MemberData(nameof(JobChanges))]
    public void Another_user_may_not_change_a_job_and_the_answer_tells_nothing_of_it(string operation, JobState state)
    {
        PrepareJobFor(operation, state);
        var before = _state.Find(1);

        var result = Result(ChangeOf(operation, 1, Requester.Claiming("mallory")));

        Assert.Equal(CommandOutcome.NotAuthorized, result.Outcome);
        Assert.Null(result.Job); // neither the owner nor the job's name leaks
        Assert.DoesNotContain("alice", result.Message);
        Assert.Empty(_events);
        Assert.Equal(before, _state.Find(1));
    }

    [Theory]
    [MemberData(nameof(JobChanges))]
    public void The_owner_and_an_admin_may_change_a_job(string operation, JobState state)
    {
        PrepareJobFor(operation, state);
        Assert.Equal(CommandOutcome.Ok, Result(ChangeOf(operation, 1, Requester.Claiming("ALICE"))).Outcome); // names compare without case, as in CUPS

        _state.Apply(new JobsPurged([1], Noon));
        PrepareJobFor(operation, state);
        Assert.Equal(CommandOutcome.Ok, Result(ChangeOf(operation, 1, Admin)).Outcome);
    }

    [Fact]
    public void An_authenticated_user_who_is_not_the_owner_is_refused_like_anyone_else()
    {
        Accepted(Submit(1));

        var result = Result(new Commands.CancelJob("office", 1, new Requester("bob", Authenticated: true, Admin: false)));

        Assert.Equal(CommandOutcome.NotAuthorized, result.Outcome);
        Assert.Equal(JobState.Pending, _state.Find(1)!.State);
    }

    [Fact]
    public void Send_document_is_refused_to_another_user_before_a_number_is_handed_out()
    {
        Accepted(Create(1));

        var refusal = _rules.DocumentProblem(_state, new Commands.ReserveDocument("office", 1, Requester.Claiming("mallory")));

        Assert.Equal(CommandOutcome.NotAuthorized, refusal!.Outcome);
        Assert.Null(_rules.DocumentProblem(_state, new Commands.ReserveDocument("office", 1, Alice)));
    }

    [Fact]
    public void An_admin_canceling_another_users_job_is_recorded_by_name()
    {
        Accepted(Submit(1));

        var result = Result(new Commands.CancelJob("office", 1, Admin) { Reason = "moved to lab as job 7" });

        Assert.Equal("admin: moved to lab as job 7", result.Job!.CanceledBy);
    }

    [Theory]
    [InlineData("pause")]
    [InlineData("resume")]
    [InlineData("purge")]
    public void Administering_the_queue_needs_an_authenticated_admin(string operation)
    {
        Accepted(Submit(1));
        if (operation == "resume") Send(new Commands.PauseQueue("office", Admin));
        IJobQueueCommand As(Requester by) => operation switch
        {
            "pause" => new Commands.PauseQueue("office", by),
            "resume" => new Commands.ResumeQueue("office", by),
            _ => new Commands.PurgeJobs("office", by),
        };
        var paused = _state.Paused;

        // Not logged in (even claiming the admin's name): log in first. Logged in but no admin: not allowed.
        var anonymous = Result(As(Requester.Claiming("admin")));
        var user = Result(As(new Requester("alice", Authenticated: true, Admin: false)));

        Assert.Equal((CommandOutcome.NotAuthenticated, CommandOutcome.NotAuthorized), (anonymous.Outcome, user.Outcome));
        Assert.Empty(_events);
        Assert.Equal((paused, JobState.Pending), (_state.Paused, _state.Find(1)!.State));

        Send(As(Admin));
        Assert.NotEmpty(_events);
    }

    [Fact]
    public void Purge_jobs_cancels_every_unfinished_job_at_once_and_keeps_the_history()
    {
        Accepted(Submit(1));
        Accepted(Submit(2) with { Owner = "bob" });
        Accepted(Create(3));
        Accepted(Submit(4));
        Finish(4, JobState.Completed);

        var result = Result(new Commands.PurgeJobs("office", Admin));

        Assert.Equal(CommandOutcome.Ok, result.Outcome);
        Assert.Equal([1L, 2, 3], _events.Cast<JobCanceled>().Select(e => e.JobId));
        Assert.All([1L, 2, 3], id => Assert.Equal((JobState.Canceled, "admin: Purge-Jobs"), (_state.Find(id)!.State, _state.Find(id)!.CanceledBy)));
        Assert.Equal(JobState.Completed, _state.Find(4)!.State);
        Assert.Equal(0, _state.ActiveCount);
    }

    [Fact]
    public void Purge_finished_jobs_removes_the_jobs_finished_before_the_date_in_one_event_and_only_for_an_admin()
    {
        foreach (var id in (long[])[1, 2, 3, 4]) Accepted(Submit(id));
        Finish(1, JobState.Completed);
        Finish(2, JobState.Canceled);
        Finish(3, JobState.Aborted);

        Assert.Equal(CommandOutcome.NotAuthorized, Result(new Commands.PurgeFinishedJobs("office", Noon.AddDays(1), new Requester("alice", true, false))).Outcome);
        var none = Result(new Commands.PurgeFinishedJobs("office", Noon, Admin));
        Assert.Equal((CommandOutcome.Ok, 0), (none.Outcome, none.Count));
        Assert.Empty(_events);

        var purged = Result(new Commands.PurgeFinishedJobs("office", Noon.AddSeconds(1), Admin));

        Assert.Equal((CommandOutcome.Ok, 3, "3 job(s) purged"), (purged.Outcome, purged.Count, purged.Message));
        Assert.Equal([1L, 2, 3], Assert.IsType<JobsPurged>(Assert.Single(_events)).JobIds.Order());
        Assert.Equal([4L], _state.Jobs.Select(j => j.JobId));
        Assert.Equal(JobState.Pending, _state.Find(4)!.State);
    }

    /// <summary>Job 1 of alice, in <paramref name="state"/> as <paramref name="operation"/> needs it.</summary>
    private void PrepareJobFor(string operation, JobState state)
    {
        if (operation is "close" or "send-document")
        {
            Accepted(Create(1));
            if (operation == "close") Send(Add(1, 1, last: false));
            return;
        }
        Accepted(Submit(1, hold: state == JobState.PendingHeld));
        if (state.IsTerminal()) Finish(1, state);
    }

    // ---- Limits: unfinished jobs per queue and per user, documents per job

    [Fact]
    public void A_full_queue_refuses_new_jobs_until_one_finishes()
    {
        var rules = new QueueRules(Office with { MaxJobs = 2 }, TimeZoneInfo.Utc);
        Apply(rules.Decide(_state, Submit(1), Noon));
        Apply(rules.Decide(_state, Create(2), Noon));

        var refused = Assert.IsType<Replies.JobRejected>(Apply(rules.Decide(_state, Submit(3), Noon)));
        var refusedCreate = Assert.IsType<Replies.JobRejected>(Apply(rules.Decide(_state, Create(4), Noon)));

        Assert.Equal((Rejection.TooManyJobs, Rejection.TooManyJobs), (refused.Kind, refusedCreate.Kind));
        Assert.Contains("maximum of 2 unfinished jobs", refused.Reason);
        Assert.Null(_state.Find(3));
        Finish(1, JobState.Completed);
        Assert.IsType<Replies.JobAccepted>(Apply(rules.Decide(_state, Submit(3), Noon)));
    }

    [Fact]
    public void One_user_may_hold_only_so_many_unfinished_jobs_and_others_still_print()
    {
        var rules = new QueueRules(Office with { MaxJobsPerUser = 2 }, TimeZoneInfo.Utc);
        Apply(rules.Decide(_state, Submit(1), Noon));
        Apply(rules.Decide(_state, Submit(2), Noon));

        var refused = Assert.IsType<Replies.JobRejected>(Apply(rules.Decide(_state, Submit(3) with { Owner = "ALICE" }, Noon)));
        var bobs = Apply(rules.Decide(_state, Submit(4) with { Owner = "bob" }, Noon));

        Assert.Equal(Rejection.TooManyJobs, refused.Kind);
        Assert.Contains("ALICE has 2 unfinished jobs", refused.Reason);
        Assert.IsType<Replies.JobAccepted>(bobs);
        Send(new Commands.CancelJob("office", 1, Alice));
        Assert.IsType<Replies.JobAccepted>(Apply(rules.Decide(_state, Submit(3), Noon)));
    }

    [Fact]
    public void A_job_takes_at_most_the_queues_number_of_documents()
    {
        var rules = new QueueRules(Office with { MaxDocumentsPerJob = 2 }, TimeZoneInfo.Utc);

        var tooMany = Assert.IsType<Replies.JobRejected>(Apply(rules.Decide(_state,
            new Commands.SubmitJob("office", 1, "alice", "three", null, false, [Doc(1), Doc(2), Doc(3)]), Noon)));
        Apply(rules.Decide(_state, Create(2), Noon));
        Apply(rules.Decide(_state, Add(2, 1, last: false), Noon));
        var second = rules.DocumentProblem(_state, new Commands.ReserveDocument("office", 2, Alice));
        Apply(rules.Decide(_state, Add(2, 2, last: false), Noon));
        var third = rules.DocumentProblem(_state, new Commands.ReserveDocument("office", 2, Alice));

        Assert.Equal(Rejection.TooManyDocuments, tooMany.Kind);
        Assert.Null(_state.Find(1));
        Assert.Null(second);
        Assert.Equal(CommandOutcome.TooManyDocuments, third!.Outcome);
    }

    // ---- Cancel-Job

    [Fact]
    public void Cancel_job_cancels_a_pending_job_and_records_who()
    {
        Accepted(Submit(1));

        var result = Result(new Commands.CancelJob("office", 1, Alice));

        Assert.IsType<JobCanceled>(Assert.Single(_events));
        Assert.Equal((CommandOutcome.Ok, JobState.Canceled, "alice"), (result.Outcome, result.Job!.State, result.Job.CanceledBy));
        Assert.Equal(Noon, result.Job.CompletedAt);
        Assert.Null(_state.NextToDispatch(sequential: false, NoneReserved));
    }

    [Fact]
    public void Cancel_job_cancels_a_job_in_delivery()
    {
        Accepted(Submit(1));
        Dispatch(1);

        var result = Result(new Commands.CancelJob("office", 1, Alice));

        Assert.Equal((CommandOutcome.Ok, JobState.Canceled), (result.Outcome, result.Job!.State));
    }

    [Fact]
    public void Cancel_job_ends_an_incoming_job()
    {
        Accepted(Create(1, JobHold.Indefinite));

        var result = Result(new Commands.CancelJob("office", 1, Alice));

        Assert.Equal((JobState.Canceled, false, false), (result.Job!.State, result.Job.Incoming, result.Job.HoldRequested));
    }

    // ---- Hold-Job

    [Fact]
    public void Hold_job_holds_a_pending_job_until_it_is_released()
    {
        Accepted(Submit(1));

        var result = Result(new Commands.HoldJob("office", 1, Alice));

        Assert.IsType<JobHeld>(Assert.Single(_events));
        Assert.Equal((CommandOutcome.Ok, JobState.PendingHeld, HoldUntil.Indefinite), (result.Outcome, result.Job!.State, result.Job.HoldUntil));
        Assert.Null(_state.NextToDispatch(sequential: false, NoneReserved));
    }

    [Fact]
    public void Hold_job_with_job_hold_until_holds_until_that_period_starts()
    {
        Accepted(Submit(1));

        var result = Result(new Commands.HoldJob("office", 1, Alice) { HoldUntil = new JobHold(HoldUntil.Evening, null) });

        Assert.Equal((JobState.PendingHeld, HoldUntil.Evening, (DateTimeOffset?)Noon.AddHours(6)), (result.Job!.State, result.Job.HoldUntil, result.Job.ReleaseAt));
    }

    [Fact]
    public void Hold_job_with_a_period_that_is_on_now_leaves_a_pending_job_pending()
    {
        Accepted(Submit(1));

        var result = Result(new Commands.HoldJob("office", 1, Alice) { HoldUntil = new JobHold(HoldUntil.DayTime, null) });

        Assert.Empty(_events);
        Assert.Equal((CommandOutcome.Ok, JobState.Pending), (result.Outcome, result.Job!.State));
    }

    [Fact]
    public void Hold_job_with_a_period_that_is_on_now_releases_a_held_job()
    {
        Accepted(Submit(1, hold: true));

        var result = Result(new Commands.HoldJob("office", 1, Alice) { HoldUntil = new JobHold(HoldUntil.DayTime, null) });

        Assert.IsType<JobReleased>(Assert.Single(_events));
        Assert.Equal(JobState.Pending, result.Job!.State);
    }

    [Fact]
    public void Hold_job_of_a_job_in_delivery_is_not_possible()
    {
        Accepted(Submit(1));
        Dispatch(1);

        var result = Result(new Commands.HoldJob("office", 1, Alice));

        Assert.Equal((CommandOutcome.NotPossible, JobState.Processing), (result.Outcome, result.Job!.State));
        Assert.Contains("processing and can no longer be held", result.Message);
        Assert.Empty(_events);
    }

    [Fact]
    public void Hold_job_with_an_unsupported_keyword_is_not_possible()
    {
        Accepted(Submit(1));

        var result = Result(new Commands.HoldJob("office", 1, Alice) { HoldUntil = new JobHold("lunch-break", null) });

        Assert.Equal((CommandOutcome.NotPossible, JobState.Pending), (result.Outcome, result.Job!.State));
        Assert.Empty(_events);
    }

    [Fact]
    public void Hold_job_of_an_incoming_job_keeps_it_incoming_and_holds_it_once_closed()
    {
        Accepted(Create(1));
        Result(Add(1, 1, last: false));

        var held = Result(new Commands.HoldJob("office", 1, Alice) { HoldUntil = new JobHold(HoldUntil.Night, null) });
        var closed = Result(new Commands.CloseJob("office", 1, Alice), Noon.AddHours(1));

        Assert.Equal((JobState.PendingHeld, true, HoldUntil.Night), (held.Job!.State, held.Job.Incoming, held.Job.HoldUntil));
        Assert.Equal((JobState.PendingHeld, false, (DateTimeOffset?)Noon.AddHours(6)), (closed.Job!.State, closed.Job.Incoming, closed.Job.ReleaseAt));
    }

    // ---- Release-Job

    [Fact]
    public void Release_job_makes_a_held_job_pending()
    {
        Accepted(Submit(1, holdUntil: new JobHold(HoldUntil.Weekend, null)));

        var result = Result(new Commands.ReleaseJob("office", 1, Alice));

        Assert.IsType<JobReleased>(Assert.Single(_events));
        Assert.Equal((CommandOutcome.Ok, JobState.Pending), (result.Outcome, result.Job!.State));
        Assert.Equal(((string?)null, (DateTimeOffset?)null), (result.Job.HoldUntil, result.Job.ReleaseAt));
        Assert.Equal(1, _state.NextToDispatch(sequential: false, NoneReserved)!.JobId);
    }

    [Fact]
    public void Release_job_of_a_job_that_is_not_held_is_not_possible()
    {
        Accepted(Submit(1));

        var result = Result(new Commands.ReleaseJob("office", 1, Alice));

        Assert.Equal((CommandOutcome.NotPossible, JobState.Pending), (result.Outcome, result.Job!.State));
        Assert.Contains("pending, not held", result.Message);
        Assert.Empty(_events);
    }

    [Fact]
    public void Release_job_of_an_incoming_job_without_a_hold_request_is_not_possible()
    {
        Accepted(Create(1));

        var result = Result(new Commands.ReleaseJob("office", 1, Alice));

        Assert.Equal(CommandOutcome.NotPossible, result.Outcome);
        Assert.Contains("job-incoming", result.Message);
        Assert.Empty(_events);
        Assert.True(_state.Find(1)!.Incoming);
    }

    [Fact]
    public void Release_job_of_an_incoming_job_drops_its_hold_request()
    {
        Accepted(Create(1, JobHold.Indefinite));
        Result(Add(1, 1, last: false));

        var released = Result(new Commands.ReleaseJob("office", 1, Alice));
        var closed = Result(new Commands.CloseJob("office", 1, Alice));

        Assert.Equal((CommandOutcome.Ok, JobState.PendingHeld, true, false),
            (released.Outcome, released.Job!.State, released.Job.Incoming, released.Job.HoldRequested));
        Assert.Equal(JobState.Pending, closed.Job!.State);
    }

    // ---- Restart-Job

    [Fact]
    public void Restart_job_puts_a_finished_job_behind_the_jobs_waiting_now()
    {
        Accepted(Submit(1));
        Dispatch(1);
        Report(1, DeliveryOutcome.Failed);
        Finish(1, JobState.Completed);
        Accepted(Submit(2));
        Accepted(Submit(3));

        var result = Result(new Commands.RestartJob("office", 1, null, Alice), Noon.AddMinutes(1));

        Assert.Equal(4, Assert.IsType<JobRestarted>(Assert.Single(_events)).Sequence);
        Assert.Equal((CommandOutcome.Ok, JobState.Pending, 4L), (result.Outcome, result.Job!.State, result.Job.Sequence));
        Assert.Equal((0, 2, (DateTimeOffset?)null), (result.Job.Attempts, result.Job.Dispatches, result.Job.CompletedAt));
        Assert.Equal([2L, 3, 1], DispatchOrder());
    }

    [Fact]
    public void Restart_job_with_job_hold_until_restarts_the_job_held()
    {
        Accepted(Submit(1));
        Finish(1, JobState.Canceled);

        var result = Result(new Commands.RestartJob("office", 1, new JobHold(HoldUntil.Weekend, null), Alice));

        Assert.Equal((JobState.PendingHeld, HoldUntil.Weekend, (string?)null), (result.Job!.State, result.Job.HoldUntil, result.Job.CanceledBy));
        Assert.Equal(new DateTimeOffset(2026, 1, 10, 0, 0, 0, TimeSpan.Zero), result.Job.ReleaseAt); // Saturday 00:00
    }

    [Theory]
    [InlineData(JobState.Pending)]
    [InlineData(JobState.PendingHeld)]
    [InlineData(JobState.Processing)]
    public void Restart_job_of_an_unfinished_job_is_not_possible(JobState state)
    {
        Accepted(Submit(1, hold: state == JobState.PendingHeld));
        if (state == JobState.Processing)
            Dispatch(1);

        var result = Result(new Commands.RestartJob("office", 1, null, Alice));

        Assert.Equal((CommandOutcome.NotPossible, state), (result.Outcome, result.Job!.State));
        Assert.Contains("only a completed, canceled or aborted job can be restarted", result.Message);
        Assert.Empty(_events);
    }

    [Fact]
    public void Restart_job_of_a_finished_job_without_documents_is_not_possible()
    {
        Accepted(Create(1));
        Finish(1, JobState.Canceled);

        var result = Result(new Commands.RestartJob("office", 1, null, Alice));

        Assert.Equal((CommandOutcome.NotPossible, JobState.Canceled), (result.Outcome, result.Job!.State));
        Assert.Contains("no document to print", result.Message);
        Assert.Empty(_events);
    }

    // ---- Pause-Printer, Resume-Printer (the queue's pause)

    [Fact]
    public void Pausing_a_queue_stops_dispatch_and_answers_the_queue_status()
    {
        Accepted(Submit(1));

        var decision = _rules.Decide(_state, new Commands.PauseQueue("office", Admin), Noon);
        Apply(decision);

        Assert.Null(decision.Reply); // the queue's status, which only the actor knows (printer health)
        Assert.Equal("admin", Assert.IsType<QueuePaused>(Assert.Single(_events)).By);
        Assert.True(_state.Paused);
    }

    [Fact]
    public void Pausing_a_paused_queue_changes_nothing()
    {
        Send(new Commands.PauseQueue("office", Admin));

        var decision = _rules.Decide(_state, new Commands.PauseQueue("office", Admin), Noon);

        Assert.Empty(decision.Events);
        Assert.Null(decision.Reply);
        Assert.True(_state.Paused);
    }

    [Fact]
    public void Resuming_a_paused_queue_dispatches_again()
    {
        Send(new Commands.PauseQueue("office", Admin));

        Send(new Commands.ResumeQueue("office", Admin));

        Assert.IsType<QueueResumed>(Assert.Single(_events));
        Assert.False(_state.Paused);
    }

    [Fact]
    public void Resuming_a_queue_that_is_not_paused_changes_nothing()
    {
        var decision = _rules.Decide(_state, new Commands.ResumeQueue("office", Admin), Noon);

        Assert.Empty(decision.Events);
        Assert.Null(decision.Reply);
        Assert.False(_state.Paused);
    }

    // ---- A worker's report

    [Fact]
    public void A_delivered_report_completes_the_job()
    {
        Accepted(Submit(1));
        Dispatch(1);

        var recorded = Report(1, DeliveryOutcome.Delivered);

        Assert.Equal(new Replies.OutcomeRecorded(1, 1), recorded);
        Assert.IsType<JobCompleted>(Assert.Single(_events));
        var job = _state.Find(1)!;
        Assert.Equal((JobState.Completed, 1, "lj-1", (DateTimeOffset?)Noon), (job.State, job.Attempts, job.Printer, job.CompletedAt));
    }

    [Fact]
    public void A_delivered_report_completes_the_job_even_when_it_is_stale()
    {
        // Dispatch 1 lost its worker and the job went out again; the first worker's device printed it after all.
        Accepted(Submit(1));
        Dispatch(1);
        _state.Apply(new JobInterrupted(1, "worker lost during delivery", Noon));
        Dispatch(1);

        Report(1, DeliveryOutcome.Delivered, current: false, attempt: 1);

        Assert.IsType<JobCompleted>(Assert.Single(_events));
        Assert.Equal(JobState.Completed, _state.Find(1)!.State);
    }

    [Fact]
    public void A_failed_report_counts_an_attempt_and_puts_the_job_back_in_line()
    {
        Accepted(Submit(1));
        Dispatch(1);

        Report(1, DeliveryOutcome.Failed, error: "connection refused");

        Assert.IsType<JobAttemptFailed>(Assert.Single(_events));
        var job = _state.Find(1)!;
        Assert.Equal((JobState.Pending, 1, "connection refused"), (job.State, job.Attempts, job.LastError));
        Assert.Equal(["job-queued", "job-restartable"], job.StateReasons);
        Assert.Equal(1, _state.NextToDispatch(sequential: false, NoneReserved)!.JobId);
    }

    [Fact]
    public void A_job_is_aborted_when_its_failures_reach_the_queues_max_attempts()
    {
        Accepted(Submit(1));
        for (var attempt = 1; attempt < TopologyDefaults.MaxAttempts; attempt++)
        {
            Dispatch(1);
            Report(1, DeliveryOutcome.Failed);
            Assert.Equal(JobState.Pending, _state.Find(1)!.State);
        }
        Dispatch(1);

        Report(1, DeliveryOutcome.Failed, error: "toner empty");

        Assert.Equal([typeof(JobAttemptFailed), typeof(JobAborted)], EventTypes);
        var job = _state.Find(1)!;
        Assert.Equal((JobState.Aborted, 3), (job.State, job.Attempts));
        Assert.Equal("gave up after 3 attempt(s); last error: toner empty", job.LastError);
        Assert.Equal(["aborted-by-system"], job.StateReasons);
    }

    [Fact]
    public void A_failed_report_that_is_not_about_the_current_dispatch_changes_nothing()
    {
        Accepted(Submit(1));
        Dispatch(1);
        _state.Apply(new JobInterrupted(1, "worker lost during delivery", Noon));
        Dispatch(1);

        var recorded = Report(1, DeliveryOutcome.Failed, current: false, attempt: 1);

        Assert.Equal(new Replies.OutcomeRecorded(1, 1), recorded);
        Assert.Empty(_events);
        Assert.Equal((JobState.Processing, 0), (_state.Find(1)!.State, _state.Find(1)!.Attempts));
    }

    [Fact]
    public void A_report_that_the_delivery_never_started_requeues_the_job_without_counting_an_attempt()
    {
        Accepted(Submit(1));
        Dispatch(1);

        Report(1, DeliveryOutcome.NotStarted, error: "printer busy");

        Assert.IsType<JobInterrupted>(Assert.Single(_events));
        Assert.Equal((JobState.Pending, 0), (_state.Find(1)!.State, _state.Find(1)!.Attempts));
    }

    [Fact]
    public void A_report_about_a_dispatch_before_restart_job_is_ignored()
    {
        Accepted(Submit(1));
        Dispatch(1);
        Report(1, DeliveryOutcome.Failed);
        Finish(1, JobState.Canceled);
        Result(new Commands.RestartJob("office", 1, null, Alice));
        Dispatch(1);

        Report(1, DeliveryOutcome.Delivered, current: false, attempt: 1);

        Assert.Empty(_events);
        Assert.Equal(JobState.Processing, _state.Find(1)!.State);
    }

    [Fact]
    public void A_report_about_a_finished_or_unknown_job_changes_nothing()
    {
        Accepted(Submit(1));
        Dispatch(1);
        Finish(1, JobState.Canceled);

        Report(1, DeliveryOutcome.Delivered, attempt: 1);
        var finished = _events;
        var unknown = _rules.Outcome(_state, new Commands.ReportOutcome("office", 4711, 1, "lj-1", DeliveryOutcome.Failed, "x"), true, Noon);

        Assert.Empty(finished);
        Assert.Empty(unknown.Events);
        Assert.IsType<Replies.OutcomeRecorded>(unknown.Reply!(_state));
        Assert.Equal(JobState.Canceled, _state.Find(1)!.State);
    }

    // ---- The queue's timers

    [Fact]
    public void A_held_job_is_released_when_its_time_comes()
    {
        Accepted(Submit(1, holdUntil: JobHold.At(Noon.AddHours(1))));

        var early = _rules.TimedEvents(_state, Noon.AddMinutes(59), TimeOut, _ => false);
        var due = _rules.TimedEvents(_state, Noon.AddHours(1), TimeOut, _ => false);
        Apply(due);

        Assert.Empty(early);
        Assert.IsType<JobReleased>(Assert.Single(due));
        Assert.Equal(JobState.Pending, _state.Find(1)!.State);
        Assert.Empty(_rules.TimedEvents(_state, Noon.AddHours(2), TimeOut, _ => false));
    }

    [Fact]
    public void An_incoming_job_idle_for_the_time_out_is_closed_when_it_has_documents()
    {
        Accepted(Create(1));
        Result(Add(1, 1, last: false), Noon.AddSeconds(10));

        var early = _rules.TimedEvents(_state, Noon.AddSeconds(10) + TimeOut - TimeSpan.FromSeconds(1), TimeOut, _ => false);
        var due = _rules.TimedEvents(_state, Noon.AddSeconds(10) + TimeOut, TimeOut, _ => false);
        Apply(due);

        Assert.Empty(early);
        Assert.Equal("multiple-operation-time-out", Assert.IsType<JobClosed>(Assert.Single(due)).Reason);
        Assert.Equal((JobState.Pending, false), (_state.Find(1)!.State, _state.Find(1)!.Incoming));
    }

    [Fact]
    public void An_incoming_job_closed_by_the_time_out_keeps_the_hold_it_asked_for()
    {
        Accepted(Create(1, JobHold.Indefinite));
        Result(Add(1, 1, last: false));

        Apply(_rules.TimedEvents(_state, Noon + TimeOut, TimeOut, _ => false));

        Assert.Equal((JobState.PendingHeld, false, HoldUntil.Indefinite), (_state.Find(1)!.State, _state.Find(1)!.Incoming, _state.Find(1)!.HoldUntil));
    }

    [Fact]
    public void An_incoming_job_idle_for_the_time_out_without_documents_is_aborted()
    {
        Accepted(Create(1));

        var due = _rules.TimedEvents(_state, Noon + TimeOut, TimeOut, _ => false);
        Apply(due);

        Assert.Contains("(300 s)", Assert.IsType<JobAborted>(Assert.Single(due)).Reason);
        Assert.Equal((JobState.Aborted, false), (_state.Find(1)!.State, _state.Find(1)!.Incoming));
    }

    [Fact]
    public void An_incoming_job_with_a_document_on_its_way_is_not_idle()
    {
        Accepted(Create(1));
        Accepted(Create(2));

        var due = _rules.TimedEvents(_state, Noon + TimeOut, TimeOut, jobId => jobId == 1);

        Assert.Equal(2, Assert.IsType<JobAborted>(Assert.Single(due)).JobId);
    }

    [Fact]
    public void A_listing_shows_unfinished_jobs_in_dispatch_order_before_finished_ones_newest_first()
    {
        Accepted(Submit(1));
        Accepted(Submit(2, priority: 90));
        Accepted(Submit(3));
        Accepted(Submit(4) with { Owner = "bob" });
        Apply([new JobDispatched(3, 1, "lj-1", "worker", Noon), new JobCompleted(3, 1, "lj-1", Noon.AddMinutes(1))]);
        Apply([new JobDispatched(1, 1, "lj-1", "worker", Noon), new JobCompleted(1, 1, "lj-1", Noon.AddMinutes(2))]);

        long[] Ids(JobFilter which, string? owner = null, int limit = 0) =>
            QueueRules.Listing(_state, which, owner, limit).Select(j => j.JobId).ToArray();

        Assert.Equal([2L, 4, 1, 3], Ids(JobFilter.All));
        Assert.Equal([2L, 4], Ids(JobFilter.NotCompleted));
        Assert.Equal([1L, 3], Ids(JobFilter.Completed));
        Assert.Equal([4L], Ids(JobFilter.NotCompleted, owner: "bob"));
        Assert.Equal([2L, 4, 1], Ids(JobFilter.All, limit: 3));
        Assert.Equal([1L], Ids(JobFilter.Completed, limit: 1));
    }

    [Fact]
    public void A_deep_queue_snapshots_every_tenth_of_its_jobs_a_small_one_at_the_configured_cadence()
    {
        Assert.Equal(500, QueueRules.SnapshotInterval(500, 0));
        Assert.Equal(500, QueueRules.SnapshotInterval(500, 4_999));
        Assert.Equal(10_000, QueueRules.SnapshotInterval(500, 100_000));
    }
}
