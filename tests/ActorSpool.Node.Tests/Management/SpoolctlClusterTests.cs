using System.Text.RegularExpressions;
using ActorSpool.Cli.Spoolctl;
using ActorSpool.TestSupport;

namespace ActorSpool.Node.Tests.Management;

/// <summary>spoolctl, run as a real process, against a running three-node cluster.</summary>
public sealed partial class SpoolctlClusterTests(ThreeNodeCluster cluster) : IClassFixture<ThreeNodeCluster>
{
    private static readonly Dictionary<string, string> WithToken = new() { ["SPOOLCTL_TOKEN"] = ThreeNodeCluster.Token };

    private Task<SpoolctlRun> Spoolctl(int node, params string[] args) => SpoolctlProcess.RunAsync([cluster.CommandHost(node), .. args]);

    private Task<SpoolctlRun> SpoolctlWithToken(int node, params string[] args) =>
        SpoolctlProcess.RunAsync([cluster.CommandHost(node), .. args], environment: WithToken);

    [GeneratedRegex(@"^(akka\.tcp://actorspool@127\.0\.0\.1:\d+) \| \[([a-z,]*)\] \| ([a-z-]+) \| (reachable|unreachable) \| (\S+)$")]
    private static partial Regex MemberLine();

    private static (List<Match> Members, string Count) ParseShow(SpoolctlRun run)
    {
        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = run.Lines;
        return (lines.SkipLast(1).Select(l => MemberLine().Match(l)).ToList(), lines[^1]);
    }

    [Fact]
    public async Task Cluster_show_lists_the_three_members_and_leave_removes_one()
    {
        // Every node reports all three once gossip has converged.
        var show = await Eventually.ValueAsync(() => Spoolctl(0, "cluster", "show"),
            r => r.ExitCode == 0 && r.Lines.Count == 4 && r.Lines.Take(3).All(l => l.Contains("| up |", StringComparison.Ordinal)),
            TimeSpan.FromMinutes(2), "three Up members");
        var (members, count) = ParseShow(show);
        Assert.All(members, m => Assert.True(m.Success, show.ToString()));
        Assert.Equal(Enumerable.Range(0, 3).Select(cluster.Address).Order(StringComparer.Ordinal), members.Select(m => m.Groups[1].Value));
        Assert.All(members, m => Assert.Equal("ingress,worker", m.Groups[2].Value));
        Assert.All(members, m => Assert.Equal("reachable", m.Groups[4].Value));
        Assert.Equal("Count: 3 nodes", count);

        // The second node converges on its own schedule: wait for its view too.
        var fromNode2 = ParseShow(await Eventually.ValueAsync(() => Spoolctl(1, "cluster", "show"),
            r => r.ExitCode == 0 && r.Lines.Count == 4 && r.Lines.Take(3).All(l => l.Contains("| up |", StringComparison.Ordinal)),
            TimeSpan.FromMinutes(2), "three Up members seen from node2"));
        Assert.Equal("Count: 3 nodes", fromNode2.Count);

        var leave = await SpoolctlWithToken(0, "cluster", "leave", "-a", cluster.Address(2));
        Assert.True(leave.ExitCode == 0, leave.ToString());
        Assert.Contains($"{cluster.Address(2)} is leaving the cluster", leave.Output);

        var after = await Eventually.ValueAsync(() => Spoolctl(0, "cluster", "show"),
            r => r.ExitCode == 0 && r.Lines.Count == 3 && r.Lines.Take(2).All(l => l.Contains("| up |", StringComparison.Ordinal)),
            TimeSpan.FromMinutes(2), "node3 removed from the members");
        var (remaining, remainingCount) = ParseShow(after);
        Assert.Equal(new[] { cluster.Address(0), cluster.Address(1) }.Order(StringComparer.Ordinal), remaining.Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal));
        Assert.All(remaining, m => Assert.Equal("up", m.Groups[3].Value));
        Assert.Equal("Count: 2 nodes", remainingCount);

