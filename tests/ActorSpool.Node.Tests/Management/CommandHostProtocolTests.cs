using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ActorSpool.Node.Management;
using ActorSpool.Node.Tests.EndToEnd;
using ActorSpool.Protocols.Ipp;
using ActorSpool.Simulators;
using ActorSpool.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace ActorSpool.Node.Tests.Management;

/// <summary>One in-process node (SQLite) with a command token, two simulated printers, queues office (p1) and plans (p2).</summary>
public sealed class CommandHostNodeFixture : IAsyncLifetime
{
    public const string Token = "s3cret";

    private readonly TempDirectory _data = new();
    private InProcessNode _node = null!;

    public AppSocketPrinterSimulator P1 { get; private set; } = null!;
    public AppSocketPrinterSimulator P2 { get; private set; } = null!;
    public InProcessNode Node => _node;
    public int CommandPort => _node.Services.GetRequiredService<CommandHost>().Endpoint.Port;
    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(60) };

    public async Task InitializeAsync()
    {
        P1 = await Printers.SimulatorAsync("p1");
        P2 = await Printers.SimulatorAsync("p2");
        var printers = Printers.WriteFile(_data.Path, [P1, P2], "  office { printers = [p1] }\n  plans { printers = [p2] }");
        _node = await InProcessNode.StartAsync(InProcessNode.Options(_data.Path, printers) with { CommandToken = Token });
    }

    public async Task<int> SubmitAsync(string queue, string text = "hello", string name = "doc")
    {
        var answer = await new IppClient(Http).PrintJobAsync(_node.QueueUri(queue), new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text)), "alice", name);
        Assert.Equal(IppStatusCode.SuccessfulOk, answer.Status);
        return answer.JobId;
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        await P1.DisposeAsync();
        await P2.DisposeAsync();
        Http.Dispose();
        _data.Dispose();
    }
}

/// <summary>The command host's wire protocol, spoken directly over TCP against a real node.</summary>
public sealed partial class CommandHostProtocolTests(CommandHostNodeFixture node) : IClassFixture<CommandHostNodeFixture>, IAsyncLifetime
{
    private const string Token = CommandHostNodeFixture.Token;
    private CommandConnection _cmd = null!;

    public async Task InitializeAsync() => _cmd = await CommandConnection.OpenAsync(node.CommandPort);

    public async Task DisposeAsync() => await _cmd.DisposeAsync();

    [Fact]
    public async Task Palettes_are_sent_as_data_with_their_verbs_and_arguments()
    {
        await _cmd.SendLineAsync("""{"op":"palettes"}""");
        var reply = await _cmd.ReadReplyAsync();
        Assert.Equal("palettes", (string?)reply!["kind"]);
        var palettes = reply["palettes"]!.AsArray().Select(p => p!.AsObject()).ToDictionary(p => (string)p["name"]!);
        Assert.Superset(new HashSet<string> { "cluster", "actor", "log", "queue", "job", "printer", "worker", "balancer", "node", "storage" }, palettes.Keys.ToHashSet());

        var cluster = Verbs(palettes["cluster"]);
        Assert.Equal(["show", "status", "leader", "join", "leave", "down", "down-unreachable"], cluster.Keys);
        Assert.True((bool?)cluster["leave"]["changesState"]);
        Assert.False((bool)cluster["show"]["changesState"]!);
        var join = Arguments(cluster["join"]);
        Assert.Equal(["-a", "--address"], join["address"]["switches"]!.AsArray().Select(s => (string)s!));
        Assert.True((bool?)join["address"]["mandatory"]);
        Assert.False((bool)Arguments(cluster["leave"])["address"]["mandatory"]!);

        Assert.Equal("3", (string?)Arguments(Verbs(palettes["actor"])["hierarchy"])["depth"]["default"]);
        Assert.True((bool?)Verbs(palettes["log"])["tail"]["streams"]);
        var move = Arguments(Verbs(palettes["job"])["move"]);
        Assert.True((bool?)move["job"]["mandatory"]);
        Assert.True((bool?)move["queue"]["mandatory"]);
        Assert.Equal(0, (int)(await _cmd.ReadReplyAsync())!["code"]!);

        static Dictionary<string, JsonObject> Verbs(JsonObject palette) =>
            palette["verbs"]!.AsArray().Select(v => v!.AsObject()).ToDictionary(v => (string)v["name"]!);

        static Dictionary<string, JsonObject> Arguments(JsonObject verb) =>
            verb["arguments"]!.AsArray().Select(a => a!.AsObject()).ToDictionary(a => (string)a["name"]!);
    }

