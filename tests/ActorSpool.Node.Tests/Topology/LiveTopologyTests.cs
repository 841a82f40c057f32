using ActorSpool.Actors.Topology;
using ActorSpool.Node.Ingress.Raw;
using ActorSpool.Node.Management;
using ActorSpool.Node.Tests.Ingress;
using ActorSpool.Node.Tests.Management;
using ActorSpool.Protocols.Ipp;
using ActorSpool.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace ActorSpool.Node.Tests.Topology;

/// <summary>
/// Printers and queues changed while a node runs, through its real command host: the change is in force at once,
/// jobs follow it, bad changes are refused with the reason and change nothing, and the live topology (not the node's
/// printers.conf) is what a restarted node uses.
/// </summary>
public sealed class LiveTopologyTests : IAsyncLifetime
{
    private readonly TempDirectory _data = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };
    private AppSocketPrinterSimulatorPair _printers = null!;
    private string _printersFile = "";
    private InProcessNode _node = null!;
    private CommandConnection _cmd = null!;

    private sealed record AppSocketPrinterSimulatorPair(Simulators.AppSocketPrinterSimulator P1, Simulators.AppSocketPrinterSimulator P2);

    public async Task InitializeAsync()
    {
        _printers = new AppSocketPrinterSimulatorPair(await Printers.SimulatorAsync("p1"), await Printers.SimulatorAsync("p2"));
        _printersFile = Printers.WriteFile(_data.Path, [_printers.P1], "  office { printers = [p1] }");
        await StartNodeAsync();
    }

    private async Task StartNodeAsync()
    {
        _node = await InProcessNode.StartAsync(InProcessNode.Options(_data.Path, _printersFile));
        _cmd = await CommandConnection.OpenAsync(_node.Services.GetRequiredService<CommandHost>().Endpoint.Port);
        var live = _node.Services.GetRequiredService<ILiveTopology>();
        await Eventually.WaitUntilAsync(() => Task.FromResult(live.IsLive), "the live topology in force");
    }

    private async Task StopNodeAsync()
    {
        await _cmd.DisposeAsync();
        await _node.DisposeAsync();
    }

    public async Task DisposeAsync()
    {
        await StopNodeAsync();
        await _printers.P1.DisposeAsync();
        await _printers.P2.DisposeAsync();
        _http.Dispose();
        _data.Dispose();
    }

    private Task<CommandResult> Run(string palette, string verb, object? args = null, bool json = false) =>
        _cmd.RunAsync(palette, verb, args?.Args() ?? [], json: json);

    private async Task<int> PrintAsync(string queue, string text)
    {
        var answer = await new IppClient(_http).PrintJobAsync(_node.QueueUri(queue), new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text)), "alice", text);
        Assert.True(answer.Status == IppStatusCode.SuccessfulOk, $"print to {queue}: {answer.Status} {answer.StatusMessage}");
        return answer.JobId;
    }

    private static bool Received(Simulators.AppSocketPrinterSimulator printer, string text) =>
        printer.ReceivedJobs.Any(j => j.Data is { } data && System.Text.Encoding.UTF8.GetString(data) == text);

    [Fact]
    public async Task A_printer_and_queue_added_while_running_print_and_outlive_a_restart_with_the_old_file()
    {
        var added = await Run("printer", "add", new { printer = new[] { "p2" }, uri = new[] { $"socket://127.0.0.1:{_printers.P2.Port}" } });
        Assert.True(added.Code == 0, added.ToString());
        Assert.Contains("Printer p2 added", added.Text);
        var queue = await Run("queue", "add", new { queue = new[] { "lab" }, printers = new[] { "p2" }, max_attempts = new[] { "5" } });
        Assert.True(queue.Code == 0, queue.ToString());

        await PrintAsync("lab", "to the lab");
        await Eventually.WaitUntilAsync(() => Task.FromResult(Received(_printers.P2, "to the lab")), "the lab job printed on p2");

        var export = await Run("config", "export");
        Assert.Contains($"p2 {{ uri = \"socket://127.0.0.1:{_printers.P2.Port}\" }}", export.Text);
        Assert.Contains("lab { printers = [p2], max-attempts = 5 }", export.Text);

        // The node's printers.conf still knows only office: the live topology is kept and used, the file only seeded it.
        await StopNodeAsync();
        await StartNodeAsync();
        var list = await Run("queue", "list", json: true);
        Assert.Equal(["lab", "office"], list.Data.Single().AsArray().Select(q => (string)q!["name"]!));
        await PrintAsync("lab", "after the restart");
        await Eventually.WaitUntilAsync(() => Task.FromResult(Received(_printers.P2, "after the restart")), "the lab job printed on p2 after the restart");
    }

    [Fact]
    public async Task A_queue_set_to_other_printers_sends_the_next_job_there_and_a_printer_set_to_another_uri_too()
    {
        Assert.Equal(0, (await Run("printer", "add", new { printer = new[] { "p2" }, uri = new[] { $"socket://127.0.0.1:{_printers.P2.Port}" } })).Code);
        var set = await Run("queue", "set", new { queue = new[] { "office" }, printers = new[] { "p2" } });
        Assert.True(set.Code == 0, set.ToString());
        await PrintAsync("office", "now on p2");
        await Eventually.WaitUntilAsync(() => Task.FromResult(Received(_printers.P2, "now on p2")), "the office job printed on p2");

        // The device behind p2 moves (its uri changes): the printer entity starts again with the new path.
        var uri = await Run("printer", "set", new { printer = new[] { "p2" }, uri = new[] { $"socket://127.0.0.1:{_printers.P1.Port}" } });
        Assert.True(uri.Code == 0, uri.ToString());
        await PrintAsync("office", "p2 moved");
        await Eventually.WaitUntilAsync(() => Task.FromResult(Received(_printers.P1, "p2 moved")), "the job printed at p2's new address");
        Assert.False(Received(_printers.P2, "p2 moved"));
    }

    [Fact]
    public async Task Bad_changes_are_refused_with_the_reason_and_change_nothing()
    {
        var live = _node.Services.GetRequiredService<ILiveTopology>();
        var version = live.Version;
        var cases = new (string Palette, string Verb, object Args, string Reason)[]
        {
            ("printer", "add", new { printer = new[] { "p3" }, uri = new[] { "http://printer/" } }, "actorspool.printers.p3.uri"),
            ("printer", "add", new { printer = new[] { "p1" }, uri = new[] { "socket://127.0.0.1:9" } }, "printer p1 already exists"),
            ("printer", "remove", new { printer = new[] { "p1" } }, "queue office: printer p1 does not exist"),
            ("queue", "add", new { queue = new[] { "lab" }, printers = new[] { "ghost" } }, "queue lab: printer ghost does not exist"),
            ("queue", "add", new { queue = new[] { "lab" }, printers = new[] { "p1" }, default_priority = new[] { "500" } }, "default-priority"),
            ("queue", "set", new { queue = new[] { "nope" }, mode = new[] { "balance" } }, "no queue nope"),
            ("queue", "remove", new { queue = new[] { "office" } }, "the spooler needs at least one queue"),
        };
        foreach (var (palette, verb, args, reason) in cases)
        {
            var result = await Run(palette, verb, args);
            Assert.True(result.Code != 0, $"{palette} {verb} should be refused: {result}");
            Assert.Contains(reason, string.Join("\n", result.Errors));
        }

        Assert.Equal(version, live.Version);
        await PrintAsync("office", "still fine");
        await Eventually.WaitUntilAsync(() => Task.FromResult(Received(_printers.P1, "still fine")), "office still prints");
    }

    [Fact]
    public async Task Sites_are_set_and_cleared_on_a_printer_and_their_rules_hold()
    {
        var set = await Run("printer", "set", new { printer = new[] { "p1" }, site = new[] { "a" }, alternate_site = new[] { "b" } });
        Assert.True(set.Code == 0, set.ToString());
        var export = await Run("config", "export");
        Assert.Contains("p1 { uri = \"socket://127.0.0.1:" + _printers.P1.Port + "\", site = a, alternate-site = b }", export.Text);

        var same = await Run("printer", "set", new { printer = new[] { "p1" }, alternate_site = new[] { "a" } });
        Assert.NotEqual(0, same.Code);
        Assert.Contains("actorspool.printers.p1.alternate-site", string.Join("\n", same.Errors));

        Assert.Equal(0, (await Run("printer", "set", new { printer = new[] { "p1" }, site = new[] { "none" }, alternate_site = new[] { "none" } })).Code);
        Assert.Contains("p1 { uri = \"socket://127.0.0.1:" + _printers.P1.Port + "\" }", (await Run("config", "export")).Text);
    }

    [Fact]
    public async Task A_queue_with_unfinished_jobs_is_removed_only_with_force_which_moves_them()
    {
        Assert.Equal(0, (await Run("queue", "add", new { queue = new[] { "lab" }, printers = new[] { "p1" } })).Code);
        Assert.Equal(0, (await Run("queue", "pause", new { queue = new[] { "lab" } })).Code);
        var ids = new List<int>();
        for (var i = 0; i < 3; i++) ids.Add(await PrintAsync("lab", $"waiting {i}"));

        var refused = await Run("queue", "remove", new { queue = new[] { "lab" } });
        Assert.NotEqual(0, refused.Code);
        Assert.Contains("queue lab holds 3 unfinished job(s) (3 pending", string.Join("\n", refused.Errors));

        var forced = await Run("queue", "remove", new { queue = new[] { "lab" }, force = new[] { "true" }, move_to = new[] { "office" } });
        Assert.True(forced.Code == 0, forced.ToString());
        Assert.Equal(3, forced.Out.Count(l => l.Contains("moved to office", StringComparison.Ordinal)));
        Assert.Contains("Queue lab removed", forced.Text);
        for (var i = 0; i < 3; i++)
        {
            var text = $"waiting {i}";
            await Eventually.WaitUntilAsync(() => Task.FromResult(Received(_printers.P1, text)), $"moved job '{text}' printed through office");
        }

        // The queue is gone: IPP says so, and nothing was printed twice.
        var gone = await new IppClient(_http).PrintJobAsync(_node.QueueUri("lab"), new MemoryStream("late"u8.ToArray()), "alice", "late");
        Assert.Equal(IppStatusCode.ClientErrorNotFound, gone.Status);
        Assert.Equal(3, _printers.P1.ReceivedJobs.Count(j => j.Data is { } d && System.Text.Encoding.UTF8.GetString(d).StartsWith("waiting", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_raw_port_given_to_a_queue_while_running_takes_raw_jobs()
    {
        var port = FreePort.Next();
        var set = await Run("queue", "set", new { queue = new[] { "office" }, raw_port = new[] { port.ToString(System.Globalization.CultureInfo.InvariantCulture) } });
        Assert.True(set.Code == 0, set.ToString());
        var raw = _node.Services.GetRequiredService<RawIngressService>();
        await Eventually.WaitUntilAsync(() => Task.FromResult(raw.Listeners.Any(l => l.Port == port)), "the raw listener open");

        await using (var client = await WireClient.ConnectAsync(port))
        {
            await client.SendAsync("raw bytes"u8.ToArray());
            client.HalfClose();
            Assert.True(await client.EndsNormallyAsync(), "the raw job should be acknowledged by a normal close");
        }

        await Eventually.WaitUntilAsync(() => Task.FromResult(Received(_printers.P1, "raw bytes")), "the raw job printed");
        Assert.Equal(0, (await Run("queue", "set", new { queue = new[] { "office" }, raw_port = new[] { "none" } })).Code);
        await Eventually.WaitUntilAsync(() => Task.FromResult(raw.Listeners.Count == 0), "the raw listener closed");
    }

    [Fact]
    public async Task Spoolctl_applies_a_file_from_its_own_machine_after_a_dry_run()
    {
        var token = new Dictionary<string, string>();
        var host = $"127.0.0.1:{_node.Services.GetRequiredService<CommandHost>().Endpoint.Port}";
        var export = await SpoolctlProcess.RunAsync(host, "config", "export");
        Assert.True(export.ExitCode == 0, export.ToString());
        var file = Path.Combine(_data.Path, "edited.conf");
        await File.WriteAllTextAsync(file, export.Output.Replace("office { printers = [p1] }",
            $"office {{ printers = [p1] }}\n    lab {{ printers = [p2] }}").Replace("  printers {\n", $"  printers {{\n    p2 {{ uri = \"socket://127.0.0.1:{_printers.P2.Port}\" }}\n"));

        var dry = await SpoolctlProcess.RunAsync([host, "config", "apply", file, "--dry-run"], environment: token);
        Assert.True(dry.ExitCode == 0, dry.ToString());
        Assert.Contains("printers added: p2", dry.Output);
        Assert.Contains("queues added: lab", dry.Output);
        Assert.Equal(["office"], _node.Services.GetRequiredService<ILiveTopology>().Current.QueueNames);

        var applied = await SpoolctlProcess.RunAsync([host, "config", "apply", file], environment: token);
        Assert.True(applied.ExitCode == 0, applied.ToString());
        Assert.Equal(["lab", "office"], _node.Services.GetRequiredService<ILiveTopology>().Current.QueueNames);
        var again = await SpoolctlProcess.RunAsync([host, "config", "apply", file], environment: token);
        Assert.Contains("Nothing to change", again.Output);

        await File.WriteAllTextAsync(file, "actorspool.queues { lab { printers = [ } }");
        var broken = await SpoolctlProcess.RunAsync([host, "config", "apply", file], environment: token);
        Assert.NotEqual(0, broken.ExitCode);
        Assert.Contains("refused, nothing changed: the applied file:", broken.Error);
        Assert.Equal(["lab", "office"], _node.Services.GetRequiredService<ILiveTopology>().Current.QueueNames);

        var missing = await SpoolctlProcess.RunAsync([host, "config", "apply", Path.Combine(_data.Path, "no-such.conf")], environment: token);
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("cannot read", missing.Error);
    }
}
