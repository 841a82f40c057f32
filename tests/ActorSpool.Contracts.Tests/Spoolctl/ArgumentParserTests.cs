using ActorSpool.Contracts.Spoolctl;
using ActorSpool.TestSupport.Spoolctl;

namespace ActorSpool.Contracts.Tests.Spoolctl;

public sealed class ArgumentParserTests
{
    private static readonly VerbDefinition List = SamplePalettes.Job.FindVerb("list")!;
    private static readonly VerbDefinition Show = SamplePalettes.Job.FindVerb("show")!;

    [Fact]
    public void Short_long_and_inline_switches_flags_repeats_and_defaults()
    {
        Assert.True(ArgumentParser.TryParse("job", List, ["-q", "office", "--queue=plans", "-v"], out var values, out var error), error);
        Assert.Equal(["office", "plans"], values["queue"]);
        Assert.Equal(["true"], values["verbose"]);
        Assert.Equal(["active"], values["state"]);

        Assert.True(ArgumentParser.TryParse("job", List, ["--state", "ALL"], out values, out error), error);
        Assert.Equal(["ALL"], values["state"]);
    }

    [Theory]
    [InlineData(new[] { "-x", "1" }, "job list: unknown switch '-x'; it takes -q/--queue QUEUE, -s/--state STATE, -v/--verbose")]
    [InlineData(new[] { "office" }, "job list: unexpected 'office'; arguments are given by switch")]
    [InlineData(new[] { "-q" }, "job list: -q needs a value (QUEUE)")]
    [InlineData(new[] { "-s", "sleeping" }, "job list: -s 'sleeping' is not one of active, all, finished")]
    [InlineData(new[] { "-s", "all", "-s", "active" }, "job list: -s may be given only once")]
    [InlineData(new[] { "--verbose=yes" }, "job list: --verbose takes no value")]
    public void Mistakes_are_named_precisely(string[] words, string expected)
    {
        Assert.False(ArgumentParser.TryParse("job", List, words, out _, out var error));
        Assert.StartsWith(expected, error);
    }

    [Fact]
    public void A_missing_mandatory_argument_shows_the_usage()
    {
        Assert.False(ArgumentParser.TryParse("job", Show, [], out _, out var error));
        Assert.Equal("job show: missing -j ID (job id); usage: job show -j ID", error);
    }

    [Fact]
    public void The_node_checks_values_by_name_too()
    {
        Assert.False(ArgumentParser.TryValidate("job", Show, new Dictionary<string, string[]> { ["job"] = ["1"], ["colour"] = ["red"] }, out _, out var error));
        Assert.StartsWith("job show: unknown argument 'colour'", error);
        Assert.True(ArgumentParser.TryValidate("job", Show, new Dictionary<string, string[]> { ["JOB"] = ["7"] }, out var values, out _));
        Assert.Equal(["7"], values["job"]);
    }

    [Fact]
    public void Usage_lines_mark_optional_and_repeatable_switches()
    {
        Assert.Equal("job list [-q QUEUE …] [-s STATE] [-v]", List.Usage("job"));
        Assert.Equal("cluster down -a ADDR", SamplePalettes.Cluster.FindVerb("down")!.Usage("cluster"));
    }
}
