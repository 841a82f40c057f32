using System.Text;
using ActorSpool.Domain.Jobs;
using ActorSpool.Simulators;
using ActorSpool.TestSupport;
using Akka.Actor;
using static ActorSpool.Domain.Messages.JobQueueProtocol;
using static ActorSpool.Domain.Messages.PrinterProtocol;

namespace ActorSpool.Actors.Tests.Spool;

/// <summary>
/// The queue entity's side of Create-Job / Send-Document / Close-Job, the multiple-operation-time-out, timed holds and
/// Restart-Job, on the real actor graph printing to a simulated device.
/// </summary>
public sealed class MultiDocumentJobTests : IAsyncLifetime
{
    private static readonly TimeSpan MultipleOperationTimeout = TimeSpan.FromSeconds(2);

    private readonly TempDirectory _data = new();
    private AppSocketPrinterSimulator _device = null!;
    private SpoolHarness _spool = null!;

    public async Task InitializeAsync()
    {
        _device = new AppSocketPrinterSimulator(new SimulatorOptions { Name = "lj-1" });
        await _device.StartAsync();
        _spool = await StartSpoolAsync(MultipleOperationTimeout);
    }

    private Task<SpoolHarness> StartSpoolAsync(TimeSpan multipleOperationTimeout) => SpoolHarness.StartAsync($$"""
        actorspool.printers { lj-1 { uri = "socket://127.0.0.1:{{_device.Port}}" } }
        actorspool.queues { office { printers = [lj-1] } }
        """, _data.Path, SpoolHarness.FastSettings with { MultipleOperationTimeout = multipleOperationTimeout });

    public async Task DisposeAsync()
    {
        await _spool.DisposeAsync();
        await _device.DisposeAsync();
        _data.Dispose();
    }

    private Task<T> AskAsync<T>(object message) => _spool.Queues.Ask<T>(message, SpoolHarness.Patience);

    private async Task<long> CreateAsync(JobHold? hold = null)
    {
        var jobId = await _spool.Documents.AllocateJobIdAsync("office");
        var reply = await AskAsync<object>(new Commands.CreateJob("office", jobId, "alice", "multi", null, hold));
        var job = Assert.IsType<Replies.JobAccepted>(reply).Job;
        Assert.True(job.Incoming);
        return jobId;
    }

    /// <summary>Send-Document as ingress does it: reserve a number, store the document, record it.</summary>
    private async Task<Replies.CommandResult> SendAsync(long jobId, string text, bool last)
    {
        var slot = Assert.IsType<Replies.DocumentReserved>(await AskAsync<object>(new Commands.ReserveDocument("office", jobId, Requester.Operator)));
        var stored = await _spool.Documents.WriteDocumentAsync(jobId, slot.Number, new MemoryStream(Encoding.ASCII.GetBytes(text)), "text/plain", null, long.MaxValue);
        return await AskAsync<Replies.CommandResult>(
            new Commands.AddDocument("office", jobId, new JobDocument(slot.Number, stored.Length, stored.Format, null), last, Requester.Operator));
    }

    private async Task<JobRecord> JobAsync(long jobId) =>
        (await AskAsync<Replies.JobInfo>(new Queries.GetJob("office", jobId))).Job!;

    private async Task PauseDeviceAsync()
    {
        await _spool.Printers.Ask<PrinterStatus>(new PausePrinter("lj-1"), SpoolHarness.Patience);
        await SpoolHarness.WaitUntilAsync(async () => (await _spool.QueueStatusAsync("office")).AcceptingPrinters.Length == 0, "office to see lj-1 paused");
    }

    [Fact]
    public async Task Documents_sent_to_a_created_job_print_once_in_order_after_the_last_one()
    {
        var jobId = await CreateAsync();
        Assert.Equal(CommandOutcome.Ok, (await SendAsync(jobId, "first;", last: false)).Outcome);
        Assert.Equal(CommandOutcome.Ok, (await SendAsync(jobId, "second;", last: false)).Outcome);
        var third = await SendAsync(jobId, "third.", last: true);

        Assert.Equal(CommandOutcome.Ok, third.Outcome);
        Assert.False(third.Job!.Incoming);
        await _spool.WaitForJobsAsync("office", jobs => jobs.Single().State == JobState.Completed);
        Assert.Equal("first;second;third.", Encoding.ASCII.GetString(Assert.Single(_device.ReceivedJobs).Data!));
    }

