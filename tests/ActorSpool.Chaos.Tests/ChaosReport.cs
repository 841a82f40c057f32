using System.Globalization;
using System.Text;
using ActorSpool.TestSupport;
using Xunit.Abstractions;

namespace ActorSpool.Chaos.Tests;

/// <summary>
/// The markdown report of the chaos scenarios, appended to the file named by <c>ACTORSPOOL_CHAOS_REPORT</c>
/// (default <c>tests/ActorSpool.Chaos.Tests/bin/chaos-report.md</c>).
/// </summary>
public static class ChaosReport
{
    private static readonly object Gate = new();

    public static string FilePath =>
        Environment.GetEnvironmentVariable("ACTORSPOOL_CHAOS_REPORT") is { Length: > 0 } path
            ? Path.GetFullPath(path)
            : Path.Combine(RepoPaths.Root, "tests", "ActorSpool.Chaos.Tests", "bin", "chaos-report.md");

    /// <summary>
    /// Runs a scenario's <paramref name="body"/> (which writes its findings into <paramref name="md"/>) and appends its
    /// section: on failure the reason, and for anything but a failed assertion the cluster's state and the node logs;
    /// always the timeline.
    /// </summary>
    public static async Task RunAsync(string scenario, ClusterHarness cluster, ITestOutputHelper output, StringBuilder md, Func<Task> body)
    {
        var passed = false;
        try
        {
            await body();
            passed = true;
        }
        catch (Exception e)
        {
            md.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"**Failure:** {e.GetType().Name}: {e.Message}");
            if (e is not Xunit.Sdk.XunitException) await Outcome.DescribeCurrentAsync(cluster, md);
            cluster.DumpLogs(e.Message);
            throw;
        }
        finally
        {
            md.AppendLine().AppendLine("<details><summary>timeline</summary>").AppendLine().AppendLine("```");
            foreach (var line in cluster.Timeline) md.AppendLine(line);
            md.AppendLine("```").AppendLine("</details>");
            output.WriteLine(md.ToString());
            Append(scenario, passed, md);
        }
    }

    /// <summary>Appends one scenario's section.</summary>
    public static void Append(string scenario, bool passed, StringBuilder body)
    {
        var section = new StringBuilder()
            .AppendLine()
            .AppendLine($"## {scenario}")
            .AppendLine()
            .AppendLine($"Run {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss} UTC on {Environment.ProcessorCount} cores: **{(passed ? "passed" : "FAILED")}**")
            .AppendLine()
            .Append(body);
        lock (Gate)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
            if (!File.Exists(FilePath)) File.WriteAllText(FilePath, "# ActorSpool chaos report\n\nAppended by `dotnet test tests/ActorSpool.Chaos.Tests`; one section per scenario run.\n");
            File.AppendAllText(FilePath, section.ToString());
        }
    }
}
