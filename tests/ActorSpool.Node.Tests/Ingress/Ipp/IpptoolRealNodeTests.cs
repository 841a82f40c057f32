using System.IO.Compression;
using ActorSpool.Node.Tests.EndToEnd;
using ActorSpool.Protocols.Ipp;
using ActorSpool.Simulators;
using ActorSpool.TestSupport;
using Xunit.Abstractions;

namespace ActorSpool.Node.Tests.Ingress.Ipp;

/// <summary>
/// CUPS's IPP/1.1 conformance suite (ipptool ipp-1.1.test) against a real node started in the test process, with
/// jobs journaled, dispatched and delivered to simulated AppSocket printers. A missing ipptool fails the test.
/// </summary>
public sealed class IpptoolRealNodeTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string TestDirectory = Ipptool.TestDirectory;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(180);

    private readonly TempDirectory _data = new();
    private AppSocketPrinterSimulator _printer = null!;
    private InProcessNode _node = null!;

    public async Task InitializeAsync()
    {
        // A device that takes a moment per job, as the suite expects: it sees jobs pending first, completed later.
        _printer = await Printers.SimulatorAsync("lj-1", TimeSpan.FromSeconds(1));
        var printers = Printers.WriteFile(_data.Path, [_printer], "  office { printers = [lj-1] }");
        // An admin, for Pause-/Resume-Printer (admins must log in); Basic over plain IPP is allowed on this loopback test node.
        var users = Path.Combine(_data.Path, "users");
        Htpasswd.Add(users, "root", "root-pw", "-B", "-C", "4");
        var options = InProcessNode.Options(Path.Combine(_data.Path, "data"), printers) with { UsersFile = users, Admins = ["root"] };
        _node = await InProcessNode.StartAsync(options, "actorspool.security.allow-basic-without-tls = on");
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
            string suite = await Ipptool.PrepareSuiteAsync(directory.FullName, "ipp-1.1.test");
            string document = await TestPageAsync(directory.FullName);

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

    /// <summary>
    /// CUPS's IPP/2.0 conformance suite (PWG 5100.12; ipp-2.0.test INCLUDEs ipp-1.1.test and runs it as an IPP/2.0
    /// client) against the real node: every test that is not skipped passes.
    /// </summary>
    [Fact]
    public async Task Ipptool_ipp_2_0_suite_passes_against_a_real_node()
    {
        var directory = Directory.CreateTempSubdirectory("actorspool-ipp20-node-");
        try
        {
            string suite = await Ipptool.PrepareSuiteAsync(directory.FullName, "ipp-2.0.test", "ipp-1.1.test");
            string document = await TestPageAsync(directory.FullName);

            var (exitCode, text) = await RunIpptoolAsync(document, _node.QueueUri("office").ToString(), suite, "-V", "2.0");

            Ipptool.AssertSuitePassed("ipp-2.0.test", exitCode, text, output, Ipptool.Ipp20LastTest);
            output.WriteLine("--- full ipptool output ---");
            output.WriteLine(text);
            Assert.True(_printer.ReceivedJobs.Count > 0, "no job reached the simulated printer");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static async Task<string> TestPageAsync(string directory)
    {
        string document = Path.Combine(directory, "testfile.txt");
        await File.WriteAllTextAsync(document, "ActorSpool ipptool test page.\n");
        return document;
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
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String("root:root-pw"u8.ToArray()));
        var client = new IppClient(http);
        var office = _node.QueueUri("office");

        var paused = await client.SendAsync(office, client.NewRequest(IppOperation.PausePrinter, office, "root"));
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

        var resumed = await client.SendAsync(office, client.NewRequest(IppOperation.ResumePrinter, office, "root"));
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

    private static Task<(int ExitCode, string Output)> RunIpptoolAsync(
        string document, string printerUri, string testFile, params string[] extra) =>
        Ipptool.RunAsync(["-t", "-T", "30", .. extra, "-f", document, printerUri, testFile], Timeout);
}
