using ActorSpool.Node.Ingress.Ipp;
using ActorSpool.Node.Security;

namespace ActorSpool.Node.Tests.Ingress.Ipp;

/// <summary>uri-security-supported and uri-authentication-supported say how the URI a client used works (RFC 8011 §5.4.2-5.4.3).</summary>
public sealed class IppPublicAddressTests
{
    [Fact]
    public void Without_required_logins_the_user_is_requesting_user_name_over_tls_or_not()
    {
        Assert.Equal(new IppUriOffer("ipp", "none", "requesting-user-name"), IppPublicAddress.OfferFor(overTls: false, null));
        Assert.Equal(new IppUriOffer("ipps", "tls", "requesting-user-name"), IppPublicAddress.OfferFor(overTls: true, new SecuritySettings { UsersFile = "users" }));
    }

    [Fact]
    public void Required_logins_with_a_users_file_say_basic()
    {
        var security = new SecuritySettings { UsersFile = "users", RequireAuthentication = true };

        Assert.Equal(new IppUriOffer("ipps", "tls", "basic"), IppPublicAddress.OfferFor(overTls: true, security));
        Assert.Equal(new IppUriOffer("ipp", "none", "basic"), IppPublicAddress.OfferFor(overTls: false, security));
    }

    [Theory]
    [InlineData("print.example", "print.example")]
    [InlineData("10.0.0.7", "10.0.0.7")]
    [InlineData("fd00::7", "[fd00::7]")]
    public void Hosts_are_written_as_uris_need_them(string host, string expected) => Assert.Equal(expected, IppPublicAddress.UriHost(host));
}