    [Fact]
    public async Task Cluster_show_prints_one_pbm_line_per_member_then_the_count()
    {
        var result = await _cmd.RunAsync("cluster", "show");

        Assert.Equal(0, result.Code);
        Assert.Equal(2, result.Out.Count);
        Assert.Matches(MemberLine(), result.Out[0]);
        Assert.Equal("Count: 1 nodes", result.Out[1]);

        var json = await _cmd.RunAsync("cluster", "show", json: true);
        Assert.Equal(0, json.Code);
        Assert.Empty(json.Out);
        var members = json.Data.Single()["members"]!.AsArray();
        Assert.Equal("up", (string?)members[0]!["status"]);
        Assert.Equal("reachable", (string?)members[0]!["reachability"]);
        Assert.Equal(1, (int)json.Data.Single()["count"]!);
    }

    [GeneratedRegex(@"^akka\.tcp://actorspool@127\.0\.0\.1:\d+ \| \[ingress,worker\] \| up \| reachable \| \d+\.\d+\.\d+")]
    private static partial Regex MemberLine();

    [Fact]
    public async Task Mistakes_get_one_clear_error_line_and_a_usage_exit_code_and_the_connection_stays_usable()
    {
        var cases = new (Func<Task<CommandResult>> Run, string Message)[]
        {
            (() => _cmd.RunAsync("nosuch", "show"), "unknown palette 'nosuch'; palettes: actor, balancer, cluster"),
            (() => _cmd.RunAsync("cluster", "explode"), "cluster: unknown verb 'explode'; verbs: show, status, leader"),
            (() => _cmd.RunAsync("job", "show", new { job = new[] { "1" }, color = new[] { "red" } }), "job show: unknown argument 'color'"),
            (() => _cmd.RunAsync("job", "show"), "job show: missing -j ID"),
            (() => _cmd.RunAsync("job", "show", new { job = new[] { "1", "2" } }), "job show: -j may be given only once"),
            (() => _cmd.RunAsync("job", "list", new { state = new[] { "sleeping" } }), "job list: -s 'sleeping' is not one of active, finished, all"),
            (() => _cmd.RunAsync("job", "show", new { job = new[] { "abc" } }), "job show: -j 'abc' must be a whole number"),
            (() => _cmd.RunAsync("actor", "hierarchy", new { depth = new[] { "99" } }), "actor hierarchy: -d '99' must be a whole number from 1 to 10"),
            (() => _cmd.RunAsync("cluster", "down", new { address = new[] { "not an address" } }, Token), "'not an address' is not a member address"),
        };
        foreach (var (run, message) in cases)
        {
            var result = await run();
            Assert.True(result.Code == 2, result.ToString());
            Assert.Contains(message, Assert.Single(result.Errors));
        }

        await _cmd.SendLineAsync("this is not json");
        var garbage = await _cmd.ReadResultAsync();
        Assert.Equal(2, garbage.Code);
        Assert.Contains("not a JSON request line", garbage.Errors.Single());

        await _cmd.SendLineAsync("""{"op":"dance"}""");
        Assert.Equal(2, (await _cmd.ReadResultAsync()).Code);

        Assert.Equal(0, (await _cmd.RunAsync("cluster", "show")).Code);
    }

    [Fact]
    public async Task Commands_that_change_state_need_the_token_and_reading_does_not()
    {
        var none = await _cmd.RunAsync("printer", "pause", new { printer = new[] { "p1" } });
        Assert.Equal(3, none.Code);
        Assert.Contains("requires its command token: none was given", none.Errors.Single());

        var wrong = await _cmd.RunAsync("printer", "pause", new { printer = new[] { "p1" } }, token: "guess");
        Assert.Equal(3, wrong.Code);
        Assert.Contains("the token given is wrong", wrong.Errors.Single());

        var shown = await _cmd.RunAsync("printer", "show", new { printer = new[] { "p1" } });
        Assert.Equal(0, shown.Code);
        Assert.Contains(shown.Out, l => l.StartsWith("Accepting:  yes", StringComparison.Ordinal));

        var right = await _cmd.RunAsync("job", "cancel", new { job = new[] { "987654" } }, token: Token);
        Assert.Equal(1, right.Code);
        Assert.Equal("no job 987654", right.Errors.Single());
    }

