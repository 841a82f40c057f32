using ActorSpool.Cli.Spoolctl;
using ActorSpool.TestSupport.Spoolctl;

namespace ActorSpool.Cli.Tests;

public sealed class PaletteCatalogTests
{
    private readonly PaletteCatalog _catalog = new(SamplePalettes.All);

    [Fact]
    public void Resolves_palette_verb_and_switches()
    {
        Assert.True(_catalog.TryResolve(["job", "list", "-q", "office"], out var command, out var error), error);
        Assert.Equal("job", command!.Palette.Name);
        Assert.Equal("list", command.Verb.Name);
        Assert.Equal(["office"], command.Args["queue"]);
    }

    [Theory]
    [InlineData(new[] { "nosuch" }, "unknown palette 'nosuch'; palettes: cluster, job, log (try 'help')")]
    [InlineData(new[] { "job" }, "job: no verb given; verbs: list, show")]
    [InlineData(new[] { "job", "explode" }, "job: unknown verb 'explode'; verbs: list, show")]
    [InlineData(new[] { "job", "show" }, "job show: missing -j ID (job id); usage: job show -j ID")]
    public void Says_what_is_wrong(string[] words, string expected)
    {
        Assert.False(_catalog.TryResolve(words, out _, out var error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void Help_at_three_levels()
    {
        Assert.Contains(_catalog.Help([], out _)!, l => l.StartsWith("  cluster  Cluster membership", StringComparison.Ordinal));
        var palette = _catalog.Help(["cluster"], out _)!;
        Assert.Contains(palette, l => l.Contains("cluster down -a ADDR", StringComparison.Ordinal) && l.Contains("* Down", StringComparison.Ordinal));
        var verb = _catalog.Help(["job", "list"], out _)!;
        Assert.Equal("Usage: job list [-q QUEUE …] [-s STATE] [-v]", verb[0]);
        Assert.Contains(verb, l => l.Contains("-s, --state STATE", StringComparison.Ordinal) && l.Contains("default active", StringComparison.Ordinal));
        Assert.Null(_catalog.Help(["job", "nope"], out var error));
        Assert.Equal("job: unknown verb 'nope'; verbs: list, show", error);
    }
}
