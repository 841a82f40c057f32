using System.Diagnostics;
using System.IO.Compression;
using ActorSpool.Protocols.Ipp;
using ActorSpool.Node.Tests.EndToEnd;
using ActorSpool.Protocols.Simulation;
using ActorSpool.TestSupport;
using Xunit.Abstractions;

namespace ActorSpool.Node.Tests.Ipp;

/// <summary>
/// CUPS's IPP/1.1 conformance suite (ipptool ipp-1.1.test) against a real node started in the test process, with
/// jobs journaled, dispatched and delivered to simulated AppSocket printers. A missing ipptool fails the test.
/// </summary>
public sealed class IpptoolRealNodeTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string TestDirectory = "/usr/share/cups/ipptool";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(180);

    private readonly TempDirectory _data = new();
    private AppSocketPrinterSimulator _printer = null!;
    private InProcessNode _node = null!;

    public async Task InitializeAsync()
    {
        // A device that takes a moment per job, as the suite expects: it sees jobs pending first, completed later.
        _printer = await Printers.SimulatorAsync("lj-1", TimeSpan.FromSeconds(1));
        var printers = Printers.WriteFile(_data.Path, [_printer], "  office { printers = [lj-1] }");
        _node = await InProcessNode.StartAsync(InProcessNode.Options(Path.Combine(_data.Path, "data"), printers));
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        await _printer.DisposeAsync();
        _data.Dispose();
    }

    [Fact]
    public async Task Ipptool_ipp_1_1_suite_passes_against_a_real_node()
    {
        // The suite prints sample documents the Debian package does not ship: run it from a copy next to stand-ins.
        var directory = Directory.CreateTempSubdirectory("actorspool-ipp11-node-");
        try
        {
            string suite = Path.Combine(directory.FullName, "ipp-1.1.test");
            File.Copy(Path.Combine(TestDirectory, "ipp-1.1.test"), suite);
            foreach (var (name, content) in SampleDocuments)
                await File.WriteAllTextAsync(Path.Combine(directory.FullName, name), content);
            string document = Path.Combine(directory.FullName, "testfile.txt");
            await File.WriteAllTextAsync(document, "ActorSpool ipptool test page.\n");

            var (exitCode, text) = await RunIpptoolAsync(document, _node.QueueUri("office").ToString(), suite);

            var summary = text.Split('\n').Where(l => l.Contains("Summary:") || l.Contains("Score:") || l.Contains("FAIL"))
                .Select(l => l.TrimEnd()).ToList();
            output.WriteLine("ipptool summary:");
            foreach (var line in summary)
                output.WriteLine(line);
            output.WriteLine("--- full ipptool output ---");
            output.WriteLine(text);

            Assert.True(exitCode == 0, $"ipptool ipp-1.1.test exited with {exitCode}:\n{text}");
            Assert.DoesNotContain("cannot be read", text);
            Assert.Contains(", 0 failed,", text);
            Assert.True(_printer.ReceivedJobs.Count > 0, "no job reached the simulated printer");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>CUPS's create-job.test (Create-Job, then Send-Document with last-document) prints through a real node.</summary>
    [Fact]
    public async Task Ipptool_create_job_test_prints_through_a_real_node()
    {
        string document = Path.Combine(_data.Path, "create-job.txt");
        await File.WriteAllTextAsync(document, "ActorSpool create-job test page.\n");

        var (exitCode, text) = await RunIpptoolAsync(document, _node.QueueUri("office").ToString(), Path.Combine(TestDirectory, "create-job.test"));
        output.WriteLine(text);

        Assert.True(exitCode == 0, $"ipptool create-job.test exited with {exitCode}:\n{text}");
        Assert.Contains("PASS", text);
        var received = await _printer.WaitForJobsAsync(1, Timeout);
        Assert.Equal("ActorSpool create-job test page.\n", System.Text.Encoding.ASCII.GetString(Assert.Single(received).Data!));
    }

    /// <summary>
    /// Pause-Printer through the real gateway pauses the queue entity: a gzip job sent meanwhile waits, and prints,
    /// decompressed, once Resume-Printer resumes the queue.
    /// </summary>
    [Fact]
    public async Task Pause_and_resume_printer_pause_the_real_queue_and_a_gzip_job_prints_decompressed()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var client = new IppClient(http);
        var office = _node.QueueUri("office");

        var paused = await client.SendAsync(office, client.NewRequest(IppOperation.PausePrinter, office, "admin"));
        Assert.Equal(IppStatusCode.SuccessfulOk, paused.Status);
        Assert.Equal((5, "paused"), await PrinterStateAsync(client, office));

        var document = System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("compressed page\n", 5000)));
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            gzip.Write(document);
        compressed.Position = 0;
        var print = client.NewRequest(IppOperation.PrintJob, office, "alice");
        print.OperationAttributes!.Add(IppAttribute.Keyword("compression", "gzip"));
        var printed = await client.SendAsync(office, print, compressed);
        Assert.Equal(IppStatusCode.SuccessfulOk, printed.Status);

        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Empty(_printer.ReceivedJobs);
        Assert.All(await client.GetJobsAsync(office), j => Assert.Equal(3, (int)j["job-state"]!)); // pending

        var resumed = await client.SendAsync(office, client.NewRequest(IppOperation.ResumePrinter, office, "admin"));
        Assert.Equal(IppStatusCode.SuccessfulOk, resumed.Status);
        Assert.NotEqual((5, "paused"), await PrinterStateAsync(client, office));

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (_printer.ReceivedJobs.Count == 0 && DateTime.UtcNow < deadline)
            await Task.Delay(200);
        Assert.Equal(document, Assert.Single(_printer.ReceivedJobs).Data);
    }

    private static async Task<(int State, string Reason)> PrinterStateAsync(IppClient client, Uri office)
    {
        var request = client.NewRequest(IppOperation.GetPrinterAttributes, office);
        request.OperationAttributes!.Add(IppAttribute.Keyword("requested-attributes", "printer-state", "printer-state-reasons"));
        var response = await client.SendAsync(office, request);
        var printer = response.FindGroup(IppTag.PrinterAttributes)!;
        return ((int)printer.Find("printer-state")!.Values[0].Value!, (string)printer.Find("printer-state-reasons")!.Values[0].Value!);
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

    private static async Task<(int ExitCode, string Output)> RunIpptoolAsync(string document, string printerUri, string testFile)
    {
        var start = new ProcessStartInfo(FindIpptool())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["-t", "-T", "30", "-f", document, printerUri, testFile])
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
        return (process.ExitCode, await stdout + await stderr);
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