    [Fact]
    public async Task An_incoming_job_and_its_documents_survive_a_restart_of_the_node()
    {
        // A time-out long enough not to close the job while the node restarts.
        await _spool.DisposeAsync();
        _spool = await StartSpoolAsync(TimeSpan.FromMinutes(5));
        var jobId = await CreateAsync(new JobHold(HoldUntil.NoHold, null));
        await SendAsync(jobId, "before restart;", last: false);

        await _spool.DisposeAsync();
        _spool = await StartSpoolAsync(TimeSpan.FromMinutes(5));

        var replayed = await JobAsync(jobId);
        Assert.True(replayed.Incoming);
        Assert.Equal([1], replayed.Documents.Select(d => d.Number));
        Assert.Equal(CommandOutcome.Ok, (await SendAsync(jobId, "after restart.", last: true)).Outcome);
        await _spool.WaitForJobsAsync("office", all => all.Single().State == JobState.Completed);
        Assert.Equal("before restart;after restart.", Encoding.ASCII.GetString(Assert.Single(_device.ReceivedJobs).Data!));
    }

    [Fact]
    public async Task A_closed_job_takes_no_more_documents_and_closing_it_again_changes_nothing()
    {
        await PauseDeviceAsync();
        var jobId = await CreateAsync();
        await SendAsync(jobId, "only", last: false);

        var closed = await AskAsync<Replies.CommandResult>(new Commands.CloseJob("office", jobId, Requester.Operator));
        var again = await AskAsync<Replies.CommandResult>(new Commands.CloseJob("office", jobId, Requester.Operator));
        var reserve = await AskAsync<object>(new Commands.ReserveDocument("office", jobId, Requester.Operator));

        Assert.Equal((CommandOutcome.Ok, JobState.Pending), (closed.Outcome, closed.Job!.State));
        Assert.Equal((CommandOutcome.Ok, JobState.Pending), (again.Outcome, again.Job!.State));
        Assert.Equal(CommandOutcome.NotPossible, Assert.IsType<Replies.CommandResult>(reserve).Outcome);
        Assert.Equal(CommandOutcome.NotFound,
            Assert.IsType<Replies.CommandResult>(await AskAsync<object>(new Commands.ReserveDocument("office", 999_999, Requester.Operator))).Outcome);
    }

    [Fact]
    public async Task Close_job_without_documents_is_refused_and_the_job_stays_incoming()
    {
        var jobId = await CreateAsync();

        var closed = await AskAsync<Replies.CommandResult>(new Commands.CloseJob("office", jobId, Requester.Operator));

        Assert.Equal(CommandOutcome.NotPossible, closed.Outcome);
        Assert.Contains("no document", closed.Message);
        Assert.True((await JobAsync(jobId)).Incoming);
    }

    [Fact]
    public async Task Two_send_documents_under_way_at_once_get_different_numbers()
    {
        var jobId = await CreateAsync();

        var first = Assert.IsType<Replies.DocumentReserved>(await AskAsync<object>(new Commands.ReserveDocument("office", jobId, Requester.Operator)));
        var second = Assert.IsType<Replies.DocumentReserved>(await AskAsync<object>(new Commands.ReserveDocument("office", jobId, Requester.Operator)));

        Assert.Equal((1, 2), (first.Number, second.Number));
    }

    [Fact]
    public async Task An_idle_incoming_job_is_closed_and_printed_when_it_has_a_document_and_aborted_when_it_has_none()
    {
        var withDocument = await CreateAsync();
        await SendAsync(withDocument, "forgot last-document", last: false);
        var empty = await CreateAsync();

        var jobs = await _spool.WaitForJobsAsync("office", all => all.All(j => j.State.IsTerminal()));

        Assert.Equal(JobState.Completed, jobs.Single(j => j.JobId == withDocument).State);
        var aborted = jobs.Single(j => j.JobId == empty);
        Assert.Equal(JobState.Aborted, aborted.State);
        Assert.Contains("multiple-operation-time-out", aborted.LastError);
        Assert.Equal("forgot last-document", Encoding.ASCII.GetString(Assert.Single(_device.ReceivedJobs).Data!));
    }

