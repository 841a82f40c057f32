using ActorSpool.Cli.Spoolctl;

namespace ActorSpool.Cli.Tests;

public sealed class CommandLineTests
{
    [Theory]
    [InlineData("127.0.0.1:9110", "127.0.0.1", 9110)]
    [InlineData("spool-3.example.org:9111", "spool-3.example.org", 9111)]
    [InlineData("[::1]:9110", "::1", 9110)]
    public void Host_and_port(string text, string host, int port)
    {
        Assert.True(NodeEndpoint.TryParse(text, out var endpoint));
        Assert.Equal(new NodeEndpoint(host, port), endpoint);
    }

    [Theory]
    [InlineData("cluster")]
    [InlineData("host:0")]
    [InlineData("host:70000")]
    [InlineData("-q")]
    public void Not_an_endpoint(string text) => Assert.False(NodeEndpoint.TryParse(text, out _));

    [Fact]
    public void Global_options_are_taken_out_anywhere_and_the_endpoint_only_first()
    {
        Assert.True(GlobalOptions.TryParse(["10.0.0.5:9111", "job", "show", "--json", "-j", "4", "--token=abc", "--timeout", "5"], new GlobalOptions(),
            out var options, out var rest, out var error), error);
        Assert.Equal(new NodeEndpoint("10.0.0.5", 9111), options.Endpoint);
        Assert.True(options.EndpointGiven);
        Assert.True(options.Json);
        Assert.Equal("abc", options.Token);
        Assert.Equal(TimeSpan.FromSeconds(5), options.Timeout);
        Assert.Equal(["job", "show", "-j", "4"], rest);

        Assert.False(GlobalOptions.TryParse(["job", "list", "--token"], new GlobalOptions(), out _, out _, out error));
        Assert.Equal("--token needs a value", error);
    }

    [Fact]
    public void Repl_lines_split_on_spaces_and_keep_quoted_words()
    {
        Assert.Equal(["job", "list", "-u", "Anne Smith", "-q", "it's"], CommandLineWords.Split("  job list -u \"Anne Smith\" -q 'it'\\''s'"));
        Assert.Empty(CommandLineWords.Split("   "));
    }
}
