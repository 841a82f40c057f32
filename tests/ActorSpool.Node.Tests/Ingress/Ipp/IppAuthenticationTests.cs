using System.Net;
using System.Net.Http.Headers;
using System.Text;
using ActorSpool.Node.Ingress.Ipp;
using ActorSpool.Node.Security;
using ActorSpool.Node.Tests.Security;
using ActorSpool.Protocols.Ipp;
using ActorSpool.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using static ActorSpool.Node.Tests.Ingress.Ipp.IppTestSupport;

namespace ActorSpool.Node.Tests.Ingress.Ipp;

/// <summary>HTTP Basic on the IPP endpoints: a 401 challenge for bad or missing credentials, the logged-in name as owner.</summary>
public sealed class IppAuthenticationTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private IppTestServer _server = null!;
    private HttpClient _client = null!;

    public Task InitializeAsync() => Task.CompletedTask;

    private async Task StartAsync(bool requireAuthentication)
    {
        var users = Path.Combine(_dir.Path, "users");
        Htpasswd.Add(users, "alice", "alice-pw", "-B", "-C", "4");
        Htpasswd.Add(users, "root", "root-pw", "-B", "-C", "4");
        var settings = new SecuritySettings
        {
            UsersFile = users, AllowBasicWithoutTls = true, RequireAuthentication = requireAuthentication,
            Admins = new HashSet<string> { "root" },
        };
        _server = await IppTestServer.StartAsync(services: s => s.AddSingleton(new Authenticator(settings, UsersFile.Load(users, NullLogger.Instance),
            new LoginThrottle(settings.LoginFailures, settings.LoginWindow, TimeProvider.System), NullLogger<Authenticator>.Instance)));
        _client = new HttpClient { BaseAddress = _server.BaseAddress };
    }

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        if (_server is not null) await _server.DisposeAsync();
        _dir.Dispose();
    }

    private async Task<HttpResponseMessage> PostAsync(IppMessage request, string? user = null, string? password = null)
    {
        var content = new ByteArrayContent(Encode(request, TextDocument));
        content.Headers.ContentType = new MediaTypeHeaderValue(IppEndpoints.ContentType);
        using var message = new HttpRequestMessage(HttpMethod.Post, "/printers/office") { Content = content };
        if (user is not null) message.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        return await _client.SendAsync(message);
    }

    [Fact]
    public async Task Pause_printer_without_credentials_gets_the_challenge_and_a_logged_in_admin_pauses()
    {
        await StartAsync(requireAuthentication: false);
        var pause = Request(IppOperation.PausePrinter, _server.PrinterUri());

        using (var anonymous = await PostAsync(pause))
        {
            // What CUPS answers, so lp, lpadmin and ipptool ask for a password and send the request again.
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.Equal("Basic", Assert.Single(anonymous.Headers.WwwAuthenticate).Scheme);
        }
        using (var user = await PostAsync(pause, "alice", "alice-pw"))
        {
            IppParser.Parse(await user.Content.ReadAsByteArrayAsync(), out _).AssertStatus(IppStatusCode.ClientErrorNotAuthorized);
        }
        Assert.Empty(_server.Gateway.PausedQueues);

        using var admin = await PostAsync(pause, "root", "root-pw");

        IppParser.Parse(await admin.Content.ReadAsByteArrayAsync(), out _).AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.Equal(["office"], _server.Gateway.PausedQueues);
    }

    [Fact]
    public async Task A_wrong_password_gets_a_basic_challenge_and_stores_nothing()
    {
        await StartAsync(requireAuthentication: false);

        using var http = await PostAsync(PrintJob(printerUri: _server.PrinterUri()), "alice", "wrong");

        Assert.Equal(HttpStatusCode.Unauthorized, http.StatusCode);
        Assert.Equal("Basic", Assert.Single(http.Headers.WwwAuthenticate).Scheme);
        Assert.Empty(_server.Gateway.Submitted);
    }

    [Fact]
    public async Task A_logged_in_user_owns_the_job_whatever_requesting_user_name_says()
    {
        await StartAsync(requireAuthentication: false);

        using var http = await PostAsync(PrintJob(user: "mallory", printerUri: _server.PrinterUri()), "alice", "alice-pw");

        IppParser.Parse(await http.Content.ReadAsByteArrayAsync(), out _).AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.Equal("alice", Assert.Single(_server.Gateway.Submitted).Owner);
    }

    [Fact]
    public async Task Without_credentials_the_owner_is_requesting_user_name_unless_authentication_is_required()
    {
        await StartAsync(requireAuthentication: false);
        using (var anonymous = await PostAsync(PrintJob(user: "bob", printerUri: _server.PrinterUri())))
        {
            IppParser.Parse(await anonymous.Content.ReadAsByteArrayAsync(), out _).AssertStatus(IppStatusCode.SuccessfulOk);
        }
        Assert.Equal("bob", Assert.Single(_server.Gateway.Submitted).Owner);

        await _server.DisposeAsync();
        _client.Dispose();
        await StartAsync(requireAuthentication: true);
        using var refused = await PostAsync(PrintJob(user: "bob", printerUri: _server.PrinterUri()));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Empty(_server.Gateway.Submitted);
    }
}
