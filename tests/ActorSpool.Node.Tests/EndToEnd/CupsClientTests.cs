using System.Text;
using ActorSpool.Simulators;
using ActorSpool.TestSupport;
using Xunit.Abstractions;

namespace ActorSpool.Node.Tests.EndToEnd;

/// <summary>
/// CUPS's own command-line client (Debian cups-client: <c>lp</c>, <c>cancel</c>) against a real node, the way a
/// workstation prints to a CUPS server: <c>lp -h HOST:PORT -d QUEUE FILE</c>. lp speaks Create-Job +
/// Send-Document, so this exercises the multi-document path with a client we did not write.
/// </summary>
public sealed class CupsClientTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly TempDirectory _data = new();
    private AppSocketPrinterSimulator _printer = null!;
    private InProcessNode _node = null!;

    public async Task InitializeAsync()
    {
        _printer = await Printers.SimulatorAsync("lj-1");
        var printers = Printers.WriteFile(_data.Path, [_printer], "  office { printers = [lj-1] }");
        _node = await InProcessNode.StartAsync(InProcessNode.Options(Path.Combine(_data.Path, "node"), printers));
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        await _printer.DisposeAsync();
        _data.Dispose();
    }

    private Task<(int ExitCode, string Output)> RunAsync(string tool, params string[] args) => CupsTool.RunAsync(output, tool, args);

    private string Server => $"127.0.0.1:{_node.IppPort}";

    [Fact]
    public async Task Lp_prints_two_files_as_one_job_in_order()
    {
        var first = Path.Combine(_data.Path, "first.txt");
        var second = Path.Combine(_data.Path, "second.txt");
        await File.WriteAllTextAsync(first, "first file from lp\n");
        await File.WriteAllTextAsync(second, "second file from lp\n");

        var (exitCode, text) = await RunAsync("lp", "-h", Server, "-d", "office", "-t", "lp e2e", first, second);

        Assert.Equal(0, exitCode);
        Assert.Matches(@"request id is office-\d+ \(2 file\(s\)\)", text);
        var printed = Assert.Single(await _printer.WaitForJobsAsync(1, TimeSpan.FromSeconds(60)));
        Assert.Equal("first file from lp\nsecond file from lp\n", Encoding.ASCII.GetString(printed.Data!));
    }

    [Fact]
    public async Task Lp_to_a_queue_that_does_not_exist_fails_with_a_message_and_prints_nothing()
    {
        var file = Path.Combine(_data.Path, "x.txt");
        await File.WriteAllTextAsync(file, "x\n");

        var (exitCode, text) = await RunAsync("lp", "-h", Server, "-d", "no-such-queue", file);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("does not exist", text); // lp's wording of client-error-not-found
        Assert.Empty(_printer.ReceivedJobs);
    }

    [Fact]
    public async Task A_job_held_by_lp_can_be_canceled_with_cups_cancel()
    {
        var file = Path.Combine(_data.Path, "held.txt");
        await File.WriteAllTextAsync(file, "held\n");
        var (exitCode, text) = await RunAsync("lp", "-h", Server, "-d", "office", "-H", "hold", file);
        Assert.Equal(0, exitCode);
        var jobId = System.Text.RegularExpressions.Regex.Match(text, @"office-(\d+)").Groups[1].Value;

        var (cancelExit, _) = await RunAsync("cancel", "-h", Server, $"office-{jobId}");

        Assert.Equal(0, cancelExit);
        var gateway = (Spool.ISpoolGateway)_node.Services.GetService(typeof(Spool.ISpoolGateway))!;
        await Eventually.WaitUntilAsync(async () => (await gateway.GetJobAsync("office", long.Parse(jobId)))?.State == Domain.Jobs.JobState.Canceled, "the job to be canceled");
        Assert.Empty(_printer.ReceivedJobs);
    }

    [Fact]
    public async Task Cups_cancel_by_another_user_is_refused_and_the_job_stays_until_its_owner_cancels_it()
    {
        var file = Path.Combine(_data.Path, "alices.txt");
        await File.WriteAllTextAsync(file, "alice's job\n");
        var (_, text) = await RunAsync("lp", "-h", Server, "-U", "alice", "-d", "office", "-H", "hold", file);
        var jobId = long.Parse(System.Text.RegularExpressions.Regex.Match(text, @"office-(\d+)").Groups[1].Value);
        var gateway = (Spool.ISpoolGateway)_node.Services.GetService(typeof(Spool.ISpoolGateway))!;

        var (refusedExit, refused) = await RunAsync("cancel", "-h", Server, "-U", "mallory", $"office-{jobId}");

        Assert.NotEqual(0, refusedExit);
        Assert.Contains("not mallory's", refused); // cancel prints the status message of client-error-not-authorized
        Assert.Equal(Domain.Jobs.JobState.PendingHeld, (await gateway.GetJobAsync("office", jobId))!.State);

        var (ownerExit, _) = await RunAsync("cancel", "-h", Server, "-U", "alice", $"office-{jobId}");

        Assert.Equal(0, ownerExit);
        Assert.Equal(Domain.Jobs.JobState.Canceled, (await gateway.GetJobAsync("office", jobId))!.State);
    }

    [Fact]
    public async Task Lpstat_lists_the_jobs_waiting_in_the_queues()
    {
        var file = Path.Combine(_data.Path, "waiting.txt");
        await File.WriteAllTextAsync(file, "waiting\n");
        var (_, text) = await RunAsync("lp", "-h", Server, "-d", "office", "-H", "hold", "-t", "waiting job", file);
        var jobId = System.Text.RegularExpressions.Regex.Match(text, @"office-(\d+)").Groups[1].Value;

        var (exitCode, listing) = await RunAsync("lpstat", "-h", Server, "-o");

        Assert.Equal(0, exitCode);
        Assert.Contains($"office-{jobId}", listing);
    }
}
