using ActorSpool.TestSupport;

namespace ActorSpool.Node.Tests.Deployment;

/// <summary>A node's <c>--site</c> is a name like a printer's: anything else stops the start with one clear line.</summary>
public sealed class SiteFlagTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("Building-A")]
    [InlineData("site a")]
    [InlineData("_a")]
    public async Task A_site_that_is_not_a_name_is_refused_at_start(string site)
    {
        var (code, output) = await NodeProcess.RunToExitAsync(
            ["--data", Path.Combine(_dir.Path, "data"), "--ipp-port", "0", "--http-port", "0", "--node-port", "0", "--cmd-port", "0", "--site", site]);

        Assert.Equal(2, code);
        Assert.Contains($"actorspool: --site: '{site}' is not a site name: use 1-63 lower-case letters, digits, '-' or '_', starting with a letter or digit", output);
        Assert.DoesNotContain("   at ", output);
    }
}
