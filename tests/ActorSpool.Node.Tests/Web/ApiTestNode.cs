using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using ActorSpool.Node.Tests.EndToEnd;
using ActorSpool.Node.Tests.Security;
using ActorSpool.Node.Web.Login;
using ActorSpool.Simulators;
using ActorSpool.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace ActorSpool.Node.Tests.Web;

/// <summary>
/// One real node for a test class (xunit class fixture): printer <c>p1</c> (a simulator), <c>dead</c> (a closed
/// port), queues office, lab (both on p1), stopped (on dead) and spare; users alice, bob and root (admin).
/// </summary>
public class ApiTestNode : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();

    public AppSocketPrinterSimulator Printer { get; private set; } = null!;
    public InProcessNode Node { get; private set; } = null!;
    public string DataDirectory => _dir.Path;

    /// <summary>Settings over config/actorspool.conf for this fixture (a subclass may add some).</summary>
    protected virtual string Hocon => "actorspool.security.allow-basic-without-tls = on";

    public async Task InitializeAsync()
    {
        Printer = await Printers.SimulatorAsync("p1");
        var users = Path.Combine(_dir.Path, "users");
        Htpasswd.Add(users, "alice", "alice-pw", "-B", "-C", "4");
        Htpasswd.Add(users, "bob", "bob-pw", "-B", "-C", "4");
        Htpasswd.Add(users, "root", "root-pw", "-B", "-C", "4");
        var printersFile = Path.Combine(_dir.Path, "printers.conf");
        await File.WriteAllTextAsync(printersFile, $$"""
            actorspool.printers {
              p1 { uri = "socket://127.0.0.1:{{Printer.Port}}" }
              dead { uri = "socket://127.0.0.1:{{FreePort.Next()}}" }
            }
            actorspool.queues {
              office { printers = [p1] }
              lab { printers = [p1] }
              stopped { printers = [dead] }
              spare { printers = [p1] }
            }
            """);
        var options = InProcessNode.Options(_dir.Path, printersFile) with { UsersFile = users, Admins = ["root"] };
        Node = await InProcessNode.StartAsync(options, Hocon);
        // The API answers once the queues do; wait for that rather than for a guessed time.
        // A token minted with the node's own key: it works whatever the fixture's TLS and login rules are.
        using var client = Client();
        var token = Node.Services.GetRequiredService<WebTokens>().Issue(TokenKind.Bearer, "root", DateTimeOffset.UtcNow.AddHours(1));
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        await Eventually.WaitUntilAsync(async () => (await client.GetAsync("/api/v1/queues")).IsSuccessStatusCode, "the queues answer over the API", TimeSpan.FromSeconds(120));
    }

    public async Task DisposeAsync()
    {
        if (Node is not null) await Node.DisposeAsync();
        if (Printer is not null) await Printer.DisposeAsync();
        _dir.Dispose();
    }

    public HttpClient Client(string? user = null, string? password = null)
    {
        var client = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{Node.HttpPort}"),
            Timeout = TimeSpan.FromSeconds(90),
        };
        if (user is not null) client.DefaultRequestHeaders.Authorization = Basic(user, password ?? $"{user}-pw");
        return client;
    }

    public static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    /// <summary>Submits a text job through the API as <paramref name="user"/>; answers its id.</summary>
    public async Task<long> SubmitAsync(string queue, string user, string text = "hello", string name = "test")
    {
        using var client = Client(user);
        using var content = new StringContent(text, Encoding.UTF8, "text/plain");
        using var response = await client.PostAsync($"/api/v1/queues/{queue}/jobs?name={Uri.EscapeDataString(name)}", content);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, body);
        return (long)JsonNode.Parse(body)!["id"]!;
    }

    public static async Task<JsonNode> JsonAsync(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync()) ?? throw new InvalidOperationException("empty body");

    public static async Task<JsonNode> GetJsonAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!;
    }

    /// <summary>Asserts an RFC 9457 problem with <paramref name="status"/>; answers its body.</summary>
    public static async Task<JsonNode> AssertProblemAsync(HttpResponseMessage response, int status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(body)!;
        Assert.Equal(status, (int)problem["status"]!);
        Assert.False(string.IsNullOrEmpty((string?)problem["title"]));
        Assert.False(string.IsNullOrEmpty((string?)problem["type"]));
        return problem;
    }
}
