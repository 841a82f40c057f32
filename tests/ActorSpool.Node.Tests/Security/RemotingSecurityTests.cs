using ActorSpool.Node.Hosting;
using ActorSpool.Node.Security;
using ActorSpool.TestSupport;

namespace ActorSpool.Node.Tests.Security;

/// <summary>When Akka remoting uses TLS, and when a node refuses to start (docs/security.md).</summary>
public sealed class RemotingSecurityTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string ClusterCertificate()
    {
        var path = Path.Combine(_dir.Path, "cluster.crt");
        SelfSignedCertificate.Write(SelfSignedCertificate.Create("actorspool-cluster"), path, path + ".key");
        return path;
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("localhost")]
    [InlineData("::1")]
    public void On_loopback_auto_means_plain_remoting_without_a_word(string hostname)
    {
        Assert.Null(RemotingSecurity.Resolve(new RemotingSecurityOptions(), hostname, out var warning));
        Assert.Null(warning);
    }

    [Theory]
    [InlineData("10.0.0.7")]
    [InlineData("0.0.0.0")]
    [InlineData("node1")]
    public void Off_loopback_auto_means_TLS_and_without_the_certificate_no_start(string hostname)
    {
        var e = Assert.Throws<StartupException>(() => RemotingSecurity.Resolve(new RemotingSecurityOptions(), hostname, out _));
        Assert.Contains("needs TLS", e.Message);

        var path = ClusterCertificate();
        using var certificate = RemotingSecurity.Resolve(new RemotingSecurityOptions { Certificate = path, Key = path + ".key" }, hostname, out var warning);
        Assert.NotNull(certificate);
        Assert.True(certificate.HasPrivateKey);
        Assert.Null(warning);
    }

    [Fact]
    public void Insecure_remoting_is_allowed_when_said_and_warned_about()
    {
        Assert.Null(RemotingSecurity.Resolve(new RemotingSecurityOptions { Insecure = true }, "node1", out var warning));
        Assert.Contains("neither encrypted nor authenticated", warning);
        Assert.Null(RemotingSecurity.Resolve(new RemotingSecurityOptions { Insecure = true, Tls = RemotingTlsMode.Off }, "node1", out warning));
        Assert.NotNull(warning);
        Assert.Throws<StartupException>(() => RemotingSecurity.Resolve(new RemotingSecurityOptions { Tls = RemotingTlsMode.Off }, "node1", out _));
    }

    [Fact]
    public void Tls_on_over_loopback_needs_the_certificate_too()
    {
        Assert.Throws<StartupException>(() => RemotingSecurity.Resolve(new RemotingSecurityOptions { Tls = RemotingTlsMode.On, Insecure = true }, "127.0.0.1", out _));
        var path = ClusterCertificate();
        Assert.NotNull(RemotingSecurity.Resolve(new RemotingSecurityOptions { Tls = RemotingTlsMode.On, Certificate = path, Key = path + ".key" }, "127.0.0.1", out _));
    }

    [Fact]
    public void A_certificate_without_its_key_or_unreadable_stops_the_start_with_the_file_named()
    {
        var path = ClusterCertificate();
        var e = Assert.Throws<StartupException>(() => RemotingSecurity.Load(new RemotingSecurityOptions { Certificate = path }));
        Assert.Contains($"cannot read the cluster certificate {path}", e.Message);
        e = Assert.Throws<StartupException>(() => RemotingSecurity.Load(new RemotingSecurityOptions { Certificate = Path.Combine(_dir.Path, "missing.pfx") }));
        Assert.Contains("missing.pfx", e.Message);
    }
}
