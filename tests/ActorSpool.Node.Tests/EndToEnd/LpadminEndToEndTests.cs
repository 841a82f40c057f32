using System.Text;
using ActorSpool.Node.Tests.Security;
using ActorSpool.Simulators;
using ActorSpool.TestSupport;
using Xunit.Abstractions;

namespace ActorSpool.Node.Tests.EndToEnd;

/// <summary>
/// An operator adds a printer to a running node with CUPS's own <c>lpadmin</c> (Debian cups-client), as on a CUPS
/// server: the queue appears for <c>lpstat</c>, <c>lp</c> prints on it to the device given with -v, and
/// <c>lpadmin -x</c> takes it away again. Only an admin may.
/// </summary>
public sealed class LpadminEndToEndTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly TempDirectory _data = new();
    private AppSocketPrinterSimulator _office = null!;
    private AppSocketPrinterSimulator _added = null!;
    private InProcessNode _node = null!;

    public async Task InitializeAsync()
    {
        _office = await Printers.SimulatorAsync("lj-1");
        _added = await Printers.SimulatorAsync("lj-9"); // not in printers.conf: lpadmin adds it
        var printers = Printers.WriteFile(_data.Path, [_office], "  office { printers = [lj-1] }");
        var users = Path.Combine(_data.Path, "users");
        Htpasswd.Add(users, "root", "root-pw", "-B", "-C", "4");
        Htpasswd.Add(users, "alice", "alice-pw", "-B", "-C", "4");
        var options = InProcessNode.Options(Path.Combine(_data.Path, "node"), printers) with { UsersFile = users, Admins = ["root"] };
        // Basic over plain IPP is allowed on this loopback test node (lpadmin sends the admin's password).
        _node = await InProcessNode.StartAsync(options, "actorspool.security.allow-basic-without-tls = on");
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        await _added.DisposeAsync();
        await _office.DisposeAsync();
        _data.Dispose();
    }

    private string Server => $"127.0.0.1:{_node.IppPort}";

    private string AddedDevice => $"socket://127.0.0.1:{_added.Port}";

    private Task<(int ExitCode, string Output)> AdminAsync(params string[] args) =>
        CupsTool.RunOnTerminalAsync(output, "root-pw", "lpadmin", ["-h", Server, "-U", "root", .. args]);

    [Fact]
    public async Task Lpadmin_adds_a_queue_that_lp_prints_on_and_lpstat_lists_and_lpadmin_x_removes_it()
    {
        var (added, addText) = await AdminAsync("-p", "lj-9", "-v", AddedDevice, "-E");
        Assert.True(added == 0, addText);

        var (listed, devices) = await CupsTool.RunAsync(output, "lpstat", "-h", Server, "-v");
        Assert.Equal(0, listed);
        Assert.Contains($"device for lj-9: {AddedDevice}", devices);
        Assert.Contains($"device for office: socket://127.0.0.1:{_office.Port}", devices);

        var file = Path.Combine(_data.Path, "hello.txt");
        await File.WriteAllTextAsync(file, "printed on a printer lpadmin added\n");
        var (printed, printText) = await CupsTool.RunAsync(output, "lp", "-h", Server, "-d", "lj-9", file);
        Assert.True(printed == 0, printText);
        var job = Assert.Single(await _added.WaitForJobsAsync(1, TimeSpan.FromSeconds(60)));
        Assert.Equal("printed on a printer lpadmin added\n", Encoding.ASCII.GetString(job.Data!));
        Assert.Empty(_office.ReceivedJobs);
        // Once the queue has recorded the job as printed it holds nothing unfinished, and may go.
        var jobId = long.Parse(System.Text.RegularExpressions.Regex.Match(printText, @"lj-9-(\d+)").Groups[1].Value);
        var gateway = (Spool.ISpoolGateway)_node.Services.GetService(typeof(Spool.ISpoolGateway))!;
        await Eventually.WaitUntilAsync(async () => (await gateway.GetJobAsync("lj-9", jobId))?.State == Domain.Jobs.JobState.Completed, "the job to be completed");

        var (removed, removeText) = await AdminAsync("-x", "lj-9");
        Assert.True(removed == 0, removeText);

        var (_, after) = await CupsTool.RunAsync(output, "lpstat", "-h", Server, "-v");
        Assert.DoesNotContain("lj-9", after);
        Assert.Contains("device for office", after);
        var (refused, refusedText) = await CupsTool.RunAsync(output, "lp", "-h", Server, "-d", "lj-9", file);
        Assert.NotEqual(0, refused);
        Assert.Contains("does not exist", refusedText);
        Assert.Single(_added.ReceivedJobs);
    }

    [Fact]
    public async Task Lpadmin_x_of_a_queue_holding_a_job_is_refused_with_the_count_and_the_queue_stays()
    {
        var (added, addText) = await AdminAsync("-p", "lj-9", "-v", AddedDevice, "-E");
        Assert.True(added == 0, addText);
        var file = Path.Combine(_data.Path, "held.txt");
        await File.WriteAllTextAsync(file, "held\n");
        var (held, heldText) = await CupsTool.RunAsync(output, "lp", "-h", Server, "-d", "lj-9", "-H", "hold", file);
        Assert.True(held == 0, heldText);

        var (removed, removeText) = await AdminAsync("-x", "lj-9");

        Assert.NotEqual(0, removed);
        Assert.Contains("1 unfinished job", removeText);
        var (_, devices) = await CupsTool.RunAsync(output, "lpstat", "-h", Server, "-v");
        Assert.Contains($"device for lj-9: {AddedDevice}", devices);
        Assert.Empty(_added.ReceivedJobs);
    }

    [Fact]
    public async Task Lpadmin_without_admin_credentials_is_refused_and_no_queue_appears()
    {
        var (user, userText) = await CupsTool.RunOnTerminalAsync(output, "alice-pw",
            "lpadmin", "-h", Server, "-U", "alice", "-p", "lj-9", "-v", AddedDevice, "-E");
        var (anonymous, _) = await CupsTool.RunOnTerminalAsync(output, null,
            "lpadmin", "-h", Server, "-U", "mallory", "-x", "office");

        Assert.NotEqual(0, user);
        Assert.Contains("alice is not one", userText);
        Assert.NotEqual(0, anonymous);
        var (_, devices) = await CupsTool.RunAsync(output, "lpstat", "-h", Server, "-v");
        Assert.Equal($"device for office: socket://127.0.0.1:{_office.Port}", devices);
    }
}