    [Fact]
    public async Task Log_peek_shows_recent_lines_and_log_tail_streams_until_cancelled()
    {
        var peek = await _cmd.RunAsync("log", "peek", new { lines = new[] { "5" } });
        Assert.Equal(0, peek.Code);
        Assert.InRange(peek.Out.Count, 1, 5);

        await _cmd.SendAsync(new { palette = "log", verb = "tail", args = new { lines = new[] { "1" } } });
        // The one earlier line shows the tail runs; then something logs: every command that changes state is logged.
        Assert.Equal("out", (string?)(await _cmd.ReadReplyAsync())!["kind"]);
        await using (var other = await CommandConnection.OpenAsync(node.CommandPort))
        {
            Assert.Equal(0, (await other.RunAsync("printer", "resume", new { printer = new[] { "p2" } }, Token)).Code);
        }
        while (true)
        {
            var line = await _cmd.ReadReplyAsync() ?? throw new IOException("the node closed the connection during the tail");
            Assert.Equal("out", (string?)line["kind"]);
            if (((string?)line["text"] ?? "").Contains("spoolctl: printer resume", StringComparison.Ordinal)) break;
        }

        await _cmd.SendLineAsync("""{"op":"cancel"}""");
        var rest = await _cmd.ReadResultAsync();
        Assert.Equal(0, rest.Code);
        Assert.Equal(0, (await _cmd.RunAsync("cluster", "status")).Code);
    }

    [Fact]
    public async Task Read_only_palettes_describe_the_node()
    {
        var queues = await _cmd.RunAsync("queue", "list");
        Assert.Equal(0, queues.Code);
        Assert.StartsWith("QUEUE", queues.Out[0]);
        Assert.Contains(queues.Out, l => l.StartsWith("office", StringComparison.Ordinal));
        Assert.Contains(queues.Out, l => l.StartsWith("plans", StringComparison.Ordinal));

        var printers = await _cmd.RunAsync("printer", "list", json: true);
        Assert.Equal(["p1", "p2"], printers.Data.Single().AsArray().Select(p => (string)p!["name"]!));

        var workers = await _cmd.RunAsync("worker", "list");
        Assert.Equal(0, workers.Code);
        Assert.Contains("4 worker(s) on 1 node(s)", workers.Out[^1]);

        var balancer = await Eventually.ValueAsync(() => _cmd.RunAsync("balancer", "show", json: true), r => r.Code == 0, what: "balancer answers");
        Assert.Equal(4, (int)balancer.Data.Single()["nodes"]![0]!["workers"]!);

        var nodeShow = await _cmd.RunAsync("node", "show", json: true);
        Assert.Equal(node.Node.IppPort, (int)nodeShow.Data.Single()["ippPort"]!);
        Assert.True((bool)nodeShow.Data.Single()["commandTokenRequired"]!);

        var system = await _cmd.RunAsync("actor", "system");
        Assert.Contains(system.Out, l => l.StartsWith("Name:      actorspool", StringComparison.Ordinal));

        var hierarchy = await _cmd.RunAsync("actor", "hierarchy", new { depth = new[] { "2" } });
        Assert.Equal(0, hierarchy.Code);
        Assert.Contains("  /user/spool-workers", hierarchy.Out);
        Assert.Contains("    /user/spool-workers/spool-worker-1", hierarchy.Out);

        var missing = await _cmd.RunAsync("actor", "hierarchy", new { start = new[] { "/user/nobody-here" } });
        Assert.Equal(1, missing.Code);

        var leader = await _cmd.RunAsync("cluster", "leader");
        Assert.StartsWith("akka.tcp://actorspool@127.0.0.1:", leader.Out[0]);
    }

    [Fact]
    public async Task A_paused_queue_accepts_jobs_holds_them_back_and_prints_them_after_resume()
    {
        var office = new { queue = new[] { "office" } };
        var paused = await _cmd.RunAsync("queue", "pause", office, Token);
        Assert.Equal(0, paused.Code);
        try
        {
            Assert.Contains("Queue office paused", paused.Out.Single());
            Assert.Contains("State:        paused", (await _cmd.RunAsync("queue", "show", office)).Out);

            var printedBefore = node.P1.ReceivedJobs.Count;
            var id = await node.SubmitAsync("office");
            var job = new { job = new[] { id.ToString() } };
            Assert.Equal("pending", await StateOf(id));

            Assert.Equal(0, (await _cmd.RunAsync("job", "hold", job, Token)).Code);
            Assert.Equal("pending-held", await StateOf(id));
            Assert.Equal(0, (await _cmd.RunAsync("job", "release", job, Token)).Code);
            Assert.Equal("pending", await StateOf(id));
            var again = await _cmd.RunAsync("job", "release", job, Token);
            Assert.Equal(1, again.Code);
            Assert.Contains("not held", again.Errors.Single());
            Assert.Equal(printedBefore, node.P1.ReceivedJobs.Count);

            Assert.Equal(0, (await _cmd.RunAsync("queue", "resume", office, Token)).Code);
            await Eventually.ValueAsync(() => StateOf(id), s => s == "completed", what: $"job {id} completed after resume");
        }
        finally
        {
            await _cmd.RunAsync("queue", "resume", office, Token);
        }
    }

