using System.Globalization;
using System.Text;

namespace ActorSpool.Chaos.Tests;

/// <summary>
/// What a scenario ended with, from the user's side (IPP listing, what the printers printed) plus the journal
/// for per-node counts, and the contract's assertions over it.
/// </summary>
public sealed class Outcome
{
    public required int Acknowledged { get; init; }
    public required int Listed { get; init; }
    public required int Printed { get; init; }
    public required int Duplicates { get; init; }
    public required IReadOnlyList<int> DuplicatedMarkers { get; init; }
    public required int Unrecognised { get; init; }
    /// <summary>Acknowledged job ids that are not listed as completed.</summary>
    public required IReadOnlyList<int> AcknowledgedNotCompleted { get; init; }
    /// <summary>Acknowledged requests whose document never reached a printer.</summary>
    public required IReadOnlyList<int> AcknowledgedNotPrinted { get; init; }
    /// <summary>Listed jobs whose request the client never saw acknowledged (the answer was lost); they count as accepted.</summary>
    public required IReadOnlyList<ClusterHarness.QueueJob> ListedWithoutAcknowledgement { get; init; }
    /// <summary>Listed jobs that are not completed (any, acknowledged or not).</summary>
    public required IReadOnlyList<ClusterHarness.QueueJob> ListedNotCompleted { get; init; }
    /// <summary>Printed documents whose request is not a listed job (printed although the system does not know the job).</summary>
    public required IReadOnlyList<int> PrintedButNotListed { get; init; }
    /// <summary>Listed jobs whose id differs from the id the client was given for the same request.</summary>
    public required IReadOnlyList<string> IdMismatches { get; init; }
    public required IReadOnlyDictionary<string, int> PerPrinter { get; init; }
    public required IReadOnlyDictionary<string, int> PerNode { get; init; }
    public required string JournalSummary { get; init; }

    public static async Task<Outcome> AnalyseAsync(ClusterHarness cluster, IReadOnlyList<ClusterHarness.QueueJob> jobs)
    {
        var acked = cluster.Submitter.Acked;
        var ackedByNumber = acked.ToDictionary(a => a.Number);
        var listedById = jobs.GroupBy(j => j.JobId).ToDictionary(g => g.Key, g => g.First());
        var listedNumbers = jobs.Where(j => j.Number is not null).Select(j => j.Number!.Value).ToHashSet();
        var printed = cluster.Ledger.CountsByMarker();

        var perNode = new Dictionary<string, int>();
        string journal;
        try
        {
            var history = await JournalInspector.ReadAsync(cluster.ConnectionString, cluster.Queue);
            foreach (var (_, worker) in history.CompletedBy())
            {
                var node = worker is null ? -1 : cluster.NodeOfAddress(worker);
                var key = node < 0 ? "unknown" : ClusterHarness.NodeName(node);
                perNode[key] = perNode.GetValueOrDefault(key) + 1;
            }
            journal = $"{history.Completions.Count} JobCompleted, {history.Workers.Count} JobDispatched, {history.Interruptions.Count} JobInterrupted"
                      + (history.Interruptions.Count > 0
                          ? " (" + string.Join("; ", history.Interruptions.GroupBy(i => i.Reason).Select(g => $"{g.Count()} × {g.Key}")) + ")"
                          : "")
                      + $", {history.FailedAttempts.Count} JobAttemptFailed"
                      + (history.FailedAttempts.Count > 0
                          ? " (" + string.Join("; ", history.FailedAttempts.Take(5).Select(f => $"job {f.JobId} attempt {f.Attempt} on {f.Printer} at {f.At:HH:mm:ss.fff}Z: {f.Reason}")) + ")"
                          : "")
                      + $", {history.Aborted} JobAborted";
        }
        catch (Exception e)
        {
            journal = $"(journal not readable: {e.Message})";
        }

        return new Outcome
        {
            Acknowledged = acked.Count,
            Listed = jobs.Count,
            Printed = cluster.Ledger.Count,
            Duplicates = cluster.Ledger.Duplicates(),
            DuplicatedMarkers = cluster.Ledger.DuplicatedMarkers(),
            Unrecognised = cluster.Ledger.Unrecognised(),
            AcknowledgedNotCompleted = acked.Where(a => !listedById.TryGetValue(a.JobId, out var j) || !j.IsCompleted).Select(a => a.JobId).ToList(),
            AcknowledgedNotPrinted = acked.Where(a => !printed.ContainsKey(a.Number)).Select(a => a.Number).ToList(),
            ListedWithoutAcknowledgement = jobs.Where(j => j.Number is not { } n || !ackedByNumber.ContainsKey(n)).ToList(),
            ListedNotCompleted = jobs.Where(j => !j.IsCompleted).ToList(),
            PrintedButNotListed = printed.Keys.Where(n => n >= 0 && !listedNumbers.Contains(n)).Order().ToList(),
            IdMismatches = jobs.Where(j => j.Number is { } n && ackedByNumber.TryGetValue(n, out var a) && a.JobId != j.JobId)
                .Select(j => $"request {j.Number}: client got {ackedByNumber[j.Number!.Value].JobId}, listed as {j.JobId}").ToList(),
            PerPrinter = cluster.Ledger.PerPrinter(),
            PerNode = perNode.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(),
            JournalSummary = journal,
        };
    }

