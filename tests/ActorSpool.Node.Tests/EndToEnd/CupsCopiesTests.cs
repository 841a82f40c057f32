using System.Text;
using ActorSpool.Protocols.Ipp;
using ActorSpool.Simulators;
using ActorSpool.TestSupport;
using Xunit.Abstractions;

namespace ActorSpool.Node.Tests.EndToEnd;

/// <summary>
/// <c>lp -n N</c> (Debian cups-client) against a real node process: CUPS's client sends copies in the job template
/// group of Create-Job, and the AppSocket printer, which knows no copies, must receive the file N times.
/// </summary>
public sealed class CupsCopiesTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly TempDirectory _data = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };
    private AppSocketPrinterSimulator _printer = null!;
    private NodeProcess _node = null!;

    public async Task InitializeAsync()
    {
        _printer = await Printers.SimulatorAsync("lj-1");
        var printers = Printers.WriteFile(_data.Path, [_printer], "  office { printers = [lj-1] }");
        _node = await NodeProcess.StartAsync(Path.Combine(_data.Path, "node"), printers);
        await _node.WaitForReadyAsync();
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        await _printer.DisposeAsync();
        _http.Dispose();
        _data.Dispose();
    }

    private async Task<int> LpAsync(params string[] args)
    {
        var (exitCode, text) = await CupsTool.RunAsync(output, "lp", ["-h", $"127.0.0.1:{_node.IppPort}", .. args]);
        Assert.True(exitCode == 0, $"lp exited with {exitCode}: {text}");
        var match = System.Text.RegularExpressions.Regex.Match(text, @"request id is office-(\d+)");
        Assert.True(match.Success, text);
        return int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task<string> WrittenAsync(string name, string text)
    {
        var path = Path.Combine(_data.Path, name);
        await File.WriteAllTextAsync(path, text);
        return path;
    }

    private async Task<string> PrintedAsync()
    {
        var printed = Assert.Single(await _printer.WaitForJobsAsync(1, TimeSpan.FromSeconds(90)));
        return Encoding.ASCII.GetString(printed.Data!);
    }

    private async Task<IppAttributeGroup> JobAsync(int jobId)
    {
        var client = new IppClient(_http);
        var office = _node.QueueUri("office");
        var request = client.NewRequest(IppOperation.GetJobAttributes, office, "alice");
        request.OperationAttributes!.Add(IppAttribute.Integer("job-id", jobId));
        var response = await client.SendAsync(office, request);
        Assert.Equal(IppStatusCode.SuccessfulOk, response.Status);
        return response.JobAttributes!;
    }

    [Fact]
    public async Task Lp_minus_n_2_prints_the_file_twice()
    {
        var file = await WrittenAsync("memo.txt", "a memo printed twice\n");

        var jobId = await LpAsync("-d", "office", "-n", "2", file);

        Assert.Equal("a memo printed twice\na memo printed twice\n", await PrintedAsync());
        var job = await JobAsync(jobId);
        Assert.Equal(2, job.Find("copies")!.Value.AsInt());
    }

    [Fact]
    public async Task Lp_minus_n_3_with_two_files_prints_the_whole_job_three_times_collated()
    {
        var first = await WrittenAsync("a.txt", "page A\n");
        var second = await WrittenAsync("b.txt", "page B\n");

        await LpAsync("-d", "office", "-n", "3", first, second);

        Assert.Equal("page A\npage B\npage A\npage B\npage A\npage B\n", await PrintedAsync());
    }

    [Fact]
    public async Task Lp_asking_for_uncollated_copies_prints_each_files_copies_together()
    {
        var first = await WrittenAsync("a.txt", "page A\n");
        var second = await WrittenAsync("b.txt", "page B\n");

        var jobId = await LpAsync("-d", "office", "-n", "2", "-o", "multiple-document-handling=separate-documents-uncollated-copies", first, second);

        Assert.Equal("page A\npage A\npage B\npage B\n", await PrintedAsync());
        Assert.Equal("separate-documents-uncollated-copies", (await JobAsync(jobId)).Find("multiple-document-handling")!.Value.AsString());
    }
}
