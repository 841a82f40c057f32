using System.Text.RegularExpressions;
using static ActorSpool.Node.Tests.Web.ApiTestNode;

namespace ActorSpool.Node.Tests.Web;

/// <summary>The OpenAPI document and its browsable reference, served by the node itself.</summary>
public sealed partial class ReferenceApiTests(ApiTestNode fixture) : IClassFixture<ApiTestNode>
{
    [Fact]
    public async Task The_openapi_document_lists_the_endpoints()
    {
        using var client = fixture.Client();
        var paths = (await GetJsonAsync(client, "/openapi/v1.json"))["paths"]!.AsObject();
        foreach (var path in new[]
                 {
                     "/api/v1/cluster", "/api/v1/queues", "/api/v1/queues/{name}", "/api/v1/printers", "/api/v1/printers/{name}", "/api/v1/jobs",
                     "/api/v1/jobs/{id}", "/api/v1/balancer", "/api/v1/queues/{name}/pause", "/api/v1/queues/{name}/resume", "/api/v1/printers/{name}/test",
                     "/api/v1/jobs/{id}/cancel", "/api/v1/jobs/{id}/move", "/api/v1/queues/{name}/jobs",
                 })
        {
            Assert.True(paths.ContainsKey(path), $"{path} missing from /openapi/v1.json: {string.Join(", ", paths.Select(p => p.Key))}");
        }
    }

    [Fact]
    public async Task The_reference_at_api_loads_nothing_from_other_hosts()
    {
        using var client = fixture.Client();
        using var first = await client.GetAsync("/api");
        // Scalar answers /api with a redirect to /api/ (its assets are relative to it).
        var location = new Uri(new Uri(client.BaseAddress!, "/api"), first.Headers.Location?.OriginalString ?? "/api").AbsolutePath;
        Assert.StartsWith("/api", location);
        using var page = first.IsSuccessStatusCode ? first : await client.GetAsync(location);
        var html = await page.Content.ReadAsStringAsync();
        Assert.True(page.IsSuccessStatusCode, $"{(int)page.StatusCode} {location} {html}");
        Assert.True(html.Contains("openapi/v1.json", StringComparison.Ordinal), html);

        var sources = SourceOrLink().Matches(html).Select(m => m.Groups["url"].Value).ToList();
        Assert.NotEmpty(sources);
        Assert.All(sources, url => Assert.False(url.Contains("//", StringComparison.Ordinal), $"/api loads {url} from elsewhere"));
        foreach (var url in sources)
        {
            using var asset = await client.GetAsync(new Uri(new Uri(client.BaseAddress!, "/api/"), url));
            Assert.True(asset.IsSuccessStatusCode, $"{url}: {(int)asset.StatusCode}");
        }
    }

    [GeneratedRegex("""(?:src|href)\s*=\s*["'](?<url>[^"']+)["']""")]
    private static partial Regex SourceOrLink();
}
