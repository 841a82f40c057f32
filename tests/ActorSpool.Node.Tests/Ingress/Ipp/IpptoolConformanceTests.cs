using Xunit.Abstractions;

namespace ActorSpool.Node.Tests.Ingress.Ipp;

/// <summary>
/// Runs CUPS's ipptool, the reference IPP client, against the IPP endpoints on a real Kestrel server. A missing
/// ipptool fails the tests (it is part of the test environment), it never skips them silently.
/// </summary>
public sealed class IpptoolConformanceTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string TestDirectory = Ipptool.TestDirectory;
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
    /// The whole IPP/1.1 conformance suite. It prints sample documents the Debian package does not ship, so it runs
    /// from a copy next to stand-ins (<see cref="Ipptool.SampleDocuments"/>).
    /// </summary>
    [Fact]
    public async Task Ipptool_ipp_1_1_suite_passes()
    {
        var directory = Directory.CreateTempSubdirectory("actorspool-ipp11-");
        try
        {
            string suite = await Ipptool.PrepareSuiteAsync(directory.FullName, "ipp-1.1.test");

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

    /// <summary>
    /// The IPP/2.0 conformance suite (PWG 5100.12): all of ipp-1.1.test as an IPP/2.0 client, then the printer
    /// description attributes IPP/2.0 requires.
    /// </summary>
    [Fact]
    public async Task Ipptool_ipp_2_0_suite_passes()
    {
        var directory = Directory.CreateTempSubdirectory("actorspool-ipp20-");
        try
        {
            string suite = await Ipptool.PrepareSuiteAsync(directory.FullName, "ipp-2.0.test", "ipp-1.1.test");

            var (exitCode, text) = await RunIpptoolAsync(suite, "-V", "2.0");

            Ipptool.AssertSuitePassed("ipp-2.0.test", exitCode, text, output, Ipptool.Ipp20LastTest);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private async Task<(int ExitCode, string Output)> RunIpptoolAsync(string testFile, params string[] extra)
    {
        var (exitCode, text) = await Ipptool.RunAsync(
            ["-tv", "-T", "30", .. extra, "-f", _documentPath, _server.PrinterUri(), testFile], Timeout);
        output.WriteLine(text);
        return (exitCode, text);
    }
}
