using System.Security.Cryptography;
using System.Text;
using ActorSpool.Protocols.AppSocket;
using ActorSpool.Protocols.Lpd;
using ActorSpool.TestSupport;
using static ActorSpool.Protocols.Tests.Lpd.LpdTestSupport;

namespace ActorSpool.Protocols.Tests.Lpd;

/// <summary>One BSD lpd for the whole class (see <see cref="BsdLpdServer"/>); each test uses its own job number.</summary>
public sealed class BsdLpdFixture : IAsyncLifetime
{
    public BsdLpdServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await BsdLpdServer.StartAsync("lp", "raw");

    public async Task DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }
}

/// <summary>
/// <see cref="LpdClient"/> against a real LPD server: BSD lpd (Debian package <c>lpr</c>). What lpd stores in its spool
/// directory is what the client sent: data files byte for byte, and the control file lines.
/// </summary>
public sealed class LpdRealServerTests(BsdLpdFixture fixture) : IClassFixture<BsdLpdFixture>
{
    private static readonly LpdOptions Options = new() { ConnectTimeout = TimeSpan.FromSeconds(10), AckTimeout = TimeSpan.FromSeconds(30) };

    private BsdLpdServer Lpd => fixture.Server;

    [Fact]
    public async Task Lpd_spools_the_document_byte_exact_with_our_control_file()
    {
        var bytes = RandomBytes(200_000, seed: 11);
        var info = new LpdJobInfo(101, "spoolhost", "alice", "real lpd test");

        var sent = await LpdClient.SendAsync("127.0.0.1", Lpd.Port, "lp", [Document(bytes, "invoice.pcl")], info, Options, CancellationToken.None);

        Assert.Equal(bytes.Length, sent);
        var (controlFile, dataFiles) = await Lpd.WaitForJobFilesAsync("lp", 101, dataFiles: 1);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(Assert.Single(dataFiles)));
        var control = LpdControlFile.Parse(await File.ReadAllBytesAsync(controlFile));
        Assert.Equal("alice", control.User);
        Assert.Equal("real lpd test", control.JobName);
        Assert.Equal(["invoice.pcl"], control.SourceNames);
        var print = Assert.Single(control.PrintCommands);
        Assert.Equal('l', print.Command);
        Assert.Equal(Path.GetFileName(dataFiles[0]), print.Operand);
    }

    [Fact]
    public async Task Lpd_spools_every_document_of_a_multi_document_job()
    {
        var documents = new[] { RandomBytes(1, 12), RandomBytes(65_537, 13), Encoding.ASCII.GetBytes("third\r\n\f") };
        var info = new LpdJobInfo(102, "spoolhost", "bob", "three parts");

        await LpdClient.SendAsync("127.0.0.1", Lpd.Port, "raw", documents.Select((d, i) => Document(d, $"part{i}.bin")).ToList(), info, Options,
            CancellationToken.None);

        var (controlFile, dataFiles) = await Lpd.WaitForJobFilesAsync("raw", 102, dataFiles: 3);
        var control = LpdControlFile.Parse(await File.ReadAllBytesAsync(controlFile));
        var printed = control.PrintCommands.Select(c => c.Operand).ToArray();
        Assert.Equal(3, printed.Length);
        for (var i = 0; i < documents.Length; i++)
        {
            Assert.Equal(documents[i], await File.ReadAllBytesAsync(Path.Combine(Lpd.QueueDirectory("raw"), printed[i])));
        }

        Assert.Equal(printed.Order(StringComparer.Ordinal), dataFiles.Select(Path.GetFileName));
    }

    [Fact]
    public async Task Lpd_accepts_the_control_file_first()
    {
        var bytes = RandomBytes(30_000, seed: 14);
        var info = new LpdJobInfo(103, "spoolhost", "carol");

        await LpdClient.SendAsync("127.0.0.1", Lpd.Port, "lp", [Document(bytes)], info, Options with { SendControlFileFirst = true },
            CancellationToken.None);

        var (_, dataFiles) = await Lpd.WaitForJobFilesAsync("lp", 103, dataFiles: 1);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(Assert.Single(dataFiles)));
    }

    [Fact]
    public async Task Lpd_spools_a_large_document_byte_exact()
    {
        const long length = 16L * 1024 * 1024 + 3;
        var info = new LpdJobInfo(104, "spoolhost", "dave");

        await LpdClient.SendAsync("127.0.0.1", Lpd.Port, "lp", [PatternDocument(length)], info, Options, CancellationToken.None);

        var (_, dataFiles) = await Lpd.WaitForJobFilesAsync("lp", 104, dataFiles: 1);
        await using var stored = File.OpenRead(Assert.Single(dataFiles));
        await using var expected = new PatternStream(length);
        Assert.Equal(length, stored.Length);
        Assert.Equal(await SHA256.HashDataAsync(expected), await SHA256.HashDataAsync(stored));
    }

    [Fact]
    public async Task Lpd_refuses_an_unknown_queue_and_the_client_reports_its_code()
    {
        var e = await Assert.ThrowsAsync<PrinterDeliveryException>(() =>
            LpdClient.SendAsync("127.0.0.1", Lpd.Port, "nosuchqueue", [Document([1, 2, 3])], new LpdJobInfo(105, "spoolhost", "erin"), Options,
                CancellationToken.None));

        Assert.Equal(DeliveryFailureKind.Other, e.Kind);
        Assert.Contains("refused", e.Message);
        Assert.Matches(@"\(code \d+", e.Message);
    }

    [Fact]
    public async Task The_probe_reaches_lpd()
    {
        await LpdClient.ProbeAsync("127.0.0.1", Lpd.Port);
    }
}
