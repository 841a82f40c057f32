using System.Security.Cryptography.X509Certificates;
using ActorSpool.Node.Security;
using ActorSpool.TestSupport;

namespace ActorSpool.Node.Tests.Security;

/// <summary>A node's own certificate: made once, kept, private.</summary>
public sealed class SelfSignedCertificateTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void It_is_made_on_first_use_for_the_hostname_and_read_back_unchanged_afterwards()
    {
        var certificate = Path.Combine(_dir.Path, "node.crt");
        var key = Path.Combine(_dir.Path, "node.key");
        using var made = SelfSignedCertificate.LoadOrCreate(certificate, key, "spool1.example", out var wasMade);
        Assert.True(wasMade);
        Assert.True(made.HasPrivateKey);
        Assert.Equal("CN=spool1.example", made.Subject);
        Assert.True(made.MatchesHostname("spool1.example"));
        Assert.True(made.MatchesHostname("localhost"));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(certificate));
        }

        using var again = SelfSignedCertificate.LoadOrCreate(certificate, key, "other-name", out wasMade);
        Assert.False(wasMade);
        Assert.Equal(made.Thumbprint, again.Thumbprint);
        Assert.True(again.HasPrivateKey);
    }

    [Fact]
    public void An_address_as_hostname_is_in_the_certificate_as_an_address()
    {
        using var made = SelfSignedCertificate.Create("10.1.2.3");
        Assert.True(made.MatchesHostname("10.1.2.3"));
        Assert.Contains(made.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>(),
            oid => oid.Value == "1.3.6.1.5.5.7.3.1");
    }

    [Fact]
    public void A_key_without_its_certificate_is_not_silently_replaced()
    {
        var certificate = Path.Combine(_dir.Path, "node.crt");
        var key = Path.Combine(_dir.Path, "node.key");
        SelfSignedCertificate.LoadOrCreate(certificate, key, "spool1", out _).Dispose();
        File.Delete(certificate);
        var e = Assert.Throws<IOException>(() => SelfSignedCertificate.LoadOrCreate(certificate, key, "spool1", out _));
        Assert.Contains("node.crt is missing", e.Message);
    }
}
