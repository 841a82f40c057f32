using ActorSpool.Cli.Commands;
using ActorSpool.Cli.Spoolctl;

namespace ActorSpool.Cli.Tests;

public sealed class BenchTests
{
    [Fact]
    public void Percentiles_are_nearest_rank()
    {
        var summary = LatencySummary.Of(Enumerable.Range(1, 100).Select(i => (double)i).Reverse().ToList());
        Assert.Equal(new LatencySummary(100, 50, 95, 99, 50.5, 100), summary);
        Assert.Equal(new LatencySummary(1, 7, 7, 7, 7, 7), LatencySummary.Of([7.0]));
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

    private static IReadOnlyList<string> Errors(string line) =>
        BenchCommand.Create(NodeEndpoint.DefaultIpp, commandHostGiven: false).Parse(line).Errors.Select(e => e.Message).ToList();

    [Theory]
    [InlineData("--jobs 2000 --concurrency 64 --size 4K --wait 0")]
    [InlineData("--jobs 2000 --concurrency 2000")]
    [InlineData("--jobs 2000 --at-once --sink /tmp/sink --json")]
    [InlineData("--ipp 127.0.0.1:631 --queue bench -n 10 -c 1")]
    [InlineData("--ipp 127.0.0.1:8631 --ipp 127.0.0.1:8632 --sink /tmp/sink")]
    [InlineData("--ipp 127.0.0.1:8631 --ipp 127.0.0.1:8632 --wait 0")]
    public void Valid_bench_options(string line) => Assert.Empty(Errors(line));

    [Theory]
    [InlineData("--concurrency 0", "--concurrency must be from 1 to 5000.")]
    [InlineData("--concurrency 5001", "--concurrency must be from 1 to 5000.")]
    [InlineData("--jobs 5001 --at-once", "--at-once opens one client per job: --jobs must be at most 5000.")]
    [InlineData("--ipp 127.0.0.1:8631 --ipp 127.0.0.1:8632", "Several --ipp servers have no common job list: give --sink DIR (or --wait 0).")]
    [InlineData("--jobs 100 --at-once --concurrency 8", "--at-once and --concurrency exclude each other (--at-once uses one client per job).")]
    public void Invalid_bench_options(string line, string error) => Assert.Contains(error, Errors(line));

    [Fact]
    public void At_once_means_one_client_per_job_and_the_sink_path_is_absolute()
    {
        var queue = new Uri("ipp://127.0.0.1:631/printers/bench");
        var settings = BenchCommand.SettingsOf([queue], 2000, 4, 4096, 60, atOnce: true, "sink");
        Assert.Equal(2000, settings.Concurrency);
        Assert.True(settings.AtOnce);
        Assert.Equal(Path.GetFullPath("sink"), settings.Sink);
        Assert.Equal(TimeSpan.FromSeconds(60), settings.Wait);

        var plain = BenchCommand.SettingsOf([queue, queue], 2000, 16, 4096, -1, atOnce: false, null);
        Assert.Equal(16, plain.Concurrency);
        Assert.Equal(2, plain.Queues.Count);
        Assert.Null(plain.Sink);
        Assert.Equal(TimeSpan.Zero, plain.Wait);
    }

    [Fact]
    public void The_sink_counts_printed_files_in_all_subfolders_but_not_temporary_ones()
    {
        var dir = Path.Combine(Path.GetTempPath(), "bench-sink-" + Guid.NewGuid().ToString("N"));
        try
        {
            Assert.Equal(0, BenchCommand.CountSinkFiles(dir));
            Directory.CreateDirectory(Path.Combine(dir, "sim-a"));
            Directory.CreateDirectory(Path.Combine(dir, "sim-b"));
            File.WriteAllText(Path.Combine(dir, "sim-a", "000001-sim-a.prn"), "x");
            File.WriteAllText(Path.Combine(dir, "sim-b", "000001-sim-b.prn"), "x");
            File.WriteAllText(Path.Combine(dir, "sim-b", ".000002.tmp"), "x");
            Assert.Equal(2, BenchCommand.CountSinkFiles(dir));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Transport_failures_are_named_by_their_innermost_cause()
    {
        var reset = new HttpRequestException(HttpRequestError.Unknown, "An error occurred while sending the request.",
            new IOException("Unable to write data to the transport connection: Connection reset by peer.",
                new System.Net.Sockets.SocketException(104)));
        Assert.Equal("Unknown: " + new System.Net.Sockets.SocketException(104).Message, BenchCommand.TransportFailure(reset));
        Assert.Equal("TaskCanceledException: timed out", BenchCommand.TransportFailure(new TaskCanceledException("timed out")));
    }
}
