using System.Text;
using ActorSpool.TestSupport;

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
