using System.Net;
using System.Net.Http.Headers;
using static ActorSpool.Node.Tests.Web.ApiTestNode;

namespace ActorSpool.Node.Tests.Web;

/// <summary>A node with the default allow-basic-without-tls = off.</summary>
public sealed class TlsOnlyLoginNode : ApiTestNode
{
    protected override string Hocon => "actorspool.security.allow-basic-without-tls = off";
}

/// <summary>The HTTP port speaks TLS too; without it passwords are refused (Basic and the form alike) when the settings say so.</summary>
public sealed class TlsLoginAccessTests(TlsOnlyLoginNode fixture) : IClassFixture<TlsOnlyLoginNode>
{
    private HttpClient Https() => new(new HttpClientHandler
    {
        UseCookies = false,
        AllowAutoRedirect = false,
        // The node's self-signed certificate; the IPP TLS tests check the certificate itself.
        ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator,
    })
    {
        BaseAddress = new Uri($"https://127.0.0.1:{fixture.Node.HttpPort}"),
    };

    [Fact]
    public async Task Basic_over_plain_http_is_refused_and_over_https_on_the_same_port_accepted()
    {
        using var plain = fixture.Client("alice");
        using (var refused = await plain.GetAsync("/api/v1/me"))
        {
            var problem = await AssertProblemAsync(refused, 401);
            Assert.Contains("allow-basic-without-tls", (string)problem["detail"]!);
        }

        using var https = Https();
        https.DefaultRequestHeaders.Authorization = Basic("alice", "alice-pw");
        var me = await GetJsonAsync(https, "/api/v1/me");
        Assert.Equal("alice", (string?)me["user"]);
    }

    [Fact]
    public async Task The_form_login_is_refused_over_plain_http_and_sets_secure_cookies_over_https()
    {
        var form = new Dictionary<string, string> { ["user"] = "alice", ["password"] = "alice-pw", ["returnUrl"] = "/" };
        using (var plain = await fixture.Client().PostAsync("/login", new FormUrlEncodedContent(form)))
        {
            Assert.Equal(HttpStatusCode.SeeOther, plain.StatusCode);
            Assert.StartsWith("/login?failed=1", plain.Headers.Location?.OriginalString);
        }
        using var https = Https();
        using var response = await https.PostAsync("/login", new FormUrlEncodedContent(form));
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.All(response.Headers.GetValues("Set-Cookie"), cookie => Assert.Contains("secure", cookie.ToLowerInvariant()));
    }
}
