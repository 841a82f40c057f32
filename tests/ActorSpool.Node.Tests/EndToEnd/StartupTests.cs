using System.Net;
using System.Net.Sockets;
using ActorSpool.Simulators;
using ActorSpool.TestSupport;

namespace ActorSpool.Node.Tests.EndToEnd;

/// <summary>Operator mistakes at start-up: one clear line and a non-zero exit code, never a stack trace.</summary>
public sealed class StartupTests : IDisposable
{
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    private string[] Args(params string[] extra) =>
        ["--data", _data.Path, "--http-port", "0", "--cmd-port", "0", "--node-port", "0", .. extra];

    [Fact]
    public async Task A_fresh_node_logs_one_prefix_per_line_and_no_false_warning()
    {
        await using var printer = await Printers.SimulatorAsync("lj-1");
        var printers = Printers.WriteFile(_data.Path, [printer], "  office { printers = [lj-1] }");
        await using var node = await NodeProcess.StartAsync(Path.Combine(_data.Path, "node"), printers);
        await Eventually.WaitUntilAsync(() => Task.FromResult(node.ReadLog().Contains("Queue office: recovered")), "the queue's recovery in the log");

        var lines = node.ReadLog().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.Contains("info: ActorSpool.Actors.Balancing.BalancerActor[0] /user/balancer/balancer: Balancer singleton started"));
        // Akka's own "[INFO][date][Thread 0001][source]" inside the host's prefix, and the proxy's warning about a
        // balancer it finds a moment later.
        Assert.DoesNotContain(lines, l => l.Contains("][Thread "));
        Assert.DoesNotContain(lines, l => l.Contains("ClusterSingletonProxy failed to find"));
        // No warning at all on a healthy start: sharding's "Requested shard homes" came when the first shard waited for
        // the journal to start (the node now joins once the stores answer).
        Assert.DoesNotContain(lines, l => l.Contains(" warn: ") || l.Contains(" fail: "));
    }

    [Fact]
    public async Task A_users_file_that_cannot_be_used_or_admins_without_one_are_clear_errors()
    {
        var md5 = Path.Combine(_data.Path, "users");
        await File.WriteAllTextAsync(md5, "alice:$apr1$abcdefgh$0123456789abcdefghijkl\n");

        var (badCode, badOutput) = await NodeProcess.RunToExitAsync(Args("--ipp-port", "0", "--users", md5));
        var (missingCode, missingOutput) = await NodeProcess.RunToExitAsync(Args("--ipp-port", "0", "--users", md5 + ".missing"));
        var (adminsCode, adminsOutput) = await NodeProcess.RunToExitAsync(Args("--ipp-port", "0", "--admins", "root"));

        Assert.Equal(2, badCode);
        Assert.Contains("cannot use the users file (--users)", badOutput);
        Assert.Contains("not a bcrypt hash", badOutput);
        Assert.Equal(2, missingCode);
        Assert.Contains(md5 + ".missing", missingOutput);
        Assert.Equal(2, adminsCode);
        Assert.Contains("--admins names admins, but no users file (--users)", adminsOutput);
        Assert.DoesNotContain("   at ", badOutput + missingOutput + adminsOutput);
    }

    [Fact]
    public async Task A_port_in_use_is_a_clear_error()
    {
        using var blocker = new TcpListener(IPAddress.Loopback, 0);
        blocker.Start();
        var port = ((IPEndPoint)blocker.LocalEndpoint).Port;

        var (code, output) = await NodeProcess.RunToExitAsync(Args("--ipp-port", port.ToString()));

        Assert.NotEqual(0, code);
        Assert.Contains($"port {port} (--ipp-port) is already in use", output);
        Assert.DoesNotContain("   at ", output);
    }

    [Fact]
    public async Task An_invalid_printers_file_names_file_key_and_problem()
    {
        var file = Path.Combine(_data.Path, "bad-printers.conf");
        await File.WriteAllTextAsync(file, """
            actorspool.printers {
              lj-1 { uri = "socket://127.0.0.1:9101" }
              lj-2 { uri = "gopher://127.0.0.1:70" }
            }
            actorspool.queues {
              office { printers = [lj-1, lj-9] }
            }
            """);

        var (code, output) = await NodeProcess.RunToExitAsync(Args("--ipp-port", "0", "--printers", file));

        Assert.NotEqual(0, code);
        Assert.Contains($"{file}: actorspool.queues.office.printers[1]: unknown printer 'lj-9'", output);
        Assert.Contains($"{file}: actorspool.printers.lj-2.uri", output);
        Assert.DoesNotContain("   at ", output);
    }

    [Fact]
    public async Task Help_lists_every_flag_with_its_environment_variable()
    {
        var (code, output) = await NodeProcess.RunToExitAsync(["--help"]);

        Assert.Equal(0, code);
        foreach (var (flag, env) in new[]
                 {
                     ("--config", "ACTORSPOOL_CONFIG"), ("--data", "ACTORSPOOL_DATA"), ("--db", "ACTORSPOOL_DB"), ("--printers", "ACTORSPOOL_PRINTERS"),
                     ("--node-port", "ACTORSPOOL_NODE_PORT"), ("--seed", "ACTORSPOOL_SEED"), ("--ipp-port", "ACTORSPOOL_IPP_PORT"),
                     ("--http-port", "ACTORSPOOL_HTTP_PORT"), ("--cmd-port", "ACTORSPOOL_CMD_PORT"), ("--workers", "ACTORSPOOL_WORKERS"),
                     ("--users", "ACTORSPOOL_USERS"), ("--admins", "ACTORSPOOL_ADMINS"),
                     ("--roles", "ACTORSPOOL_ROLES"), ("--hostname", "ACTORSPOOL_HOSTNAME"), ("--dnssd", "ACTORSPOOL_DNSSD"),
                 })
        {
            Assert.Contains(flag, output);
            Assert.Contains(env, output);
        }
    }

    [Fact]
    public async Task An_unreachable_database_is_a_clear_error()
    {
        var port = FreePort.Next();
        var (code, output) = await NodeProcess.RunToExitAsync(Args("--ipp-port", "0", "--db", $"Host=127.0.0.1;Port={port};Database=x;Username=x;Password=x;Timeout=3"));

        Assert.NotEqual(0, code);
        Assert.Contains("cannot open the PostgreSQL database given by --db", output);
        Assert.DoesNotContain("   at ", output);
    }

    [Fact]
    public async Task Sigterm_shuts_the_node_down_cleanly()
    {
        var printers = Path.Combine(_data.Path, "printers.conf");
        await File.WriteAllTextAsync(printers, """
            actorspool.printers { lj-1 { uri = "socket://127.0.0.1:9" } }
            actorspool.queues { office { printers = [lj-1] } }
            """);
        var node = await NodeProcess.StartAsync(Path.Combine(_data.Path, "node"), printers);

        await node.StopAsync();

        Assert.Equal(0, node.ExitCode);
        Assert.Contains("IPP listening on", node.ReadLog());
        await node.DisposeAsync();
    }

    [Fact]
    public async Task A_node_that_cannot_join_its_seeds_exits_with_code_3_for_its_supervisor()
    {
        var printers = Path.Combine(_data.Path, "printers.conf");
        await File.WriteAllTextAsync(printers, """
            actorspool.printers { lj-1 { uri = "socket://127.0.0.1:9" } }
            actorspool.queues { office { printers = [lj-1] } }
            """);
        var config = Path.Combine(_data.Path, "short-join.conf");
        await File.WriteAllTextAsync(config, "akka.cluster.shutdown-after-unsuccessful-join-seed-nodes = 3s\n");
        // The only seed is a port nobody listens on, and it is not this node: it can never join.
        var node = await NodeProcess.StartAsync(Path.Combine(_data.Path, "node"), printers,
            extraArgs: ["--seed", $"127.0.0.1:{FreePort.Next()}", "--config", config]);

        Assert.True(await node.WaitForExitAsync(TimeSpan.FromMinutes(2)), "the node kept waiting for its seeds");
        Assert.Equal(3, node.ExitCode);
        Assert.Contains("Could not join the cluster", node.ReadLog());
        await node.DisposeAsync();
    }
}