    [Fact]
    public async Task Cancel_and_move_change_jobs_as_job_show_reports()
    {
        var office = new { queue = new[] { "office" } };
        Assert.Equal(0, (await _cmd.RunAsync("queue", "pause", office, Token)).Code);
        try
        {
            var canceled = await node.SubmitAsync("office", "cancel me");
            var cancel = await _cmd.RunAsync("job", "cancel", new { job = new[] { canceled.ToString() } }, Token);
            Assert.Equal(0, cancel.Code);
            Assert.Contains($"Job {canceled} canceled", cancel.Out.Single());
            Assert.Equal("canceled", await StateOf(canceled));
            Assert.Equal(1, (await _cmd.RunAsync("job", "cancel", new { job = new[] { canceled.ToString() } }, Token)).Code);

            var printed = node.P2.ReceivedJobs.Count;
            var original = await node.SubmitAsync("office", "move me to plans", "moving");
            var move = await _cmd.RunAsync("job", "move", new { job = new[] { original.ToString() }, queue = new[] { "plans" } }, Token, json: true);
            Assert.True(move.Code == 0, move.ToString());
            var moved = (int)move.Data.Single()["to"]!["job"]!;
            Assert.NotEqual(original, moved);

            var old = (await _cmd.RunAsync("job", "show", new { job = new[] { original.ToString() } }, json: true)).Data.Single();
            Assert.Equal("canceled", (string?)old["state"]);
            Assert.Equal($"spoolctl: moved to plans as job {moved}", (string?)old["canceledBy"]);
            await Eventually.ValueAsync(() => StateOf(moved), s => s == "completed", what: $"moved job {moved} completed on plans");
            var shown = (await _cmd.RunAsync("job", "show", new { job = new[] { moved.ToString() } }, json: true)).Data.Single();
            Assert.Equal("plans", (string?)shown["queue"]);
            Assert.Equal("moving", (string?)shown["name"]);
            Assert.Contains(node.P2.ReceivedJobs.Skip(printed), j => System.Text.Encoding.UTF8.GetString(j.Data!) == "move me to plans");

            var list = await _cmd.RunAsync("job", "list", new { queue = new[] { "office" }, state = new[] { "canceled" } }, json: true);
            Assert.Contains(list.Data.Single().AsArray(), j => (int)j!["id"]! == original);
        }
        finally
        {
            await _cmd.RunAsync("queue", "resume", office, Token);
        }
    }

    [Fact]
    public async Task Printer_pause_resume_and_test_page()
    {
        var p1 = new { printer = new[] { "p1" } };
        try
        {
            var paused = await _cmd.RunAsync("printer", "pause", p1, Token, json: true);
            Assert.Equal(0, paused.Code);
            Assert.True((bool)paused.Data.Single()["paused"]!);
            var show = (await _cmd.RunAsync("printer", "show", p1, json: true)).Data.Single();
            Assert.True((bool)show["paused"]!);
            Assert.False((bool)show["accepting"]!);

            var refused = await _cmd.RunAsync("printer", "test", p1, Token);
            Assert.Equal(1, refused.Code);
            Assert.Contains("test page on p1 not printed", refused.Errors.Single());

            Assert.Equal(0, (await _cmd.RunAsync("printer", "resume", p1, Token)).Code);
            Assert.False((bool)(await _cmd.RunAsync("printer", "show", p1, json: true)).Data.Single()["paused"]!);

            var before = node.P1.ReceivedJobs.Count;
            var test = await _cmd.RunAsync("printer", "test", p1, Token);
            Assert.True(test.Code == 0, test.ToString());
            Assert.Contains("Test page printed on p1", test.Out[^1]);
            var page = node.P1.ReceivedJobs.Skip(before).Single();
            Assert.Contains("ActorSpool test page", System.Text.Encoding.UTF8.GetString(page.Data!));
        }
        finally
        {
            await _cmd.RunAsync("printer", "resume", p1, Token);
        }
    }

    [Fact]
    public async Task Leave_and_down_name_members_that_exist()
    {
        var unknown = await _cmd.RunAsync("cluster", "down", new { address = new[] { "127.0.0.1:1" } }, Token);
        Assert.Equal(1, unknown.Code);
        Assert.Contains("akka.tcp://actorspool@127.0.0.1:1 is not a member of this cluster", unknown.Errors.Single());

        var none = await _cmd.RunAsync("cluster", "down-unreachable", token: Token);
        Assert.Equal(0, none.Code);
        Assert.Equal("No unreachable members", none.Out.Single());
    }

    private async Task<string> StateOf(int jobId)
    {
        var shown = await _cmd.RunAsync("job", "show", new { job = new[] { jobId.ToString() } }, json: true);
        Assert.True(shown.Code == 0, shown.ToString());
        return (string)shown.Data.Single()["state"]!;
    }
}
