using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using ActorSpool.Node.Tests.EndToEnd;
using ActorSpool.Node.Tests.Security;
using ActorSpool.TestSupport;

namespace ActorSpool.Node.Tests.Web;

/// <summary>Who may read the live API: the log only admins; everything only logged-in users when authentication is required.</summary>
public sealed class AccessLiveTests
{
    private static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    private static async Task<HttpResponseMessage> GetAsync(HttpClient http, string url, AuthenticationHeaderValue? auth = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = auth;
        return await http.SendAsync(request);
    }

    [Fact]
    public async Task Logs_are_for_admins_only_and_every_read_needs_a_login_when_authentication_is_required()
    {
        using var data = new TempDirectory();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        var users = Path.Combine(data.Path, "users");
        Htpasswd.Add(users, "alice", "alice-pw", "-B", "-C", "5");
        Htpasswd.Add(users, "root", "root-pw", "-B", "-C", "5");
        await using var printer = await Printers.SimulatorAsync("p1");
        var options = InProcessNode.Options(data.Path, Printers.WriteFile(data.Path, [printer], "  office { printers = [p1] }")) with
        {
            UsersFile = users,
            Admins = ["root"],
        };
        await using var node = await InProcessNode.StartAsync(options,
            "actorspool.security { allow-basic-without-tls = on, require-authentication = on }");
        var api = $"http://127.0.0.1:{node.HttpPort}/api/v1";
        var alice = Basic("alice", "alice-pw");
        var root = Basic("root", "root-pw");

        foreach (var path in new[] { "/logs", "/logs/stream", "/events", "/stats", "/nodes", "/printers/p1/history" })
        {
            var anonymous = await GetAsync(http, api + path);
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.Equal("application/problem+json", anonymous.Content.Headers.ContentType?.MediaType);
        }
        Assert.Equal(HttpStatusCode.Forbidden, (await GetAsync(http, $"{api}/logs", alice)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await GetAsync(http, $"{api}/logs/stream", alice)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(http, $"{api}/nodes", alice)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await GetAsync(http, $"{api}/logs?lines=lots", root)).StatusCode);

        var lines = await (await GetAsync(http, $"{api}/logs?lines=5", root)).Content.ReadFromJsonAsync<JsonArray>();
        Assert.Equal(5, lines!.Count);
        Assert.All(lines, l => Assert.False(string.IsNullOrEmpty((string?)l!["message"])));
        Assert.Contains(lines, l => (string)l!["level"]! is "information" or "warning");

        Assert.Equal(HttpStatusCode.BadRequest, (await GetAsync(http, $"{api}/logs/stream?lines=-1", root)).StatusCode);

        // The stream: the asked backlog, "ready", then new lines; a failed login is logged as a warning, which an admin following the log sees.
        await using var tail = await SseClient.ConnectAsync($"{api}/logs/stream?lines=3", r => r.Headers.Authorization = root);
        Assert.Equal(HttpStatusCode.OK, tail.Response.StatusCode);
        await tail.WaitForAsync("ready", _ => true, "the end of the backlog");
        Assert.Equal(["log", "log", "log", "ready"], tail.Seen.Take(4).Select(e => e.Type));
        await GetAsync(http, $"{api}/nodes", Basic("mallory", "guess"));
        var warning = await tail.WaitForAsync("log", l => ((string)l["message"]!).Contains("mallory", StringComparison.Ordinal), "the failed login in the log");
        Assert.Equal("warning", (string)warning.Json["level"]!);
    }
}
