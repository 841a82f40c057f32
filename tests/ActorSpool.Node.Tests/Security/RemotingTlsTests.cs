using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using ActorSpool.Node.Hosting;
using ActorSpool.Node.Security;
using ActorSpool.Node.Tests.EndToEnd;
using ActorSpool.Node.Tests.Management;
using ActorSpool.TestSupport;

namespace ActorSpool.Node.Tests.Security;

/// <summary>
/// Akka remoting with mutual TLS (turned on explicitly here, over 127.0.0.1): every member presents the cluster
/// certificate and accepts only peers that present it too. A node with another certificate, or without TLS,
/// never becomes Up and the cluster keeps its members.
/// </summary>
public sealed class RemotingTlsTests : IDisposable
{
    private const string PfxPassword = "pfx-secret";
    private readonly TempDirectory _dir = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public void Dispose()
    {
        _http.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task Only_nodes_with_the_cluster_certificate_join_and_talk_to_the_cluster()
    {
        // The cluster certificate as PEM files (node a) and as PKCS#12 with a password from the environment (node b);
        // another certificate with the same name (node c).
        using var cluster = SelfSignedCertificate.Create("actorspool-cluster");
        var clusterPem = Path.Combine(_dir.Path, "cluster.crt");
        var clusterKey = Path.Combine(_dir.Path, "cluster.key");
        SelfSignedCertificate.Write(cluster, clusterPem, clusterKey);
        var clusterPfx = Path.Combine(_dir.Path, "cluster.pfx");
        await File.WriteAllBytesAsync(clusterPfx, cluster.Export(X509ContentType.Pkcs12, PfxPassword));
        using var other = SelfSignedCertificate.Create("actorspool-cluster");
        var otherPem = Path.Combine(_dir.Path, "other.crt");
        var otherKey = Path.Combine(_dir.Path, "other.key");
        SelfSignedCertificate.Write(other, otherPem, otherKey);

        await using var printer = await Printers.SimulatorAsync("lj-1");
        var printers = Printers.WriteFile(_dir.Path, [printer], "  office { printers = [lj-1] }");
        var seedPort = FreePort.Next();
        var seed = $"127.0.0.1:{seedPort}";
        Task<NodeProcess> Start(string name, int nodePort, IEnumerable<string> tls, Dictionary<string, string>? environment = null) =>
            NodeProcess.StartAsync(Path.Combine(_dir.Path, name), printers, timeout: TimeSpan.FromMinutes(3), environment: environment, extraArgs:
            [
                "--hostname", "127.0.0.1", "--node-port", nodePort.ToString(CultureInfo.InvariantCulture), "--seed", seed, "--workers", "1", .. tls,
            ]);

        await using var first = await Start("a", seedPort, ["--remoting-tls", "on", "--remoting-certificate", clusterPem, "--remoting-key", clusterKey]);
        await first.WaitForReadyAsync(TimeSpan.FromMinutes(3));
        Assert.Contains($"akka.ssl.tcp://actorspool@{seed} (mutual TLS, cluster certificate {cluster.Thumbprint})", first.ReadLog());

        // Connections that do not present the cluster certificate are refused during the handshake, before any Akka message.
        await HandshakeAsync(seedPort, other);
        await Eventually.WaitUntilAsync(() => first.ReadLog().Contains($"thumbprint '{other.Thumbprint}' not in allowed list", StringComparison.Ordinal),
            "the seed refusing a client certificate other than the cluster's", TimeSpan.FromMinutes(1));
        await HandshakeAsync(seedPort, clientCertificate: null);
        await Eventually.WaitUntilAsync(() => first.ReadLog().Contains("client did not provide a certificate", StringComparison.Ordinal),
            "the seed refusing a client without a certificate", TimeSpan.FromMinutes(1));

        // Nodes without TLS, or with another certificate, try to join and never become Up.
        await using var plain = await Start("d", FreePort.Next(), ["--remoting-tls", "off"]);
        // The impostor refuses the seed's certificate as the seed refuses its own; Akka.Remote then stops the node.
        var (impostorExit, impostorOutput) = await NodeProcess.RunToExitAsync(
        [
            "--data", Path.Combine(_dir.Path, "c"), "--printers", printers, "--ipp-port", "0", "--http-port", "0", "--cmd-port", "0",
            "--hostname", "127.0.0.1", "--node-port", "0", "--seed", seed, "--workers", "1",
            "--remoting-tls", "on", "--remoting-certificate", otherPem, "--remoting-key", otherKey,
        ], TimeSpan.FromMinutes(3));
        Assert.True(impostorExit == NodeHost.ExitRemotingTlsFailed, impostorOutput);
        Assert.Contains("TLS handshake failed", impostorOutput);
        Assert.DoesNotContain("Welcome from", impostorOutput);
        await Eventually.WaitUntilAsync(() => plain.ReadLog().Contains("Couldn't join seed nodes after", StringComparison.Ordinal),
            $"a failed join attempt in {plain.LogPath}", TimeSpan.FromMinutes(2));
        await AssertMembersAsync(first, 1);

        // The cluster certificate from a PKCS#12 file joins.
        await using var second = await Start("b", FreePort.Next(), ["--remoting-certificate", clusterPfx, "--remoting-tls", "on"],
            new Dictionary<string, string> { ["ACTORSPOOL_REMOTING_CERTIFICATE_PASSWORD"] = PfxPassword });
        await second.WaitForReadyAsync(TimeSpan.FromMinutes(3));
        await AssertMembersAsync(first, 2);
        // Still trying, or given up after akka.cluster.shutdown-after-unsuccessful-join-seed-nodes (exit code 3).
        if (!plain.HasExited) Assert.False(await IsReadyAsync(plain), $"{plain.LogPath} became Up");
        Assert.DoesNotContain("Welcome from", plain.ReadLog());
    }

    /// <summary>A TLS client that accepts any server and presents <paramref name="clientCertificate"/> (or none); the server ends it.</summary>
    private static async Task HandshakeAsync(int port, X509Certificate2? clientCertificate)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        await using var tls = new SslStream(tcp.GetStream());
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "actorspool-cluster",
                ClientCertificates = clientCertificate is null ? null : [clientCertificate],
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
            });
            var buffer = new byte[1];
            using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            Assert.Equal(0, await tls.ReadAsync(buffer, limit.Token)); // TLS 1.3: the server refuses the client's certificate after the client finished
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException)
        {
            // Refused during the handshake.
        }
    }

    private static async Task AssertMembersAsync(NodeProcess node, int count)
    {
        var run = await SpoolctlProcess.RunAsync($"127.0.0.1:{await node.WaitForCommandPortAsync()}", "cluster", "show");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"Count: {count} nodes", run.Output);
    }

    private async Task<bool> IsReadyAsync(NodeProcess node)
    {
        using var response = await _http.GetAsync($"http://127.0.0.1:{node.HttpPort}/health/ready");
        return response.IsSuccessStatusCode;
    }
}
