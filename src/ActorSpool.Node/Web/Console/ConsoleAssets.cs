using System.Collections.Frozen;
using System.Security.Cryptography;
using Microsoft.Net.Http.Headers;

namespace ActorSpool.Node.Web.Console;

/// <summary>
/// The console's scripts and style sheet (src/ActorSpool.Node/wwwroot), embedded in the node's assembly so every node
/// serves them whatever its working directory, with no CDN. Only these names are served: no path reaches the disk.
/// </summary>
public static class ConsoleAssets
{
    public const string Prefix = "/assets/";

    private sealed record Asset(byte[] Content, string ContentType, string ETag);

    private static readonly FrozenDictionary<string, Asset> Assets = Load();

    public static string PathOf(string name) => Prefix + name;

    public static IReadOnlyCollection<string> Names => Assets.Keys;

    private static FrozenDictionary<string, Asset> Load()
    {
        var assembly = typeof(ConsoleAssets).Assembly;
        const string root = "wwwroot/";
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(root, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var content = buffer.ToArray();
            var name = resource[root.Length..];
            var type = Path.GetExtension(name) switch
            {
                ".js" => "text/javascript; charset=utf-8",
                ".css" => "text/css; charset=utf-8",
                ".svg" => "image/svg+xml",
                _ => "application/octet-stream",
            };
            assets[name] = new Asset(content, type, $"\"{Convert.ToHexStringLower(SHA256.HashData(content))[..16]}\"");
        }
        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>GET /assets/NAME: the asset, revalidated on each use (ETag) so a node's upgrade reaches open browsers.</summary>
    public static IResult Serve(string name, HttpContext http)
    {
        if (!Assets.TryGetValue(name, out var asset)) return Results.NotFound();
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers.ETag = asset.ETag;
        if (http.Request.Headers.IfNoneMatch.Contains(asset.ETag)) return Results.StatusCode(StatusCodes.Status304NotModified);
        return Results.Bytes(asset.Content, asset.ContentType);
    }

    /// <summary>Headers of every console page: scripts and styles only from the node itself.</summary>
    public static void SecureHeaders(HttpResponse response)
    {
        response.Headers[HeaderNames.ContentSecurityPolicy] =
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
        response.Headers[HeaderNames.XContentTypeOptions] = "nosniff";
        response.Headers["Referrer-Policy"] = "same-origin";
    }
}
