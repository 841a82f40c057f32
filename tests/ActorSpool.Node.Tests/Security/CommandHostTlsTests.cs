using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using ActorSpool.Contracts.Spoolctl;
using ActorSpool.Node.Security;
using ActorSpool.Node.Tests.EndToEnd;
using ActorSpool.Node.Tests.Management;
using ActorSpool.TestSupport;

namespace ActorSpool.Node.Tests.Security;

/// <summary>
/// The command host on an address other machines reach (0.0.0.0, reached here through 127.0.0.1): it needs a
/// token, speaks TLS only with a certificate made on first start in the data directory, and spoolctl pins that
/// certificate on first use and refuses a changed one.
/// </summary>
public sealed class CommandHostTlsTests : IDisposable
{
    private const string Token = "tls-test-token";
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task On_all_addresses_the_command_host_speaks_TLS_and_spoolctl_pins_its_certificate_on_first_use()
    {
        if (OperatingSystem.IsWindows()) return;
        await using var printer = await Printers.SimulatorAsync("lj-1");
        var printers = Printers.WriteFile(_dir.Path, [printer], "  office { printers = [lj-1] }");
        var data = Path.Combine(_dir.Path, "data");
        await using var node = await NodeProcess.StartAsync(data, printers, extraArgs: ["--cmd-host", "0.0.0.0"],
            environment: new Dictionary<string, string> { ["ACTORSPOOL_CMD_TOKEN"] = Token });
        var port = await node.WaitForCommandPortAsync();
        await node.WaitForReadyAsync();

        // Made on first start, private to the node's user; its fingerprint is in the node's log.
        var certificateFile = Path.Combine(data, ControlPlane.CommandHostCertificateFile);
        var keyFile = Path.Combine(data, ControlPlane.CommandHostKeyFile);
        foreach (var file in new[] { certificateFile, keyFile })
        {
            Assert.True(File.GetUnixFileMode(file) == (UnixFileMode.UserRead | UnixFileMode.UserWrite), $"{file} is {File.GetUnixFileMode(file)}");
        }
        using var certificate = X509CertificateLoader.LoadCertificateFromFile(certificateFile);
        var fingerprint = CertificateFingerprint.Sha256(certificate);
        Assert.Contains($"certificate SHA-256 {fingerprint}", node.ReadLog());

        // A plain-text client is told to use TLS and nothing it asked runs.
        using (var plain = new TcpClient())
        {
            await plain.ConnectAsync("127.0.0.1", port);
            var stream = plain.GetStream();
            await stream.WriteAsync(Encoding.UTF8.GetBytes("""{"op":"run","palette":"queue","verb":"pause","args":{"queue":["office"]},"token":"tls-test-token"}""" + "\n"));
            using var reader = new StreamReader(stream);
            var answer = await reader.ReadLineAsync();
            Assert.Contains("\"kind\":\"tls-required\"", answer);
            Assert.Null(await reader.ReadLineAsync()); // and the node closed the connection
        }

        var knownNodes = Path.Combine(_dir.Path, "config", "known_nodes");
        var environment = new Dictionary<string, string> { [KnownNodesVariable] = knownNodes, ["SPOOLCTL_TOKEN"] = Token };
        var endpoint = $"127.0.0.1:{port}";

        var first = await SpoolctlProcess.RunAsync([endpoint, "queue", "show", "-q", "office", "--json"], environment: environment);
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("\"paused\": false", first.Output);
        Assert.Contains($"pinned the certificate of the command host at {endpoint} (SHA-256 {fingerprint}) in {knownNodes}", first.Error);
        Assert.Equal($"{endpoint} {fingerprint}\n", await File.ReadAllTextAsync(knownNodes));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(knownNodes));

        // Pinned: the token travels over TLS, commands that change state run, and nothing is pinned twice.
        var pause = await SpoolctlProcess.RunAsync([endpoint, "queue", "pause", "-q", "office"], environment: environment);
        Assert.True(pause.ExitCode == 0, pause.ToString());
        Assert.DoesNotContain("pinned", pause.Error);
        var show = await SpoolctlProcess.RunAsync([endpoint, "queue", "show", "-q", "office", "--json"], environment: environment);
        Assert.Contains("\"paused\": true", show.Output);
        Assert.Single((await File.ReadAllTextAsync(knownNodes)).Split('\n', StringSplitOptions.RemoveEmptyEntries));

        // Another certificate than the pinned one (as a machine in between would present): refused, the line to remove named.
        var other = CertificateFingerprint.Sha256(SelfSignedCertificate.Create("127.0.0.1"));
        await File.WriteAllTextAsync(knownNodes, $"# spoolctl\n{endpoint} {other}\n");
        var refused = await SpoolctlProcess.RunAsync([endpoint, "queue", "resume", "-q", "office"], environment: environment);
        Assert.Equal(ExitCodes.Unreachable, refused.ExitCode);
        var message = Assert.Single(refused.Error.Trim().Split('\n'));
        Assert.Contains($"presented a certificate other than the one pinned for it (SHA-256 {fingerprint}, pinned {other})", message);
        Assert.Contains($"remove line 2 of {knownNodes}", message);
        var still = await SpoolctlProcess.RunAsync([endpoint, "queue", "show", "-q", "office", "--json"],
            environment: new Dictionary<string, string> { [KnownNodesVariable] = Path.Combine(_dir.Path, "fresh_known_nodes") });
        Assert.Contains("\"paused\": true", still.Output); // the resume never reached the node
    }

    [Fact]
    public async Task Without_a_token_the_command_host_does_not_start_on_all_addresses()
    {
        var data = Path.Combine(_dir.Path, "data");
        var (code, output) = await NodeProcess.RunToExitAsync(
            ["--data", data, "--ipp-port", "0", "--http-port", "0", "--node-port", "0", "--cmd-port", "0", "--cmd-host", "0.0.0.0"]);

        Assert.Equal(2, code);
        Assert.Contains("actorspool: the command host would listen on 0.0.0.0 (--cmd-host), which other machines reach, without a token", output);
        Assert.DoesNotContain("   at ", output);
        Assert.False(File.Exists(Path.Combine(data, ControlPlane.CommandHostKeyFile)));
    }

    private const string KnownNodesVariable = "ACTORSPOOL_KNOWN_NODES";
}
