using System.Diagnostics;
using Xunit.Abstractions;

namespace ActorSpool.Node.Tests.Ipp;

/// <summary>
/// Runs CUPS's ipptool, the reference IPP client, against the IPP endpoints on a real Kestrel server. A missing
/// ipptool fails the tests (it is part of the test environment), it never skips them silently.
/// </summary>
public sealed class IpptoolConformanceTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string TestDirectory = "/usr/share/cups/ipptool";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    private IppTestServer _server = null!;
    private string _documentPath = null!;

    public async Task InitializeAsync()
    {
        // Jobs complete shortly after submission, as on a printer: the suites list them while pending, then wait
        // for completion and expect a completed job to be no longer cancelable.
        _server = await IppTestServer.StartAsync(new FakeSpoolGateway { CompleteAfter = TimeSpan.FromSeconds(1) });
        _documentPath = Path.Combine(Path.GetTempPath(), $"actorspool-ipptool-{Guid.NewGuid():N}.txt");
        await File.WriteAllTextAsync(_documentPath, "ActorSpool ipptool test page.\n");
    }

    public async Task DisposeAsync()
    {
        File.Delete(_documentPath);
        await _server.DisposeAsync();
    }

    [Theory]
    [InlineData("print-job.test")]
    [InlineData("validate-job.test")]
    [InlineData("get-jobs.test")]
    [InlineData("get-printer-attributes.test")]
    [InlineData("create-job.test")]
    [InlineData("print-job-hold.test")]
    public async Task Ipptool_test_passes(string testFile)
    {
        var (exitCode, text) = await RunIpptoolAsync(Path.Combine(TestDirectory, testFile));

        Assert.True(exitCode == 0, $"ipptool {testFile} exited with {exitCode}:\n{text}");
    }

    /// <summary>
    /// The whole IPP/1.1 conformance suite. It prints sample PDF, PostScript and JPEG files that the Debian package
    /// does not ship (ipptool then stops reading the suite, yet exits 0), so it runs from a copy next to small
    /// stand-ins: the spooler stores documents as sent, so any bytes of the right name do.
    /// </summary>
    [Fact]
    public async Task Ipptool_ipp_1_1_suite_passes()
    {
        var directory = Directory.CreateTempSubdirectory("actorspool-ipp11-");
        try
        {
            string suite = Path.Combine(directory.FullName, "ipp-1.1.test");
            File.Copy(Path.Combine(TestDirectory, "ipp-1.1.test"), suite);
            foreach (var (name, content) in SampleDocuments)
                await File.WriteAllTextAsync(Path.Combine(directory.FullName, name), content);

            var (exitCode, text) = await RunIpptoolAsync(suite);

            Assert.True(exitCode == 0, $"ipptool ipp-1.1.test exited with {exitCode}:\n{text}");
            Assert.DoesNotContain("cannot be read", text);
            Assert.Contains(", 0 failed,", text);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static readonly (string Name, string Content)[] SampleDocuments =
    [
        ("document-a4.pdf", "%PDF-1.4\n% stand-in\n%%EOF\n"),
        ("document-letter.pdf", "%PDF-1.4\n% stand-in\n%%EOF\n"),
        ("document-a4.ps", "%!PS-Adobe-3.0\nshowpage\n"),
        ("document-letter.ps", "%!PS-Adobe-3.0\nshowpage\n"),
        ("color.jpg", "\u00ff\u00d8 stand-in"),
        ("gray.jpg", "\u00ff\u00d8 stand-in"),
    ];

    private async Task<(int ExitCode, string Output)> RunIpptoolAsync(string testFile, params string[] extra)
    {
        var ipptool = FindIpptool();
        var start = new ProcessStartInfo(ipptool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["-tv", "-T", "30", .. extra, "-f", _documentPath, _server.PrinterUri(), testFile])
            start.ArgumentList.Add(argument);

        using var process = Process.Start(start) ?? throw new InvalidOperationException("ipptool did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new TimeoutException($"ipptool {Path.GetFileName(testFile)} did not finish within {Timeout}.");
        }

        string text = await stdout + await stderr;
        output.WriteLine(text);
        return (process.ExitCode, text);
    }

    private static string FindIpptool()
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
}
