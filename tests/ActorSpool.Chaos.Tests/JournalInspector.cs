using System.Text.Json;
using ActorSpool.Actors.Serialization;
using Npgsql;
using static ActorSpool.Domain.Messages.JobQueueProtocol.Events;

namespace ActorSpool.Chaos.Tests;

/// <summary>
/// Reads a queue's journal (Akka.Persistence.Sql's <c>journal</c> table, JSON events) to tell which node's worker
/// delivered each completed job, and how many deliveries were interrupted or failed. Diagnostics only: the tests'
/// assertions use IPP and the printers, what a user sees.
/// </summary>
public static class JournalInspector
{
    public sealed record History(
        IReadOnlyDictionary<(long JobId, int Attempt), string> Workers,
        IReadOnlyList<(long JobId, int Attempt, string Printer)> Completions,
        IReadOnlyList<(long JobId, string Reason)> Interruptions,
        IReadOnlyList<(long JobId, int Attempt, string Printer, string Reason, DateTimeOffset At)> FailedAttempts,
        int Aborted,
        IReadOnlyList<(long JobId, int Attempt, string Worker, DateTimeOffset At, string Printer)> Dispatches,
        IReadOnlyList<DateTimeOffset> BackInLine)
    {
        /// <summary>The worker (actor path with its node address) whose delivery completed each job.</summary>
        public IEnumerable<(long JobId, string? Worker)> CompletedBy() =>
            Completions.Select(c => (c.JobId, Workers.TryGetValue((c.JobId, c.Attempt), out var w) ? w : null));
    }

    public static async Task<History> ReadAsync(string connectionString, string queue)
    {
        var workers = new Dictionary<(long, int), string>();
        var completions = new List<(long, int, string)>();
        var interruptions = new List<(long, string)>();
        var dispatches = new List<(long, int, string, DateTimeOffset, string)>();
        var failed = new List<(long, int, string, string, DateTimeOffset)>();
        var aborted = 0;
        // When a job became ready for a dispatch: accepted, interrupted, or failed (a retry follows).
        var backInLine = new List<DateTimeOffset>();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT manifest, message FROM journal WHERE persistence_id = @id ORDER BY sequence_number", connection);
        command.Parameters.AddWithValue("id", $"job-queue-{queue}");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            // A short manifest ("job-dispatched") or the full type name journals carried before manifests were pinned.
            var kind = SpoolManifests.TryGetType(reader.GetString(0), out var type) ? type.Name : "";
            if (kind is not (nameof(JobDispatched) or nameof(JobCompleted) or nameof(JobInterrupted) or nameof(JobAttemptFailed) or nameof(JobAborted)
                or nameof(JobAccepted))) continue;
            using var json = JsonDocument.Parse((byte[])reader.GetValue(1));
            var e = json.RootElement;
            switch (kind)
            {
                case nameof(JobDispatched):
                    workers[(e.GetProperty("JobId").GetInt64(), e.GetProperty("Attempt").GetInt32())] = e.GetProperty("Worker").GetString() ?? "";
                    dispatches.Add((e.GetProperty("JobId").GetInt64(), e.GetProperty("Attempt").GetInt32(), e.GetProperty("Worker").GetString() ?? "",
                        e.GetProperty("At").GetDateTimeOffset(), e.GetProperty("Printer").GetString() ?? ""));
                    break;
                case nameof(JobCompleted):
                    completions.Add((e.GetProperty("JobId").GetInt64(), e.GetProperty("Attempt").GetInt32(), e.GetProperty("Printer").GetString() ?? ""));
                    break;
                case nameof(JobInterrupted):
                    interruptions.Add((e.GetProperty("JobId").GetInt64(), e.GetProperty("Reason").GetString() ?? ""));
                    backInLine.Add(e.GetProperty("At").GetDateTimeOffset());
                    break;
                case nameof(JobAccepted):
                    backInLine.Add(e.GetProperty("At").GetDateTimeOffset());
                    break;
                case nameof(JobAttemptFailed):
                    failed.Add((e.GetProperty("JobId").GetInt64(), e.GetProperty("Attempt").GetInt32(), e.GetProperty("Printer").GetString() ?? "",
                        e.GetProperty("Reason").GetString() ?? "", e.GetProperty("At").GetDateTimeOffset()));
                    backInLine.Add(e.GetProperty("At").GetDateTimeOffset());
                    break;
                case nameof(JobAborted):
                    aborted++;
                    break;
            }
        }
        return new History(workers, completions, interruptions, failed, aborted, dispatches, backInLine);
    }
}