    /// <summary>On a failure: whatever can still be said about the outcome (the listing as it is now), never throwing.</summary>
    public static async Task DescribeCurrentAsync(ClusterHarness cluster, StringBuilder md)
    {
        try
        {
            var jobs = await cluster.GetJobsAsync();
            md.AppendLine().AppendLine("State at the failure:").AppendLine();
            (await AnalyseAsync(cluster, jobs)).WriteTo(md);
        }
        catch (Exception e)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- (no listing at the failure: {e.Message})");
        }
    }

    public static string Sample<T>(IEnumerable<T> items, int max = 15)
    {
        var list = items.ToList();
        return list.Count == 0 ? "none" : string.Join(", ", list.Take(max)) + (list.Count > max ? $", … ({list.Count})" : "");
    }

    public void WriteTo(StringBuilder md)
    {
        md.AppendLine(CultureInfo.InvariantCulture, $"- acknowledged jobs: {Acknowledged}; listed by Get-Jobs: {Listed}; documents printed: {Printed}");
        md.AppendLine(CultureInfo.InvariantCulture, $"- acknowledged but not completed: {Sample(AcknowledgedNotCompleted)}; acknowledged but never printed: {Sample(AcknowledgedNotPrinted)}");
        md.AppendLine(CultureInfo.InvariantCulture, $"- listed without the client having had successful-ok (answer lost): {Sample(ListedWithoutAcknowledgement.Select(j => $"{j.JobId} (request {j.Number}, state {j.State})"))}");
        md.AppendLine(CultureInfo.InvariantCulture, $"- listed but not completed: {Sample(ListedNotCompleted.Select(j => $"{j.JobId} (state {j.State})"))}; printed but not listed: {Sample(PrintedButNotListed)}; id mismatches: {Sample(IdMismatches)}; unrecognised documents: {Unrecognised}");
        md.AppendLine(CultureInfo.InvariantCulture, $"- duplicates (same document printed again): **{Duplicates}** ({Sample(DuplicatedMarkers.Select(m => $"JOB-{m}-"))})");
        md.AppendLine(CultureInfo.InvariantCulture, $"- jobs per printer: {string.Join(", ", PerPrinter.Select(kv => $"{kv.Key} = {kv.Value}"))}");
        md.AppendLine(CultureInfo.InvariantCulture, $"- completed jobs per node (the node whose worker delivered them, from the journal): {(PerNode.Count == 0 ? "unknown" : string.Join(", ", PerNode.Select(kv => $"{kv.Key} = {kv.Value}")))}");
        md.AppendLine(CultureInfo.InvariantCulture, $"- queue journal: {JournalSummary}");
    }

    /// <summary>The contract: every acknowledged job completed and printed, nothing stuck, duplicates bounded.</summary>
    public void AssertContract(int maxDuplicates)
    {
        Assert.True(AcknowledgedNotCompleted.Count == 0, $"acknowledged jobs not completed: {Sample(AcknowledgedNotCompleted)}");
        Assert.True(AcknowledgedNotPrinted.Count == 0, $"acknowledged jobs never printed (requests): {Sample(AcknowledgedNotPrinted)}");
        Assert.True(ListedNotCompleted.Count == 0, $"jobs stuck or not completed: {Sample(ListedNotCompleted.Select(j => $"{j.JobId} (state {j.State})"))}");
        Assert.True(PrintedButNotListed.Count == 0, $"documents printed for requests the queue does not list: {Sample(PrintedButNotListed)}");
        Assert.True(IdMismatches.Count == 0, $"job ids differ from the ones acknowledged: {Sample(IdMismatches)}");
        Assert.Equal(0, Unrecognised);
        Assert.True(Duplicates <= maxDuplicates, $"{Duplicates} duplicate prints exceed the bound of {maxDuplicates} (jobs that can have been in flight on killed nodes): {Sample(DuplicatedMarkers)}");
    }
}
