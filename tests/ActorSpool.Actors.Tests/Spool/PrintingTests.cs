using System.Text;
using ActorSpool.Actors.Hosting;
using ActorSpool.Actors.Serialization;
using ActorSpool.Actors.Storage;
using ActorSpool.Domain.Jobs;
using ActorSpool.Simulators;
using ActorSpool.TestSupport;
using Akka.Actor;
using Microsoft.Data.Sqlite;
using static ActorSpool.Domain.Messages.PrinterProtocol;

namespace ActorSpool.Actors.Tests.Spool;

/// <summary>The whole actor graph on one node, printing to simulated devices over real sockets.</summary>
public sealed class PrintingTests : IAsyncLifetime
{
    private readonly TempDirectory _data = new();
    private readonly List<AppSocketPrinterSimulator> _simulators = new();
    private SpoolHarness? _spool;

    private SpoolHarness Spool => _spool!;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_spool is not null) await _spool.DisposeAsync();
        foreach (var simulator in _simulators) await simulator.DisposeAsync();
        _data.Dispose();
    }

    private async Task<AppSocketPrinterSimulator> SimulatorAsync(string name, SimulatedFault fault = SimulatedFault.None)
    {
        var simulator = new AppSocketPrinterSimulator(new SimulatorOptions { Name = name, Fault = fault });
        await simulator.StartAsync();
        _simulators.Add(simulator);
        return simulator;
    }

    private static byte[] Payload(string text) => Encoding.ASCII.GetBytes(text);

    private static string Text(ReceivedJob job) => Encoding.ASCII.GetString(job.Data!);

    private async Task PauseAsync(string printer, string queue)
    {
        await Spool.Printers.Ask<PrinterStatus>(new PausePrinter(printer), SpoolHarness.Patience);
        await SpoolHarness.WaitUntilAsync(async () => !(await Spool.QueueStatusAsync(queue)).AcceptingPrinters.Contains(printer), $"{queue} to see {printer} paused");
    }

    [Fact]
    public async Task Jobs_print_by_priority_then_submission_order()
    {
        var device = await SimulatorAsync("lj-1");
        _spool = await SpoolHarness.StartAsync($$"""
            actorspool.printers { lj-1 { uri = "socket://127.0.0.1:{{device.Port}}" } }
            actorspool.queues { office { printers = [lj-1] } }
            """, _data.Path);
        await PauseAsync("lj-1", "office");

        var submitted = new (string Name, int Priority)[] { ("a", 50), ("b", 90), ("c", 50), ("d", 100), ("e", 10), ("f", 90) };
        foreach (var (name, priority) in submitted) await Spool.SubmitAsync("office", Payload(name), priority);
        await Spool.Printers.Ask<PrinterStatus>(new ResumePrinter("lj-1"), SpoolHarness.Patience);

        var received = await device.WaitForJobsAsync(submitted.Length, SpoolHarness.Patience);
        Assert.Equal(["d", "b", "f", "a", "c", "e"], received.Select(Text));
        await Spool.WaitForJobsAsync("office", jobs => jobs.All(j => j.State == JobState.Completed));
    }

    [Fact]
    public async Task A_sequential_queue_prints_in_submission_order_one_at_a_time_over_several_printers()
    {
        var first = await SimulatorAsync("p-1");
        var second = await SimulatorAsync("p-2");
        _spool = await SpoolHarness.StartAsync($$"""
            actorspool.printers {
              p-1 { uri = "socket://127.0.0.1:{{first.Port}}" }
              p-2 { uri = "socket://127.0.0.1:{{second.Port}}" }
            }
            actorspool.queues { plans { printers = [p-1, p-2], mode = balance, sequential = on } }
            """, _data.Path);

        var jobs = new List<JobRecord>();
        for (var i = 0; i < 12; i++) jobs.Add(await Spool.SubmitAsync("plans", Payload($"sheet-{i:D2}"), priority: 100 - i * 7 % 60));

        var done = await Spool.WaitForJobsAsync("plans", all => all.Length == 12 && all.All(j => j.State == JobState.Completed));
        // Completion order is submission order although priorities differ and two printers were free.
        var byCompletion = done.OrderBy(j => j.CompletedAt).Select(j => j.JobId);
        Assert.Equal(jobs.Select(j => j.JobId), byCompletion);
        // One at a time: each job started only after the previous one completed.
        var ordered = done.OrderBy(j => j.Sequence).ToList();
        for (var i = 1; i < ordered.Count; i++) Assert.True(ordered[i].ProcessingAt >= ordered[i - 1].CompletedAt);
        Assert.Equal(12, first.ReceivedJobs.Count + second.ReceivedJobs.Count);
    }

    [Fact]
    public async Task A_failed_attempt_fails_over_to_the_alternate_printer()
    {
        var broken = await SimulatorAsync("lj-1", SimulatedFault.ResetMidJob);
        var alternate = await SimulatorAsync("lj-2");
        _spool = await SpoolHarness.StartAsync($$"""
            actorspool.printers {
              lj-1 { uri = "socket://127.0.0.1:{{broken.Port}}" }
              lj-2 { uri = "socket://127.0.0.1:{{alternate.Port}}" }
            }
            actorspool.queues { office { printers = [lj-1, lj-2], mode = failover } }
            """, _data.Path);
        await SpoolHarness.WaitUntilAsync(async () => (await Spool.QueueStatusAsync("office")).AcceptingPrinters.Length == 2, "both printers up");

        var job = await Spool.SubmitAsync("office", Payload(new string('x', 200_000)));

        var done = (await Spool.WaitForJobsAsync("office", all => all.Single().State.IsTerminal())).Single();
        Assert.Equal(JobState.Completed, done.State);
        Assert.Equal("lj-2", done.Printer);
        Assert.Equal(2, done.Attempts);
        // Both deliveries stay on record, each with its printer, worker node, times and outcome.
        Assert.Equal([(1, "lj-1", AttemptOutcome.Failed), (2, "lj-2", AttemptOutcome.Delivered)],
            done.AttemptHistory.Select(a => (a.Attempt, a.Printer, a.Outcome!.Value)));
        Assert.All(done.AttemptHistory, a => Assert.True(a.Node is { Length: > 0 } && a.StartedAt <= a.EndedAt, $"{a}"));
        Assert.NotNull(done.AttemptHistory[0].Error);
        Assert.True(done.AttemptHistory[0].EndedAt <= done.AttemptHistory[1].StartedAt);
        Assert.Equal(done.CompletedAt, done.AttemptHistory[1].EndedAt);
        Assert.Equal(200_000, Assert.Single(alternate.ReceivedJobs).Length);
        Assert.Equal(job.JobId, done.JobId);
    }

    [Fact]
    public async Task A_job_is_aborted_after_the_configured_attempts_and_not_lost_or_repeated()
    {
        var bad1 = await SimulatorAsync("bad-1", SimulatedFault.ResetMidJob);
        var bad2 = await SimulatorAsync("bad-2", SimulatedFault.ResetMidJob);
        _spool = await SpoolHarness.StartAsync($$"""
            actorspool.printers {
              bad-1 { uri = "socket://127.0.0.1:{{bad1.Port}}" }
              bad-2 { uri = "socket://127.0.0.1:{{bad2.Port}}" }
            }
            actorspool.queues { office { printers = [bad-1, bad-2], max-attempts = 3 } }
            """, _data.Path);

        await Spool.SubmitAsync("office", Payload(new string('y', 300_000)));

        var aborted = (await Spool.WaitForJobsAsync("office", all => all.Single().State.IsTerminal())).Single();
        Assert.Equal(JobState.Aborted, aborted.State);
        Assert.Equal(3, aborted.Attempts);
        Assert.Contains("gave up after 3 attempt", aborted.LastError);
        Assert.Empty(bad1.ReceivedJobs);
        Assert.Empty(bad2.ReceivedJobs);
    }

    [Fact]
    public async Task A_crashing_protocol_actor_is_restarted_and_other_printers_keep_printing()
    {
        var faulty = await SimulatorAsync("faulty", SimulatedFault.ResetMidJob);
        var healthy = await SimulatorAsync("healthy");
        _spool = await SpoolHarness.StartAsync($$"""
            actorspool.printers {
              faulty { uri = "socket://127.0.0.1:{{faulty.Port}}" }
              healthy { uri = "socket://127.0.0.1:{{healthy.Port}}" }
            }
            actorspool.queues {
              broken { printers = [faulty], max-attempts = 100 }
              office { printers = [healthy] }
            }
            """, _data.Path);

        var stuck = await Spool.SubmitAsync("broken", Payload(new string('z', 300_000)));
        for (var i = 0; i < 20; i++) await Spool.SubmitAsync("office", Payload($"office-{i}"));

        // The healthy printer's queue drains completely while the faulty device keeps crashing deliveries.
        await Spool.WaitForJobsAsync("office", all => all.Length == 20 && all.All(j => j.State == JobState.Completed));
        await Spool.WaitForJobsAsync("broken", all => all.Single().Attempts >= 3);
        Assert.Equal(20, healthy.ReceivedJobs.Count);

        // The same printer entity prints again once the device behaves: its protocol actor was restarted, not lost.
        faulty.Fault = SimulatedFault.None;
        var done = (await Spool.WaitForJobsAsync("broken", all => all.Single().State == JobState.Completed)).Single();
        Assert.Equal(stuck.JobId, done.JobId);
        Assert.Equal(300_000, Assert.Single(faulty.ReceivedJobs).Length);
    }

    [Fact]
    public async Task A_queue_replays_to_the_same_state_after_its_node_restarts()
    {
        var device = await SimulatorAsync("lj-1");
        var printers = $$"""
            actorspool.printers { lj-1 { uri = "socket://127.0.0.1:{{device.Port}}" } }
            actorspool.queues { office { printers = [lj-1] } }
            """;
        _spool = await SpoolHarness.StartAsync(printers, _data.Path);
        var printed = await Spool.SubmitAsync("office", Payload("first"));
        await Spool.WaitForJobsAsync("office", all => all.Single().State == JobState.Completed);

        await PauseAsync("lj-1", "office");
        var pending = new List<JobRecord>();
        for (var i = 0; i < 5; i++) pending.Add(await Spool.SubmitAsync("office", Payload($"later-{i}"), priority: 20 + i));
        var held = await Spool.SubmitAsync("office", Payload("held"), hold: true);
        var before = (await Spool.JobsAsync("office")).OrderBy(j => j.JobId).ToArray();

        await Spool.DisposeAsync();
        _spool = null;
        _spool = await SpoolHarness.StartAsync(printers, _data.Path);

        var after = (await Spool.JobsAsync("office")).OrderBy(j => j.JobId).ToArray();
        Assert.Equal(before.Select(j => (j.JobId, j.State, j.Priority, j.Sequence, j.Attempts, j.Owner)),
                     after.Select(j => (j.JobId, j.State, j.Priority, j.Sequence, j.Attempts, j.Owner)));
        Assert.Equal(JobState.Completed, after.Single(j => j.JobId == printed.JobId).State);
        Assert.Equal(JobState.PendingHeld, after.Single(j => j.JobId == held.JobId).State);
        // The printed job's attempt, replayed from the journal as it was.
        var attempt = Assert.Single(after.Single(j => j.JobId == printed.JobId).AttemptHistory);
        Assert.Equal(Assert.Single(before.Single(j => j.JobId == printed.JobId).AttemptHistory), attempt);
        Assert.Equal(AttemptOutcome.Delivered, attempt.Outcome);

        // The printer entity came back paused (its pause is journaled); resumed, it prints the pending jobs.
        Assert.True((await Spool.Printers.Ask<PrinterStatus>(new GetPrinterStatus("lj-1"), SpoolHarness.Patience)).Paused);
        Assert.Single(device.ReceivedJobs);
        await Spool.Printers.Ask<PrinterStatus>(new ResumePrinter("lj-1"), SpoolHarness.Patience);
        await Spool.WaitForJobsAsync("office", all => all.Count(j => j.State == JobState.Completed) == 6);
        Assert.Equal(["first", "later-4", "later-3", "later-2", "later-1", "later-0"], device.ReceivedJobs.Select(Text));
    }

    [Fact]
    public async Task A_queue_restarts_from_its_binary_snapshot()
    {
        var device = await SimulatorAsync("lj-1");
        var printers = $$"""
            actorspool.printers { lj-1 { uri = "socket://127.0.0.1:{{device.Port}}" } }
            actorspool.queues { office { printers = [lj-1] } }
            """;
        // A snapshot every few events, so the restart reads one and replays only the events after it.
        var settings = SpoolHarness.FastSettings with { SnapshotEvery = 4 };
        _spool = await SpoolHarness.StartAsync(printers, _data.Path, settings);
        // One printed first: its attempt history goes through the snapshot too.
        await Spool.SubmitAsync("office", Payload("printed"));
        await Spool.WaitForJobsAsync("office", all => all.Single().State == JobState.Completed);
        for (var i = 0; i < 6; i++) await Spool.SubmitAsync("office", Payload($"held-{i}"), priority: 10 + i, hold: true);
        await SpoolHarness.WaitUntilAsync(() => Task.FromResult(StoredSnapshots("job-queue-office").Count > 0), "a snapshot of office");
        var before = (await Spool.JobsAsync("office")).OrderBy(j => j.JobId).ToArray();

        await Spool.DisposeAsync();
        _spool = null;
        Assert.All(StoredSnapshots("job-queue-office"), s => Assert.Equal((QueueSnapshotSerializer.SerializerId, QueueSnapshotSerializer.SnapshotManifest), s));
        _spool = await SpoolHarness.StartAsync(printers, _data.Path, settings);

        var after = (await Spool.JobsAsync("office")).OrderBy(j => j.JobId).ToArray();
        Assert.Equal(7, after.Length);
        Assert.All(after.Skip(1), j => Assert.Equal(JobState.PendingHeld, j.State));
        Assert.Equal(AttemptOutcome.Delivered, Assert.Single(after[0].AttemptHistory).Outcome);
        Serialization.SameValue.Equal(before, after);
    }

    /// <summary>The serializer id and manifest of each snapshot the node's SQLite snapshot store holds for an entity.</summary>
    private List<(long Serializer, string Manifest)> StoredSnapshots(string persistenceId)
    {
        var database = Path.Combine(_data.Path, SqliteSnapshotsFile.FileName);
        using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT serializer_id, manifest FROM snapshot WHERE persistence_id = @id";
        command.Parameters.AddWithValue("@id", persistenceId);
        using var reader = command.ExecuteReader();
        var rows = new List<(long, string)>();
        while (reader.Read()) rows.Add((reader.GetInt64(0), reader.GetString(1)));
        return rows;
    }
}
