using System.Diagnostics;
using System.Net.Http.Headers;
using ActorSpool.Protocols.Ipp;
using ActorSpool.Simulators;
using ActorSpool.TestSupport;

namespace ActorSpool.Node.Tests.EndToEnd;

/// <summary>A whole node in the test process: IPP in over real HTTP, AppSocket out to simulated devices.</summary>
public sealed class PrintEndToEndTests : IAsyncLifetime
{
    private readonly TempDirectory _data = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };
    private AppSocketPrinterSimulator _lj1 = null!;
    private AppSocketPrinterSimulator _lj2 = null!;
    private InProcessNode _node = null!;

    public async Task InitializeAsync()
    {
        _lj1 = await Printers.SimulatorAsync("lj-1");
        _lj2 = await Printers.SimulatorAsync("lj-2");
        var printers = Printers.WriteFile(_data.Path, [_lj1, _lj2], "  office { printers = [lj-1, lj-2], mode = balance }");
        _node = await InProcessNode.StartAsync(InProcessNode.Options(_data.Path, printers));
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        await _lj1.DisposeAsync();
        await _lj2.DisposeAsync();
        _http.Dispose();
        _data.Dispose();
    }

    private IppClient Client => new(_http);

    private async Task WaitForAllCompletedAsync(int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var jobs = await Client.GetJobsAsync(_node.QueueUri("office"));
            if (jobs.Count == count && jobs.All(j => (int)j["job-state"]! == 9)) return;
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("jobs not completed: " + string.Join(", ", jobs.Select(j => $"{j["job-id"]}={j["job-state"]}")));
            }
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task Every_byte_of_every_document_printed_over_ipp_arrives_at_a_printer()
    {
        var random = new Random(42);
        var documents = new[] { 1, 1000, 256 * 1024, 256 * 1024 + 1, 3 * 1024 * 1024 + 17 }
            .Select(size =>
            {
                var bytes = new byte[size];
                random.NextBytes(bytes);
                return bytes;
            })
            .ToList();

        foreach (var (document, index) in documents.Select((d, i) => (d, i)))
        {
            var submitted = await Client.PrintJobAsync(_node.QueueUri("office"), new MemoryStream(document), "alice", $"doc-{index}");
            Assert.Equal(IppStatusCode.SuccessfulOk, submitted.Status);
            Assert.True(submitted.JobId > 0);
        }

        await WaitForAllCompletedAsync(documents.Count);
        var received = _lj1.ReceivedJobs.Concat(_lj2.ReceivedJobs).Select(j => Convert.ToHexString(j.Data!)).Order().ToList();
        Assert.Equal(documents.Select(Convert.ToHexString).Order(), received);

        // The node's metrics saw them: accepted, delivered and completed. Printer health is a gauge of the last
        // probe, so a probe that timed out on a busy machine may read 0 for a moment: wait for the printer's health.
        var metrics = await _http.GetStringAsync($"http://127.0.0.1:{_node.HttpPort}/metrics");
        for (var deadline = DateTime.UtcNow.AddSeconds(60);
             !metrics.Contains("actorspool_printer_accepting{printer=\"lj-1\"} 1") && DateTime.UtcNow < deadline;)
        {
            await Task.Delay(250);
            metrics = await _http.GetStringAsync($"http://127.0.0.1:{_node.HttpPort}/metrics");
        }
        Assert.True(MetricValue(metrics, "actorspool_jobs_accepted_total{queue=\"office\"}") >= documents.Count, metrics);
        Assert.True(MetricValue(metrics, "actorspool_jobs_finished_total{queue=\"office\",state=\"completed\"}") >= documents.Count);
        Assert.Contains("actorspool_delivery_seconds_count{printer=", metrics);
        Assert.Contains("actorspool_printer_accepting{printer=\"lj-1\"} 1", metrics);
    }

    private static double MetricValue(string metrics, string series) =>
        metrics.Split('\n').Where(l => l.StartsWith(series + " ", StringComparison.Ordinal))
            .Select(l => double.Parse(l[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture))
            .DefaultIfEmpty(0).Single();

    [Fact]
    public async Task Cups_ipptool_print_job_and_get_jobs_tests_pass_against_the_node()
    {
        var ipptool = Ipptool.Path;
        var document = Path.Combine(_data.Path, "hello.txt");
        await File.WriteAllTextAsync(document, "Hello from ipptool\n");
        foreach (var test in new[] { "print-job.test", "get-jobs.test", "validate-job.test", "get-printer-attributes.test" })
        {
            var (code, output) = await Ipptool.RunAsync(ipptool, "-tv", "-f", document, _node.QueueUri("office").ToString(), $"/usr/share/cups/ipptool/{test}");
            Assert.True(code == 0, $"ipptool {test} failed ({code}):\n{output}");
        }
        await WaitForAllCompletedAsync(1);
    }

    [Theory]
    [InlineData("garbage", IppStatusCode.ClientErrorBadRequest)]
    [InlineData("truncated", IppStatusCode.ClientErrorBadRequest)]
    [InlineData("version-9", IppStatusCode.ServerErrorVersionNotSupported)]
    [InlineData("no-charset", IppStatusCode.ClientErrorBadRequest)]
    [InlineData("empty-document", IppStatusCode.ClientErrorBadRequest)]
    [InlineData("unknown-queue", IppStatusCode.ClientErrorNotFound)]
    [InlineData("bad-format", IppStatusCode.ClientErrorDocumentFormatNotSupported)]
    public async Task Bad_requests_get_the_right_ipp_status_and_the_node_keeps_serving(string kind, IppStatusCode expected)
    {
        var good = await Client.PrintJobAsync(_node.QueueUri("office"), new MemoryStream("before"u8.ToArray()), "alice", "before");
        Assert.Equal(IppStatusCode.SuccessfulOk, good.Status);

        var (body, uri) = BadRequest(kind);
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/ipp");
        using var response = await _http.PostAsync(IppClient.HttpAddress(uri), content);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        var answer = IppParser.Parse(await response.Content.ReadAsByteArrayAsync(), out _);
        Assert.Equal(expected, answer.Status);

        var after = await Client.PrintJobAsync(_node.QueueUri("office"), new MemoryStream("after"u8.ToArray()), "alice", "after");
        Assert.Equal(IppStatusCode.SuccessfulOk, after.Status);
        await WaitForAllCompletedAsync(2);
    }

    private (byte[] Body, Uri Uri) BadRequest(string kind)
    {
        var office = _node.QueueUri("office");
        IppMessage PrintJob(Uri target)
        {
            var request = Client.NewRequest(IppOperation.PrintJob, target, "mallory");
            request.OperationAttributes!.Add(IppAttribute.MimeMediaType("document-format", "application/octet-stream"));
            return request;
        }
        byte[] WithDocument(IppMessage m, byte[] document) => [.. IppWriter.Write(m), .. document];
        switch (kind)
        {
            case "garbage":
                return ("\u0002\u0000\u0000\u0002garbage that is not IPP at all"u8.ToArray(), office);
            case "truncated":
                var whole = IppWriter.Write(PrintJob(office));
                return (whole[..(whole.Length / 2)], office);
            case "version-9":
                var v9 = PrintJob(office);
                v9.VersionMajor = 9;
                return (WithDocument(v9, "x"u8.ToArray()), office);
            case "no-charset":
                var noCharset = PrintJob(office);
                noCharset.OperationAttributes!.Attributes.RemoveAt(0);
                return (WithDocument(noCharset, "x"u8.ToArray()), office);
            case "empty-document":
                return (IppWriter.Write(PrintJob(office)), office);
            case "unknown-queue":
                var nowhere = _node.QueueUri("no-such-queue");
                return (WithDocument(PrintJob(nowhere), "x"u8.ToArray()), nowhere);
            case "bad-format":
                var badFormat = Client.NewRequest(IppOperation.PrintJob, office, "mallory");
                badFormat.OperationAttributes!.Add(IppAttribute.MimeMediaType("document-format", "application/x-unheard-of"));
                return (WithDocument(badFormat, "x"u8.ToArray()), office);
            default:
                throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }
}

/// <summary>CUPS's ipptool (Debian cups-ipp-utils), which the README test script installs.</summary>
public static class Ipptool
{
    public static string Path =>
        File.Exists("/usr/bin/ipptool")
            ? "/usr/bin/ipptool"
            : throw new InvalidOperationException("ipptool is missing: run ./test.sh, which installs cups-ipp-utils (apt-get install cups-ipp-utils)");

    public static async Task<(int Code, string Output)> RunAsync(string ipptool, params string[] args)
    {
        var info = new ProcessStartInfo(ipptool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        return (process.ExitCode, await output + await error);
    }
}