    [Fact]
    public async Task A_job_held_until_a_time_is_released_by_the_queue_when_the_time_comes()
    {
        var releaseAt = DateTimeOffset.UtcNow.AddSeconds(3);
        var jobId = await _spool.Documents.AllocateJobIdAsync("office");
        var stored = await _spool.Documents.WriteDocumentAsync(jobId, 1, new MemoryStream("later"u8.ToArray()), "text/plain", null, long.MaxValue);
        var submit = new Commands.SubmitJob("office", jobId, "alice", "later", null, false, [new JobDocument(1, stored.Length, stored.Format, null)])
        {
            HoldUntil = JobHold.At(releaseAt),
        };

        var accepted = Assert.IsType<Replies.JobAccepted>(await AskAsync<object>(submit)).Job;

        Assert.Equal(JobState.PendingHeld, accepted.State);
        Assert.Equal(releaseAt, accepted.ReleaseAt);
        var done = (await _spool.WaitForJobsAsync("office", all => all.Single().State == JobState.Completed)).Single();
        Assert.True(done.ProcessingAt >= releaseAt, $"printed at {done.ProcessingAt:O}, before its hold ended at {releaseAt:O}");
    }

    [Fact]
    public async Task A_created_job_asking_for_a_hold_is_held_once_closed()
    {
        var jobId = await CreateAsync(JobHold.Indefinite);
        await SendAsync(jobId, "held", last: true);

        var job = await JobAsync(jobId);
        Assert.Equal((JobState.PendingHeld, false, HoldUntil.Indefinite), (job.State, job.Incoming, job.HoldUntil));

        Assert.Equal(CommandOutcome.Ok, (await AskAsync<Replies.CommandResult>(new Commands.ReleaseJob("office", jobId, Requester.Operator))).Outcome);
        await _spool.WaitForJobsAsync("office", all => all.Single().State == JobState.Completed);
    }

    [Fact]
    public async Task Restart_job_prints_a_completed_job_again_and_refuses_an_unfinished_one()
    {
        var job = await _spool.SubmitAsync("office", "again"u8.ToArray());
        await _spool.WaitForJobsAsync("office", all => all.Single().State == JobState.Completed);

        var restarted = await AskAsync<Replies.CommandResult>(new Commands.RestartJob("office", job.JobId, null, Requester.Operator));

        Assert.Equal(CommandOutcome.Ok, restarted.Outcome);
        await _device.WaitForJobsAsync(2, SpoolHarness.Patience);
        var done = (await _spool.WaitForJobsAsync("office", all => all.Single().State == JobState.Completed)).Single();
        Assert.Equal(2, done.Dispatches);
        Assert.All(_device.ReceivedJobs, r => Assert.Equal("again", Encoding.ASCII.GetString(r.Data!)));

        await PauseDeviceAsync();
        var pending = await _spool.SubmitAsync("office", "waiting"u8.ToArray());
        var refused = await AskAsync<Replies.CommandResult>(new Commands.RestartJob("office", pending.JobId, null, Requester.Operator));
        Assert.Equal(CommandOutcome.NotPossible, refused.Outcome);
        Assert.Contains("pending", refused.Message);
    }

    [Fact]
    public async Task A_late_report_of_a_run_before_the_restart_does_not_finish_the_restarted_job()
    {
        var job = await _spool.SubmitAsync("office", "once"u8.ToArray());
        var done = (await _spool.WaitForJobsAsync("office", all => all.Single().State == JobState.Completed)).Single();
        await PauseDeviceAsync();
        await AskAsync<Replies.CommandResult>(new Commands.RestartJob("office", job.JobId, null, Requester.Operator));

        await AskAsync<Replies.OutcomeRecorded>(
            new Commands.ReportOutcome("office", job.JobId, done.Dispatches, "lj-1", DeliveryOutcome.Delivered, null));

        Assert.Equal(JobState.Pending, (await JobAsync(job.JobId)).State);
    }
}
