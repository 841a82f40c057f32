using System.ComponentModel;
using System.Diagnostics;
using ActorSpool.TestSupport;

namespace ActorSpool.Node.Tests.Deployment;

/// <summary>
/// docker-compose.yml stays a file Compose accepts, with PostgreSQL, the three-node cluster and HAProxy in front of it. No Docker engine
/// runs where the tests run; <c>docker-compose config</c> validates and resolves the file without one
/// (./test.sh installs Debian's docker-compose 1.29 when it is missing).
/// </summary>
public sealed class ComposeFileTests
{
    private static readonly string ComposeFile = Path.Combine(RepoPaths.Root, "docker-compose.yml");

    [Fact]
    public async Task Compose_accepts_the_file()
    {
        var (code, stdout, stderr) = await DockerComposeAsync("config", "-q");

        Assert.True(code == 0, $"docker-compose -f {ComposeFile} config -q exited with {code}:\n{stderr}{stdout}");
    }

    [Fact]
    public async Task The_file_runs_postgres_a_seed_and_two_nodes_that_join_it()
    {
        var services = await ResolvedServicesAsync();

        Assert.Equal(new[] { "haproxy", "node1", "node2", "node3", "postgres" }, services.Keys.Order(StringComparer.Ordinal));

        var node1 = EnvironmentOf(services["node1"]);
        // Every node lists every seed (node1 first); a seedless node1 would form a second cluster when restarted.
        Assert.Equal("node1:4053,node2:4053,node3:4053", node1["ACTORSPOOL_SEED"]);
        foreach (var node in new[] { "node2", "node3" })
        {
            var environment = EnvironmentOf(services[node]);
            Assert.True(environment.TryGetValue("ACTORSPOOL_SEED", out var seed), $"{node} has no ACTORSPOOL_SEED");
            Assert.Equal("node1:4053,node2:4053,node3:4053", seed);
        }
    }

    [Fact]
    public async Task Every_node_is_built_here_reaches_postgres_and_publishes_only_IPP_and_HTTP()
    {
        var services = await ResolvedServicesAsync();

        foreach (var (node, offset) in new[] { ("node1", 0), ("node2", 1), ("node3", 2) })
        {
            var lines = services[node];
            var environment = EnvironmentOf(lines);
            Assert.Equal(node, environment.GetValueOrDefault("ACTORSPOOL_HOSTNAME"));
            Assert.Equal("4053", environment.GetValueOrDefault("ACTORSPOOL_NODE_PORT"));
            Assert.Contains("Host=postgres;", environment.GetValueOrDefault("ACTORSPOOL_DB") ?? "");
            Assert.Contains(lines, l => l.Text == "build:" && l.Indent == 4);
            Assert.Contains(lines, l => l.Text == "healthcheck:" && l.Indent == 4);
            Assert.Contains(lines, l => l.Text == "restart: unless-stopped");

            // The command host (9110) is reached through `docker-compose exec`, not published.
            Assert.Equal(new[] { (8080 + offset, 8080), (8631 + offset, 8631) }, PublishedPorts(lines).Order());
        }
        Assert.Empty(PublishedPorts(services["postgres"]));
    }

