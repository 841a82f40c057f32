using System.Net;
using System.Text.RegularExpressions;
using ActorSpool.Node.Tests.Ingress.Ipp;
using ActorSpool.Node.Web.Console;

namespace ActorSpool.Node.Tests.Web.Console;

/// <summary>
/// The console's pages and assets over real HTTP (Kestrel on loopback, a fake spooler): what the server renders,
/// its headers, and that every script a page loads is served. The pages' behaviour in a browser is tested in
/// tests/ActorSpool.Console.Tests.
/// </summary>
public sealed partial class ConsolePagesTests : IAsyncLifetime
{
    private IppTestServer _server = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await IppTestServer.StartAsync();
        _client = new HttpClient { BaseAddress = _server.BaseAddress };
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task The_overview_names_every_configured_queue_and_printer_with_links_to_their_pages()
    {
        var html = await PageAsync("/");

        Assert.Contains("<a href=\"/printers/office\">office</a>", html);
        Assert.Contains("<a href=\"/printers/lab\">lab</a>", html);
        Assert.Contains("<a href=\"/devices/p1\">p1</a>", html);
        Assert.Contains("<a href=\"/devices/p2\">p2</a>", html);
        Assert.Contains("data-page=\"overview\"", html);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/printers/office")]
    [InlineData("/jobs/7")]
    [InlineData("/devices/p1")]
    [InlineData("/logs")]
    public async Task Every_page_is_html_from_this_node_only_and_its_scripts_and_styles_are_served(string path)
    {
        using var response = await _client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("default-src 'self';", response.Headers.GetValues("Content-Security-Policy").Single());
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("<main id=\"main\"", html);
        Assert.Contains($"returnUrl={Uri.EscapeDataString(path)}", html); // the login link comes back here

        var assets = AssetReference().Matches(html).Select(m => m.Groups[1].Value).ToList();
        Assert.Contains(assets, a => a.EndsWith(".js", StringComparison.Ordinal));
        Assert.Contains(assets, a => a.EndsWith(".css", StringComparison.Ordinal));
        foreach (var asset in assets)
        {
            using var served = await _client.GetAsync(asset);
            Assert.True(served.StatusCode == HttpStatusCode.OK, $"{asset} of {path}: {served.StatusCode}");
        }
    }

    [Fact]
    public async Task Every_module_a_script_imports_is_served()
    {
        foreach (var name in ConsoleAssets.Names.Where(n => n.EndsWith(".js", StringComparison.Ordinal)))
        {
            var script = await _client.GetStringAsync(ConsoleAssets.PathOf(name));
            foreach (Match import in ModuleImport().Matches(script))
            {
                using var served = await _client.GetAsync(ConsoleAssets.PathOf(import.Groups[1].Value));
                Assert.True(served.StatusCode == HttpStatusCode.OK, $"{name} imports {import.Groups[1].Value}: {served.StatusCode}");
            }
        }
    }

    [Fact]
    public async Task An_asset_is_revalidated_by_its_etag_and_an_unknown_one_is_not_found()
    {
        using var first = await _client.GetAsync("/assets/console.js");
        Assert.Equal("text/javascript", first.Content.Headers.ContentType?.MediaType);
        var etag = first.Headers.ETag!;

        using var again = new HttpRequestMessage(HttpMethod.Get, "/assets/console.js");
        again.Headers.IfNoneMatch.Add(etag);
        using var revalidated = await _client.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, revalidated.StatusCode);

        using var unknown = await _client.GetAsync("/assets/nothing.js");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using var outside = await _client.GetAsync("/assets/..%2Fappsettings.json");
        Assert.Equal(HttpStatusCode.NotFound, outside.StatusCode);
    }

    [Theory]
    [InlineData("/printers/no-such-queue", "No queue named no-such-queue")]
    [InlineData("/devices/no-such-printer", "No printer named no-such-printer")]
    public async Task A_page_of_something_not_configured_is_not_found(string path, string message)
    {
        using var response = await _client.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains(message, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public void Text_in_a_page_is_html_encoded()
    {
        var html = QueuePage.PrinterTile("<b>\"x\"</b>", "a & b");

        Assert.Contains("data-printer=\"&lt;b&gt;&quot;x&quot;&lt;/b&gt;\"", html);
        Assert.Contains("href=\"/devices/%3Cb%3E%22x%22%3C%2Fb%3E\"", html);
        Assert.Contains("a &amp; b", html);
        Assert.DoesNotContain("<b>", html);
    }

    private async Task<string> PageAsync(string path)
    {
        using var response = await _client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    [GeneratedRegex("(?:src|href)=\"(/assets/[^\"]+)\"")]
    private static partial Regex AssetReference();

    [GeneratedRegex("from '\\./([a-z-]+\\.js)'")]
    private static partial Regex ModuleImport();
}
