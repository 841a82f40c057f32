using System.Text;
using ActorSpool.Node.Security;
using ActorSpool.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace ActorSpool.Node.Tests.Security;

public sealed class AuthenticatorTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 12, 5, 10, 0, 0, TimeSpan.Zero));

    public void Dispose() => _dir.Dispose();

    private Authenticator Create(SecuritySettings? settings = null, bool withUsers = true)
    {
        settings ??= new SecuritySettings { AllowBasicWithoutTls = true, Admins = new HashSet<string> { "root" }, LoginFailures = 3 };
        UsersFile? users = null;
        if (withUsers)
        {
            var file = Path.Combine(_dir.Path, "users");
            if (!File.Exists(file))
            {
                Htpasswd.Add(file, "alice", "alice-pw", "-B", "-C", "4");
                Htpasswd.Add(file, "root", "root-pw", "-B", "-C", "4");
            }
            users = UsersFile.Load(file, NullLogger.Instance);
        }
        return new Authenticator(settings, users, new LoginThrottle(settings.LoginFailures, settings.LoginWindow, _clock), NullLogger<Authenticator>.Instance);
    }

    private static string Basic(string user, string password) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));

    [Fact]
    public void Without_credentials_a_client_is_anonymous_and_never_an_admin()
    {
        var auth = Create();
        var result = auth.Authenticate(null, "10.0.0.1", overTls: false);
        Assert.Equal(AuthenticationStatus.Anonymous, result.Status);
        Assert.False(auth.IsAdmin(result));
    }

    [Fact]
    public void Right_credentials_authenticate_and_admins_are_the_configured_names()
    {
        var auth = Create();
        var alice = auth.Authenticate(Basic("alice", "alice-pw"), "10.0.0.1", overTls: false);
        var root = auth.Authenticate(Basic("root", "root-pw"), "10.0.0.1", overTls: false);

        Assert.Equal(new AuthenticationResult(AuthenticationStatus.Authenticated, "alice"), alice);
        Assert.False(auth.IsAdmin(alice));
        Assert.True(auth.IsAdmin(root));
    }

    [Theory]
    [InlineData("Basic !!!not-base64")]
    [InlineData("Bearer abc")]
    [InlineData("Basic YWxpY2U=")] // "alice" without a colon
    public void A_malformed_header_is_bad_credentials(string header)
    {
        Assert.Equal(AuthenticationStatus.BadCredentials, Create().Authenticate(header, "10.0.0.1", overTls: false).Status);
    }

    [Fact]
    public void Basic_over_plain_ipp_is_refused_unless_allowed()
    {
        var auth = Create(new SecuritySettings());
        Assert.Equal(AuthenticationStatus.TlsRequired, auth.Authenticate(Basic("alice", "alice-pw"), "10.0.0.1", overTls: false).Status);
        Assert.Equal(AuthenticationStatus.Authenticated, auth.Authenticate(Basic("alice", "alice-pw"), "10.0.0.1", overTls: true).Status);
    }

    [Fact]
    public void Credentials_without_a_users_file_are_refused()
    {
        var auth = Create(withUsers: false);
        Assert.Equal(AuthenticationStatus.NotConfigured, auth.Authenticate(Basic("alice", "alice-pw"), "10.0.0.1", overTls: true).Status);
    }

    [Fact]
    public void Repeated_failures_block_the_address_and_the_name_even_with_the_right_password_until_the_window_passes()
    {
        var auth = Create();
        for (var i = 0; i < 3; i++) Assert.Equal(AuthenticationStatus.BadCredentials, auth.Authenticate(Basic("alice", "guess" + i), "10.0.0.9", false).Status);

        Assert.Equal(AuthenticationStatus.Throttled, auth.Authenticate(Basic("alice", "alice-pw"), "10.0.0.9", false).Status);
        // The name is blocked from another address too; another user from another address is not.
        Assert.Equal(AuthenticationStatus.Throttled, auth.Authenticate(Basic("alice", "alice-pw"), "10.0.0.10", false).Status);
        Assert.Equal(AuthenticationStatus.Authenticated, auth.Authenticate(Basic("root", "root-pw"), "10.0.0.10", false).Status);

        _clock.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        Assert.Equal(AuthenticationStatus.Authenticated, auth.Authenticate(Basic("alice", "alice-pw"), "10.0.0.9", false).Status);
    }

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        private DateTimeOffset _now = now;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
