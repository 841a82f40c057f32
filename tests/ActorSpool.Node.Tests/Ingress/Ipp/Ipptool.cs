using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace ActorSpool.Node.Tests.Ingress.Ipp;

/// <summary>
/// Runs CUPS's ipptool and reads its <c>-t</c> output. Shared by the conformance tests against the IPP service
/// (<see cref="IpptoolConformanceTests"/>) and against a real node (<see cref="IpptoolRealNodeTests"/>).
/// </summary>
internal static partial class Ipptool
{
    public const string TestDirectory = "/usr/share/cups/ipptool";

    /// <summary>
    /// The sample documents ipp-1.1.test prints. The Debian package does not ship them (ipptool then stops reading
    /// the suite, yet exits 0), so suites run from a copy next to small stand-ins: the spooler stores documents as
    /// sent, so any bytes of the right name do.
    /// </summary>
    public static readonly (string Name, string Content)[] SampleDocuments =
    [
        ("document-a4.pdf", "%PDF-1.4\n% stand-in\n%%EOF\n"),
        ("document-letter.pdf", "%PDF-1.4\n% stand-in\n%%EOF\n"),
        ("document-a4.ps", "%!PS-Adobe-3.0\nshowpage\n"),
        ("document-letter.ps", "%!PS-Adobe-3.0\nshowpage\n"),
        ("color.jpg", "\u00ff\u00d8 stand-in"),
        ("gray.jpg", "\u00ff\u00d8 stand-in"),
    ];

    /// <summary>
    /// Copies <paramref name="suites"/> (with the files they INCLUDE, which ipptool looks for next to the including
    /// file) from the ipptool directory into <paramref name="directory"/>, next to the sample documents; returns the
    /// path of the first.
    /// </summary>
    public static async Task<string> PrepareSuiteAsync(string directory, params string[] suites)
    {
        foreach (var suite in suites)
            File.Copy(Path.Combine(TestDirectory, suite), Path.Combine(directory, suite));
        foreach (var (name, content) in SampleDocuments)
            await File.WriteAllTextAsync(Path.Combine(directory, name), content);
        return Path.Combine(directory, suites[0]);
    }

    public static async Task<(int ExitCode, string Output)> RunAsync(IEnumerable<string> arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(Find())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);

        using var process = Process.Start(start) ?? throw new InvalidOperationException("ipptool did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new TimeoutException($"ipptool {string.Join(' ', arguments)} did not finish within {timeout}.");
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    public static string Find()
    {
        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "ipptool"))
            .Prepend("/usr/bin/ipptool");
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new Xunit.Sdk.XunitException(
                "ipptool (CUPS) is not installed. Run the README test script ./test.sh, which installs "
                + "cups-ipp-utils (or apt-get install cups-ipp-utils), then run the tests again.");
    }

    /// <summary>
    /// Counts the test result lines of ipptool's <c>-t</c> output. ipptool (CUPS 2.4) keeps its counts per file:
    /// for ipp-2.0.test, whose tests are nearly all INCLUDEd from ipp-1.1.test, it prints no "Summary:" line, and it
    /// exits 0 when only an INCLUDEd test fails. So the counts come from the result lines, which every test prints.
    /// </summary>
    public static IpptoolResult Summarize(string output)
    {
        var results = ResultLine().Matches(output).Select(m => (Name: m.Groups["name"].Value.TrimEnd(), Result: m.Groups["result"].Value)).ToList();
        string? own = output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("Summary:", StringComparison.Ordinal));
        return new IpptoolResult(
            results.Count,
            results.Count(r => r.Result == "PASS"),
            [.. results.Where(r => r.Result == "FAIL").Select(r => r.Name)],
            results.Count(r => r.Result == "SKIP"),
            [.. results.Where(r => r.Result == "PASS").Select(r => r.Name)],
            own);
    }

    /// <summary>The last test of ipp-2.0.test, after everything it INCLUDEs: it passing means the whole suite ran.</summary>
    public const string Ipp20LastTest = "PWG 5100.12 section 6.2 - Required Printer Description Attributes";

    /// <summary>
    /// Writes the summary (and any failed tests) to the test output, then asserts that ipptool exited 0, that no test
    /// failed, that the suite read all its files, and that <paramref name="lastTest"/> passed.
    /// </summary>
    public static IpptoolResult AssertSuitePassed(string suite, int exitCode, string text, ITestOutputHelper output, string lastTest)
    {
        var result = Summarize(text);
        output.WriteLine("ipptool summary: " + result.SummaryLine(suite, exitCode));
        foreach (var failed in result.Failed)
            output.WriteLine("  FAIL: " + failed);

        Assert.True(result.Failed.Count == 0,
            $"{result.SummaryLine(suite, exitCode)}; failed: {string.Join("; ", result.Failed)}\n{text}");
        Assert.True(exitCode == 0, $"ipptool {suite} exited with {exitCode}:\n{text}");
        Assert.DoesNotContain("cannot be read", text);
        Assert.True(result.Passed > 0, $"ipptool {suite} passed no test:\n{text}");
        Assert.True(result.PassedTests.Contains(lastTest), $"ipptool {suite} did not pass \"{lastTest}\":\n{text}");
        return result;
    }

    [GeneratedRegex(@"^ {4}(?<name>\S.*?)\s+\[(?<result>PASS|FAIL|SKIP)\]\s*$", RegexOptions.Multiline)]
    private static partial Regex ResultLine();
}

/// <summary>What an ipptool run reported: its tests by result, and ipptool's own summary line when it printed one.</summary>
internal sealed record IpptoolResult(
    int Tests, int Passed, IReadOnlyList<string> Failed, int Skipped, IReadOnlyList<string> PassedTests, string? IpptoolSummary)
{
    public string SummaryLine(string suite, int exitCode) =>
        $"{suite}: {Tests} tests, {Passed} passed, {Failed.Count} failed, {Skipped} skipped; ipptool exit code {exitCode}"
        + (IpptoolSummary is null ? string.Empty : $" (ipptool: {IpptoolSummary})");
}