        // node2 learns of the removal on its own gossip schedule: wait for its view, as above.
        var json = await Eventually.ValueAsync(() => Spoolctl(1, "cluster", "show", "--json"),
            r => r.ExitCode == 0 && r.Output.Contains("\"count\": 2", StringComparison.Ordinal), TimeSpan.FromMinutes(2), "node2's JSON view without node3");
        Assert.True(json.ExitCode == 0, json.ToString());
        Assert.Contains("\"count\": 2", json.Output);
    }

    [Fact]
    public async Task Job_cancel_and_printer_pause_resume_change_what_show_reports()
    {
        try
        {
            var pause = await SpoolctlWithToken(0, "printer", "pause", "-p", "p1");
            Assert.True(pause.ExitCode == 0, pause.ToString());
            var shown = await Spoolctl(1, "printer", "show", "-p", "p1");
            Assert.Contains("Accepting:  no (reachable yes, paused yes, breaker closed)", shown.Lines);

            // The queue cannot print to a paused printer: the job waits, and is canceled while it waits.
            var jobId = await cluster.SubmitAsync(1, "never printed");
            // (A queue that had not yet heard of the pause may try p1 once; the printer refuses and the job goes back in line.)
            await Eventually.ValueAsync(() => Spoolctl(0, "job", "show", "-j", jobId.ToString()),
                r => r.Lines.Contains("State:       pending (job-queued)"), TimeSpan.FromMinutes(1), $"job {jobId} pending");

            var cancel = await SpoolctlWithToken(0, "job", "cancel", "-j", jobId.ToString());
            Assert.True(cancel.ExitCode == 0, cancel.ToString());
            Assert.Contains($"Job {jobId} canceled", cancel.Output);
            var canceled = await Spoolctl(1, "job", "show", "-j", jobId.ToString());
            Assert.Contains("State:       canceled (job-canceled-by-user)", canceled.Lines);
            Assert.Contains("Canceled by: spoolctl", canceled.Lines);

            var resume = await SpoolctlWithToken(1, "printer", "resume", "-p", "p1");
            Assert.True(resume.ExitCode == 0, resume.ToString());
            var resumed = await Spoolctl(0, "printer", "show", "-p", "p1");
            Assert.Contains(resumed.Lines, l => l.StartsWith("Accepting:  yes", StringComparison.Ordinal));

            var printed = await cluster.SubmitAsync(1, "printed after resume");
            var done = await Eventually.ValueAsync(() => Spoolctl(0, "job", "show", "-j", printed.ToString()),
                r => r.Lines.Contains("State:       completed (job-completed-successfully)"), TimeSpan.FromMinutes(2), $"job {printed} completed");
            Assert.Contains("Printer:     p1", done.Lines);
            Assert.Contains(cluster.Printer.ReceivedJobs, j => System.Text.Encoding.UTF8.GetString(j.Data!) == "printed after resume");
            Assert.DoesNotContain(cluster.Printer.ReceivedJobs, j => System.Text.Encoding.UTF8.GetString(j.Data!) == "never printed");
        }
        finally
        {
            await SpoolctlWithToken(0, "printer", "resume", "-p", "p1");
        }
    }

    [Fact]
    public async Task Mistakes_get_one_clear_line_and_a_non_zero_exit_code()
    {
        var cases = new (string[] Args, int Code, string Message)[]
        {
            (["nosuch", "show"], 2, "spoolctl: unknown palette 'nosuch'; palettes: actor, balancer, cluster"),
            (["cluster", "explode"], 2, "spoolctl: cluster: unknown verb 'explode'; verbs: show, status, leader, join, leave, down, down-unreachable"),
            (["job", "show", "-j", "1", "-z", "2"], 2, "spoolctl: job show: unknown switch '-z'; it takes -j/--job ID"),
            (["job", "show"], 2, "spoolctl: job show: missing -j ID (job id); usage: job show -j ID"),
            (["job", "show", "-j"], 2, "spoolctl: job show: -j needs a value (ID)"),
            (["job", "show", "-j", "999999"], 1, "no job 999999"),
            (["printer", "pause", "-p", "p1"], 3, "printer pause changes the system and this node requires its command token: none was given"),
            (["printer", "pause", "-p", "p1", "--token", "wrong"], 3, "printer pause changes the system and this node requires its command token: the token given is wrong"),
        };
        foreach (var (args, code, message) in cases)
        {
            var run = await Spoolctl(0, args);
            Assert.True(run.ExitCode == code, $"spoolctl {string.Join(' ', args)}: expected exit {code}\n{run}");
            // --token on the command line is warned about (every local user sees it in ps), first.
            var errors = run.Error.Trim().Split('\n').ToList();
            if (args.Contains("--token")) Assert.Equal(GlobalOptions.TokenFlagWarning, errors[0]);
            Assert.StartsWith(message, Assert.Single(errors, e => !e.StartsWith("spoolctl: warning:", StringComparison.Ordinal)));
            Assert.Equal(args.Contains("--token") ? 2 : 1, errors.Count);
            Assert.Empty(run.Output);
        }

        var unreachable = await SpoolctlProcess.RunAsync($"127.0.0.1:{FreePort.Next()}", "cluster", "show");
        Assert.Equal(4, unreachable.ExitCode);
        Assert.StartsWith("spoolctl: cannot reach the command host at 127.0.0.1:", Assert.Single(unreachable.Error.Trim().Split('\n')));
    }

    [Fact]
    public async Task The_repl_runs_commands_from_its_input_with_the_pbm_prompt()
    {
        var run = await SpoolctlProcess.RunAsync([cluster.CommandHost(0)], "help cluster\ncluster status\nqueue show -q office\nexit\n");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"[{cluster.CommandHost(0)}] spoolctl> help cluster", run.Output);
        Assert.Contains("  cluster join -a ADDR", run.Output);
        Assert.Contains($"Address:     {cluster.Address(0)}", run.Output);
        Assert.Contains("Queue:        office", run.Output);
    }
}
