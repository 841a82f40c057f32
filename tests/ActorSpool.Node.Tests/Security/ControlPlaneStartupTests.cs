using ActorSpool.Node.Hosting;
using ActorSpool.Node.Security;
using ActorSpool.TestSupport;

namespace ActorSpool.Node.Tests.Security;

/// <summary>A node refuses to start with its control plane open to other machines, and warns about secrets given as flags.</summary>
public sealed class ControlPlaneStartupTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private Task<(int ExitCode, string Output)> RunAsync(params string[] args) =>
        NodeProcess.RunToExitAsync(["--data", Path.Combine(_dir.Path, "data"), "--ipp-port", "0", "--http-port", "0", "--node-port", "0", "--cmd-port", "0", .. args]);

    [Fact]
    public async Task A_hostname_other_machines_reach_needs_the_cluster_certificate_or_insecure_remoting()
    {
        var (code, output) = await RunAsync("--hostname", "node1.example.invalid");
        Assert.Equal(2, code);
        Assert.Contains("actorspool: Akka remoting on node1.example.invalid needs TLS: give every node the cluster certificate with --remoting-certificate FILE", output);
        Assert.DoesNotContain("   at ", output);

        (code, output) = await RunAsync("--hostname", "node1.example.invalid", "--remoting-tls", "off");
        Assert.Equal(2, code);
        Assert.Contains("actorspool: --hostname node1.example.invalid is not a loopback address and actorspool.remoting.tls = off", output);
        Assert.Contains("--insecure-remoting", output);
    }

    [Fact]
    public async Task Secrets_given_as_flags_are_warned_about_without_repeating_them()
    {
        // The remoting refusal stops the start before anything connects; the warnings come first.
        var (code, output) = await RunAsync("--hostname", "node1.example.invalid",
            "--cmd-token", "token-in-ps", "--db", "Host=127.0.0.1;Username=spool;Password=password-in-ps");
        Assert.Equal(2, code);
        Assert.Contains("actorspool: warning: --cmd-token on the command line is visible to every local user (ps); use ACTORSPOOL_CMD_TOKEN or --cmd-token-file FILE", output);
        Assert.Contains("actorspool: warning: the password in --db is visible to every local user (ps); use ACTORSPOOL_DB or --db-password-file FILE", output);
        Assert.DoesNotContain("token-in-ps", output);
        Assert.DoesNotContain("password-in-ps", output);
    }

    [Fact]
    public async Task Insecure_remoting_is_off_unless_said_and_the_tls_mode_is_read()
    {
        Assert.Equal(new RemotingSecurityOptions(), (await ParseAsync()).Remoting);
        var said = (await ParseAsync("--insecure-remoting", "--remoting-tls", "off")).Remoting;
        Assert.True(said.Insecure);
        Assert.Equal(RemotingTlsMode.Off, said.Tls);
        Assert.False((await ParseAsync("--insecure-remoting", "false")).Remoting.Insecure);
    }

    private static async Task<NodeOptions> ParseAsync(params string[] args)
    {
        NodeOptions? captured = null;
        var code = await NodeCommandLine.Create((options, _, _) =>
        {
            captured = options;
            return Task.FromResult(0);
        }).Parse(args).InvokeAsync();
        Assert.Equal(0, code);
        return captured!;
    }

    [Fact]
    public async Task Secrets_come_from_files_and_the_environment_without_a_warning()
    {
        var tokenFile = Path.Combine(_dir.Path, "cmd-token");
        await File.WriteAllTextAsync(tokenFile, "from-a-file\n");
        var passwordFile = Path.Combine(_dir.Path, "db-password");
        await File.WriteAllTextAsync(passwordFile, "p;a=s's\"\n");
        NodeOptions? captured = null;
        var code = await NodeCommandLine.Create((options, _, _) =>
        {
            captured = options;
            return Task.FromResult(0);
        }).Parse(["--cmd-token-file", tokenFile, "--db", "Host=db;Username=spool", "--db-password-file", passwordFile]).InvokeAsync();

        Assert.Equal(0, code);
        Assert.Equal("from-a-file", captured!.CommandToken);
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(captured.Database);
        Assert.Equal("p;a=s's\"", builder.Password);
        Assert.Equal("db", builder.Host);
    }
}
