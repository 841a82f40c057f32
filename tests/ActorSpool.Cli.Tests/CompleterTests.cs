using ActorSpool.Cli.Spoolctl;
using ActorSpool.TestSupport.Spoolctl;

namespace ActorSpool.Cli.Tests;

public sealed class CompleterTests
{
    private readonly Completer _completer = new(() => new PaletteCatalog(SamplePalettes.All), Repl.Builtins);

    private IReadOnlyList<string> Candidates(string line) => _completer.Complete(line, line.Length).Candidates;

    [Fact]
    public void Palettes_and_builtins_first()
    {
        Assert.Equal(["cluster", "exit", "help", "history", "job", "log", "quit"], Candidates(""));
        Assert.Equal(["job"], Candidates("j"));
        Assert.Equal(["cluster"], Candidates("help c"));
    }

    [Fact]
    public void Then_verbs_of_the_palette()
    {
        Assert.Equal(["down", "leave", "show", "status"], Candidates("cluster "));
        Assert.Equal(["show", "status"], Candidates("cluster s"));
        Assert.Equal(["list", "show"], Candidates("help job "));
        Assert.Empty(Candidates("nosuch "));
    }

    [Fact]
    public void Then_switches_not_yet_given_and_allowed_values()
    {
        Assert.Equal(["-q", "-s", "-v"], Candidates("job list "));
        Assert.Equal(["-q", "-v"], Candidates("job list -s all "));
        Assert.Equal(["--json", "--queue", "--state", "--verbose"], Candidates("job list --"));
        Assert.Equal(["--json", "--queue", "--verbose"], Candidates("job list -s all -q a --"));
        Assert.Equal(["active", "all", "finished"], Candidates("job list -s "));
        Assert.Equal(["active", "all"], Candidates("job list -s a"));
        Assert.Empty(Candidates("job show -j "));
    }

    [Fact]
    public void The_word_to_replace_starts_after_the_last_space()
    {
        var completion = _completer.Complete("cluster sh", 10);
        Assert.Equal(8, completion.Start);
        Assert.Equal(["show"], completion.Candidates);
    }
}
