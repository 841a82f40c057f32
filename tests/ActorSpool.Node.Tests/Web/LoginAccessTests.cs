using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using static ActorSpool.Node.Tests.Web.ApiTestNode;

namespace ActorSpool.Node.Tests.Web;

/// <summary>The web login over real HTTP: the form, its cookies, the CSRF double-submit check, /me, bearer tokens.</summary>
public sealed class LoginAccessTests(ApiTestNode fixture) : IClassFixture<ApiTestNode>
{
    private sealed record Session(string Cookie, string Csrf);

    private async Task<HttpResponseMessage> PostLoginAsync(string user, string password, string returnUrl = "/printers/office")
    {
        using var client = fixture.Client();
        return await client.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["user"] = user, ["password"] = password, ["returnUrl"] = returnUrl }));
    }

    private async Task<Session> LogInAsync(string user)
    {
        using var response = await PostLoginAsync(user, $"{user}-pw");
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        var cookies = response.Headers.GetValues("Set-Cookie").ToList();
        string Value(string name) => cookies.Single(c => c.StartsWith(name + "=", StringComparison.Ordinal)).Split(';')[0][(name.Length + 1)..];
        return new Session(Value("actorspool-session"), Value("actorspool-csrf"));
    }

    private HttpRequestMessage WithSession(HttpMethod method, string path, Session session, string? csrfHeader, string? csrfCookie = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("Cookie", $"actorspool-session={session.Cookie}; actorspool-csrf={csrfCookie ?? session.Csrf}");
        request.Headers.Add("X-Requested-With", "fetch");
        if (csrfHeader is not null) request.Headers.Add("X-CSRF-Token", csrfHeader);
        return request;
    }

    [Fact]
    public async Task The_login_page_is_a_labelled_form()
    {
        using var client = fixture.Client();
        var html = await client.GetStringAsync("/login?returnUrl=/printers/office");
        Assert.Contains("<form method=\"post\" action=\"/login\">", html);
        Assert.Contains("<label for=\"user\">", html);
        Assert.Contains("<label for=\"password\">", html);
        Assert.Contains("value=\"/printers/office\"", html);
        Assert.DoesNotContain("http://", html);
        Assert.DoesNotContain("https://", html);
    }

    [Fact]
    public async Task A_good_login_sets_both_cookies_and_redirects_to_the_local_return_url()
    {
        using var response = await PostLoginAsync("alice", "alice-pw");
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal("/printers/office", response.Headers.Location?.OriginalString);
        var cookies = response.Headers.GetValues("Set-Cookie").ToList();
        var session = cookies.Single(c => c.StartsWith("actorspool-session=", StringComparison.Ordinal)).ToLowerInvariant();
        var csrf = cookies.Single(c => c.StartsWith("actorspool-csrf=", StringComparison.Ordinal)).ToLowerInvariant();
        Assert.Contains("httponly", session);
        Assert.Contains("samesite=strict", session);
        Assert.DoesNotContain("httponly", csrf);
        Assert.Contains("samesite=strict", csrf);

        using var offsite = await PostLoginAsync("alice", "alice-pw", "//evil.example/");
        Assert.Equal("/", offsite.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task A_bad_login_redirects_to_the_failed_form_without_cookies()
    {
        using var response = await PostLoginAsync("alice", "wrong");
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.StartsWith("/login?failed=1", response.Headers.Location?.OriginalString);
        Assert.False(response.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task Me_tells_anonymous_visitors_users_and_admins_apart_and_hands_the_csrf_token_to_cookie_sessions()
    {
        using var anonymous = fixture.Client();
        var me = await GetJsonAsync(anonymous, "/api/v1/me");
        Assert.Null((string?)me["user"]);
        Assert.False((bool)me["authenticated"]!);
        Assert.False((bool)me["admin"]!);
        Assert.Null((string?)me["csrfToken"]);

        var admin = await GetJsonAsync(fixture.Client("root"), "/api/v1/me");
        Assert.Equal("root", (string?)admin["user"]);
        Assert.True((bool)admin["admin"]!);
        Assert.Null((string?)admin["csrfToken"]);

        var session = await LogInAsync("alice");
        using var client = fixture.Client();
        using var response = await client.SendAsync(WithSession(HttpMethod.Get, "/api/v1/me", session, null));
        var mine = await JsonAsync(response);
        Assert.Equal("alice", (string?)mine["user"]);
        Assert.False((bool)mine["admin"]!);
        Assert.Equal(session.Csrf, (string?)mine["csrfToken"]);
    }

    [Fact]
    public async Task Cookie_changes_need_the_csrf_token_in_header_and_cookie()
    {
        var session = await LogInAsync("root");
        using var client = fixture.Client();

        using (var missing = await client.SendAsync(WithSession(HttpMethod.Post, "/api/v1/queues/spare/pause", session, null)))
        {
            var problem = await AssertProblemAsync(missing, 403);
            Assert.Equal("CSRF token missing or wrong", (string?)problem["detail"]);
        }
        using (var wrong = await client.SendAsync(WithSession(HttpMethod.Post, "/api/v1/queues/spare/pause", session, "forged")))
        {
            await AssertProblemAsync(wrong, 403);
        }
        using (var planted = await client.SendAsync(WithSession(HttpMethod.Post, "/api/v1/queues/spare/pause", session, "planted", csrfCookie: "planted")))
        {
            await AssertProblemAsync(planted, 403);
        }
        using (var paused = await client.SendAsync(WithSession(HttpMethod.Post, "/api/v1/queues/spare/pause", session, session.Csrf)))
        {
            Assert.True((bool)(await JsonAsync(paused))["paused"]!);
        }
        using (var resumed = await client.SendAsync(WithSession(HttpMethod.Post, "/api/v1/queues/spare/resume", session, session.Csrf)))
        {
            Assert.False((bool)(await JsonAsync(resumed))["paused"]!);
        }
        using (var logoutWithout = await client.SendAsync(WithSession(HttpMethod.Post, "/logout", session, null)))
        {
            await AssertProblemAsync(logoutWithout, 403);
        }
        using var logout = await client.SendAsync(WithSession(HttpMethod.Post, "/logout", session, session.Csrf));
        Assert.Equal(HttpStatusCode.SeeOther, logout.StatusCode);
        Assert.Contains(logout.Headers.GetValues("Set-Cookie"), c => c.StartsWith("actorspool-session=;", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_console_fetch_without_login_gets_401_without_a_basic_challenge()
    {
        using var client = fixture.Client();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/queues/spare/pause");
        request.Headers.Add("X-Requested-With", "fetch");
        using var response = await client.SendAsync(request);
        await AssertProblemAsync(response, 401);
        Assert.Empty(response.Headers.WwwAuthenticate);
    }

    [Fact]
    public async Task A_bearer_token_from_basic_credentials_authenticates_and_forged_or_foreign_ones_are_refused()
    {
        using var basic = fixture.Client("root");
        using var issued = await basic.PostAsync("/api/v1/tokens", null);
        var answer = await JsonAsync(issued);
        var token = (string)answer["token"]!;
        var expires = DateTimeOffset.Parse((string)answer["expiresAt"]!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(expires, DateTimeOffset.UtcNow.AddHours(11), DateTimeOffset.UtcNow.AddHours(13));

        using var bearer = fixture.Client();
        bearer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Assert.Equal("root", (string?)(await GetJsonAsync(bearer, "/api/v1/me"))["user"]);
        using (var paused = await bearer.PostAsync("/api/v1/queues/spare/pause", null)) Assert.True((bool)(await JsonAsync(paused))["paused"]!);
        using (var resumed = await bearer.PostAsync("/api/v1/queues/spare/resume", null)) resumed.EnsureSuccessStatusCode();
        using (var renew = await bearer.PostAsync("/api/v1/tokens", null)) await AssertProblemAsync(renew, 403);

        var forged = token[..^2] + (token[^2] == 'A' ? "BB" : "AA");
        using var forger = fixture.Client();
        forger.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", forged);
        using (var refused = await forger.GetAsync("/api/v1/queues")) await AssertProblemAsync(refused, 401);

        // A token signed with another key (another cluster's, or from before the key file was replaced).
        var foreign = new ActorSpool.Node.Web.Login.WebTokens(new byte[32]).Issue(ActorSpool.Node.Web.Login.TokenKind.Bearer, "root", DateTimeOffset.UtcNow.AddHours(1));
        forger.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", foreign);
        using (var refused = await forger.PostAsync("/api/v1/queues/spare/pause", null)) await AssertProblemAsync(refused, 401);

        using var anonymous = await fixture.Client().PostAsync("/api/v1/tokens", null);
        await AssertProblemAsync(anonymous, 401);
    }

    [Fact]
    public void The_session_key_file_is_made_readable_by_the_node_user_only()
    {
        var file = Path.Combine(fixture.DataDirectory, "web-session.key");
        Assert.Equal(32, new FileInfo(file).Length);
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
    }
}