    [Fact]
    public async Task Secrets_come_from_compose_secrets_and_remoting_uses_the_cluster_certificate()
    {
        var services = await ResolvedServicesAsync();

        foreach (var node in new[] { "node1", "node2", "node3" })
        {
            var environment = EnvironmentOf(services[node]);
            Assert.Equal("127.0.0.1", environment.GetValueOrDefault("ACTORSPOOL_CMD_HOST"));
            Assert.Equal("/run/secrets/cmd_token", environment.GetValueOrDefault("ACTORSPOOL_CMD_TOKEN_FILE"));
            Assert.Equal("/run/secrets/cmd_token", environment.GetValueOrDefault("SPOOLCTL_TOKEN_FILE"));
            Assert.Equal("/run/secrets/db_password", environment.GetValueOrDefault("ACTORSPOOL_DB_PASSWORD_FILE"));
            Assert.Equal("/run/secrets/cluster_certificate", environment.GetValueOrDefault("ACTORSPOOL_REMOTING_CERTIFICATE"));
            Assert.Equal("/run/secrets/cluster_key", environment.GetValueOrDefault("ACTORSPOOL_REMOTING_KEY"));
            Assert.DoesNotContain("ACTORSPOOL_CMD_TOKEN", environment.Keys);
            Assert.DoesNotContain("ACTORSPOOL_INSECURE_REMOTING", environment.Keys);
            Assert.DoesNotContain("password", environment["ACTORSPOOL_DB"], StringComparison.OrdinalIgnoreCase);
            Assert.Equal(["cluster_certificate", "cluster_key", "cmd_token", "db_password"], SecretsOf(services[node]).Order(StringComparer.Ordinal));
        }
        var postgres = EnvironmentOf(services["postgres"]);
        Assert.Equal("/run/secrets/db_password", postgres.GetValueOrDefault("POSTGRES_PASSWORD_FILE"));
        Assert.DoesNotContain("POSTGRES_PASSWORD", postgres.Keys);
        Assert.Equal(["db_password"], SecretsOf(services["postgres"]));
    }

    [Fact]
    public async Task The_secrets_script_makes_what_a_node_accepts_private_to_its_directory_and_keeps_them()
    {
        if (OperatingSystem.IsWindows()) return;
        using var directory = new TempDirectory();
        var secrets = Path.Combine(directory.Path, "secrets");
        var (code, output) = await RunAsync("bash", Path.Combine(RepoPaths.Root, "scripts", "compose-secrets.sh"), secrets);
        Assert.True(code == 0, output);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(secrets));
        var token = await File.ReadAllTextAsync(Path.Combine(secrets, "cmd-token"));
        Assert.True(token.Length >= 32, token);
        var password = await File.ReadAllTextAsync(Path.Combine(secrets, "db-password"));
        Assert.NotEqual(token, password);
        var certificate = Path.Combine(secrets, "cluster.crt");
        using (var cluster = ActorSpool.Node.Security.RemotingSecurity.Load(new ActorSpool.Node.Security.RemotingSecurityOptions
        {
            Certificate = certificate, Key = Path.Combine(secrets, "cluster.key"),
        }))
        {
            Assert.True(cluster.HasPrivateKey);
        }

