using ActorSpool.Cli.Commands;

namespace ActorSpool.Cli.Tests;

public sealed class BenchTests
{
    [Fact]
    public void Percentiles_are_nearest_rank()
    {
        var summary = LatencySummary.Of(Enumerable.Range(1, 100).Select(i => (double)i).Reverse().ToList());
        Assert.Equal(new LatencySummary(100, 50, 95, 99, 100), summary);
        Assert.Equal(new LatencySummary(1, 7, 7, 7, 7), LatencySummary.Of([7.0]));
        Assert.Equal(0, LatencySummary.Of([]).Count);
    }

    [Theory]
    [InlineData("1024", 1024)]
    [InlineData("4K", 4096)]
    [InlineData("4KiB", 4096)]
    [InlineData("2m", 2 * 1024 * 1024)]
    public void Sizes(string text, long bytes)
    {
        Assert.True(BenchCommand.TryParseSize(text, out var parsed));
        Assert.Equal(bytes, parsed);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("lots")]
    [InlineData("1G")]
    public void Not_sizes(string text) => Assert.False(BenchCommand.TryParseSize(text, out _));

    [Fact]
    public void The_payload_is_printable_text_of_exactly_the_size()
    {
        var payload = BenchCommand.Payload(1000);
        Assert.Equal(1000, payload.Length);
        Assert.All(payload, b => Assert.True(b is (byte)'\r' or (byte)'\n' or >= 32 and < 127));
    }

    [Fact]
    public void Submit_guesses_the_document_format()
    {
        Assert.Equal("application/pdf", SubmitCommand.FormatOf("Report.PDF"));
        Assert.Equal("text/plain", SubmitCommand.FormatOf("notes.txt"));
        Assert.Equal("application/octet-stream", SubmitCommand.FormatOf("photo.heic"));
    }
}