        var before = await File.ReadAllBytesAsync(certificate);
        (code, output) = await RunAsync("bash", Path.Combine(RepoPaths.Root, "scripts", "compose-secrets.sh"), secrets);
        Assert.True(code == 0, output);
        Assert.Equal(before, await File.ReadAllBytesAsync(certificate));
        Assert.Equal(token, await File.ReadAllTextAsync(Path.Combine(secrets, "cmd-token")));
    }

    [Fact]
    public async Task HAProxy_is_the_one_client_address_in_front_of_every_node_checked_on_health_ready()
    {
        var services = await ResolvedServicesAsync();
        var haproxy = services["haproxy"];

        Assert.Contains(haproxy, l => l.Indent == 4 && l.Text.StartsWith("image: haproxy:", StringComparison.Ordinal));
        Assert.Contains(haproxy, l => l.Text == "restart: unless-stopped");
        // It starts with the nodes (its own checks decide who gets clients), so it depends on each of them.
        Assert.Equal(["node1", "node2", "node3"], Section(haproxy, "depends_on").Where(l => l.Indent == 6).Select(l => l.Text.TrimEnd(':')).Order(StringComparer.Ordinal));
        Assert.Equal(new[] { (8079, 8080), (8404, 8404), (8630, 8631) }, PublishedPorts(haproxy).Order());
        // Its stats page only on the Compose host's loopback.
        Assert.Contains(Section(haproxy, "ports"), l => l.Text == "- 127.0.0.1:8404:8404/tcp" || l.Text == "host_ip: 127.0.0.1");

        // The file it runs is config/haproxy/haproxy.cfg, the one the chaos test runs with Debian's haproxy.
        var mount = Assert.Single(Section(haproxy, "volumes"), l => l.Text.StartsWith("- ", StringComparison.Ordinal)).Text[2..].Split(':');
        Assert.Equal(Path.GetFullPath(HaproxyConfig.DefaultPath), Path.GetFullPath(mount[0]));
        Assert.Equal("/usr/local/etc/haproxy/haproxy.cfg", mount[1]);
        Assert.Equal("ro", mount.ElementAtOrDefault(2));

        var config = HaproxyConfig.Load();
        // Every node's IPP and HTTP port behind one frontend each, on the ports the nodes listen on in their containers.
        Assert.Equal(["ipp:8631", "stats:8404", "web:8080"], config.Binds.Select(b => $"{b.Frontend}:{b.Port}").Order(StringComparer.Ordinal));
        foreach (var (backend, port) in new[] { ("ipp-nodes", 8631), ("web-nodes", 8080) })
        {
            Assert.Equal(["node1", "node2", "node3"], config.Servers.Where(s => s.Backend == backend && s.Port == port).Select(s => s.Host).Order(StringComparer.Ordinal));
        }
        // A server gets clients while GET /health/ready on the node's HTTP port answers 200; clients of a node marked
        // down are closed; a connection that fails is retried on another server.
        var defaults = Section(config, "defaults");
        Assert.Contains("mode tcp", defaults);
        Assert.Contains("option httpchk", defaults);
        Assert.Contains(defaults, l => l.StartsWith("http-check send meth GET uri /health/ready ", StringComparison.Ordinal));
        Assert.Contains("http-check expect status 200", defaults);
        Assert.Contains("option redispatch 1", defaults);
        var defaultServer = Assert.Single(defaults, l => l.StartsWith("default-server ", StringComparison.Ordinal)).Split(' ');
        Assert.Equal("8080", defaultServer[Array.IndexOf(defaultServer, "check") + 2]);
        Assert.Equal("port", defaultServer[Array.IndexOf(defaultServer, "check") + 1]);
        Assert.Equal("shutdown-sessions", defaultServer[Array.IndexOf(defaultServer, "on-marked-down") + 1]);

        // Debian's haproxy (./test.sh installs it) accepts the file as Compose mounts it; names that do not resolve
        // here leave their servers down instead of failing the check (init-addr libc,none).
        var (code, output) = await HaproxyCheckAsync(HaproxyConfig.DefaultPath);
        Assert.True(code == 0, $"haproxy -c -f {HaproxyConfig.DefaultPath} exited with {code}:\n{output}");
    }

    private static List<string> Section(HaproxyConfig config, string header) => [.. config.Section(header)];

    private static async Task<(int Code, string Output)> HaproxyCheckAsync(string path)
    {
        try
        {
            return await RunAsync("haproxy", "-c", "-f", path);
        }
        catch (Win32Exception e)
        {
            Assert.Fail($"haproxy is not installed ({e.Message}): run ./test.sh, which installs it (Debian package haproxy), or apt-get install haproxy");
            throw;
        }
    }

    /// <summary>The names of the secrets a service mounts (<c>- source: NAME</c> or <c>- NAME</c>).</summary>
    private static List<string> SecretsOf(List<Line> service) =>
        Section(service, "secrets").Select(l => l.Text).Where(t => t.StartsWith("- ", StringComparison.Ordinal))
            .Select(t => t[2..].StartsWith("source: ", StringComparison.Ordinal) ? t["- source: ".Length..] : t[2..]).ToList();

    private static async Task<(int Code, string Output)> RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    private readonly record struct Line(int Indent, string Text);

    /// <summary>The services of <c>docker-compose config</c>'s YAML: name → the lines below it (a line-based read).</summary>
    private static async Task<Dictionary<string, List<Line>>> ResolvedServicesAsync()
    {
        var (code, stdout, stderr) = await DockerComposeAsync("config");
        Assert.True(code == 0, $"docker-compose -f {ComposeFile} config exited with {code}:\n{stderr}");

        var services = new Dictionary<string, List<Line>>(StringComparer.Ordinal);
        List<Line>? current = null;
        var inServices = false;
        foreach (var raw in stdout.Split('\n'))
        {
            var text = raw.TrimEnd('\r').TrimEnd();
            if (text.Length == 0) continue;
            var indent = text.Length - text.TrimStart().Length;
            text = text.Trim();
            if (indent == 0)
            {
                inServices = text == "services:";
                current = null;
            }
            else if (inServices && indent == 2 && text.EndsWith(':'))
            {
                current = services[text[..^1]] = [];
            }
            else if (inServices && indent > 2 && current is not null)
            {
                current.Add(new Line(indent, text));
            }
        }
        return services;
    }

    /// <summary>The lines of a service's top-level key (e.g. <c>environment:</c>), indentation kept.</summary>
    private static List<Line> Section(List<Line> service, string key)
    {
        var start = service.FindIndex(l => l.Indent == 4 && l.Text == key + ":");
        if (start < 0) return [];
        return service.Skip(start + 1).TakeWhile(l => l.Indent > 4 || (l.Indent == 4 && l.Text.StartsWith("- ", StringComparison.Ordinal))).ToList();
    }

    private static Dictionary<string, string> EnvironmentOf(List<Line> service)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in Section(service, "environment"))
        {
            // Compose prints a map (KEY: value); a list (- KEY=value) is read as well.
            var text = line.Text.StartsWith("- ", StringComparison.Ordinal) ? line.Text[2..] : line.Text;
            var separator = line.Text.StartsWith("- ", StringComparison.Ordinal) ? text.IndexOf('=') : text.IndexOf(": ", StringComparison.Ordinal);
            if (separator <= 0) continue;
            var width = text[separator] == '=' ? 1 : 2;
            environment[text[..separator]] = Unquote(text[(separator + width)..]);
        }
        return environment;
    }

    /// <summary>(published, target) of every port, from the long form (published:/target:) or "HOST:CONTAINER".</summary>
    private static List<(int Published, int Target)> PublishedPorts(List<Line> service)
    {
        var ports = new List<(int, int)>();
        int? published = null, target = null;
        void Flush()
        {
            if (published is { } p && target is { } t) ports.Add((p, t));
            published = target = null;
        }

        foreach (var line in Section(service, "ports"))
        {
            var text = line.Text;
            if (text.StartsWith("- ", StringComparison.Ordinal))
            {
                Flush();
                text = text[2..];
                if (!text.Contains(": ", StringComparison.Ordinal))
                {
                    var parts = Unquote(text).Split('/')[0].Split(':');
                    if (parts.Length >= 2) ports.Add((int.Parse(parts[^2]), int.Parse(parts[^1])));
                    continue;
                }
            }
            if (text.StartsWith("published: ", StringComparison.Ordinal)) published = int.Parse(Unquote(text["published: ".Length..]));
            if (text.StartsWith("target: ", StringComparison.Ordinal)) target = int.Parse(Unquote(text["target: ".Length..]));
        }
        Flush();
        return ports;
    }

    private static string Unquote(string value) =>
        value.Length >= 2 && (value[0] == '\'' || value[0] == '"') && value[^1] == value[0] ? value[1..^1] : value;

    private static async Task<(int Code, string Stdout, string Stderr)> DockerComposeAsync(params string[] command)
    {
        var start = new ProcessStartInfo("docker-compose")
        {
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["-f", ComposeFile, .. command]) start.ArgumentList.Add(argument);

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("docker-compose did not start");
        }
        catch (Win32Exception e)
        {
            Assert.Fail($"docker-compose is not installed ({e.Message}): run ./test.sh, which installs it " +
                        "(Debian package docker-compose), or apt-get install docker-compose");
            throw;
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"docker-compose {string.Join(' ', command)} did not finish within 60 s");
            }
            return (process.ExitCode, await stdout, await stderr);
        }
    }
}
