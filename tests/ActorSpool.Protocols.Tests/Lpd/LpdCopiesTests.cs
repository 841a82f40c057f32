using System.Text;
using ActorSpool.Protocols.Lpd;
using ActorSpool.TestSupport;
using static ActorSpool.Protocols.Tests.Lpd.LpdTestSupport;

namespace ActorSpool.Protocols.Tests.Lpd;

/// <summary>
/// Copies in RFC 1179 control files: written the way BSD <c>lpr -#N</c> writes them (each print command N times) or
/// collated (the print commands of all files N times over), and read back from either form.
/// </summary>
public sealed class LpdCopiesTests
{
    private static readonly LpdOptions Options = new() { ConnectTimeout = TimeSpan.FromSeconds(10), AckTimeout = TimeSpan.FromSeconds(30) };

    private static string Build(LpdJobInfo info, params string[] sources) =>
        Encoding.ASCII.GetString(LpdControlFile.Build(info,
            sources.Select((s, i) => (LpdControlFile.DataFileName(i, info.JobNumber, info.HostName), (string?)s)).ToList()));

    private static LpdControlFileContent Parse(string text) => LpdControlFile.Parse(Encoding.ASCII.GetBytes(text));

    [Fact]
    public void One_file_of_three_copies_is_written_as_lpr_minus_hash_3_writes_it()
    {
        Assert.Equal(
            "Hspoolhost\nPalice\nJquarterly report\nldfA123spoolhost\nldfA123spoolhost\nldfA123spoolhost\nUdfA123spoolhost\nNa.txt\n",
            Build(Info with { Copies = 3 }, "a.txt"));
    }

    [Fact]
    public void Uncollated_copies_repeat_each_files_print_command_in_a_row()
    {
        Assert.Equal(
            "Hspoolhost\nPalice\nJquarterly report\n" +
            "ldfA123spoolhost\nldfA123spoolhost\nUdfA123spoolhost\nNa.txt\n" +
            "ldfB123spoolhost\nldfB123spoolhost\nUdfB123spoolhost\nNb.txt\n",
            Build(Info with { Copies = 2, UncollatedCopies = true }, "a.txt", "b.txt"));
    }

    [Fact]
    public void Collated_copies_repeat_the_whole_list_and_unlink_only_after_the_last_print_command()
    {
        Assert.Equal(
            "Hspoolhost\nPalice\nJquarterly report\n" +
            "ldfA123spoolhost\nNa.txt\nldfB123spoolhost\nNb.txt\n" +
            "ldfA123spoolhost\nldfB123spoolhost\n" +
            "UdfA123spoolhost\nUdfB123spoolhost\n",
            Build(Info with { Copies = 2 }, "a.txt", "b.txt"));
    }

    [Fact]
    public void One_copy_is_the_control_file_as_before()
    {
        Assert.Equal(
            "Hspoolhost\nPalice\nJquarterly report\nldfA123spoolhost\nUdfA123spoolhost\nNa.txt\nldfB123spoolhost\nUdfB123spoolhost\nNb.txt\n",
            Build(Info, "a.txt", "b.txt"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1000)]
    public void Copies_outside_one_to_999_are_refused(int copies)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Build(Info with { Copies = copies }, "a.txt"));
    }

    [Theory]
    [InlineData("ldfA1h\n", 1, false)]
    [InlineData("ldfA1h\nldfA1h\nldfA1h\n", 3, false)]
    [InlineData("ldfA1h\nldfB1h\n", 1, false)]
    [InlineData("ldfA1h\nldfA1h\nldfB1h\nldfB1h\n", 2, true)]
    [InlineData("ldfA1h\nldfB1h\nldfA1h\nldfB1h\n", 2, false)]
    [InlineData("fdfA1h\nldfB1h\nldfA1h\nfdfB1h\n", 2, false)]
    [InlineData("ldfA1h\nldfA1h\nldfB1h\n", 1, false)]
    [InlineData("ldfA1h\nldfB1h\nldfB1h\nldfA1h\n", 1, false)]
    public void The_copies_are_read_from_repeated_print_commands(string printLines, int copies, bool uncollated)
    {
        // Data file names need three digits: "dfA1h" stands for dfA001h.
        var content = Parse("Hh\nPp\n" + printLines.Replace("1h", "001h"));

        Assert.Equal(new LpdCopies(copies, uncollated), content.Copies);
    }

    [Fact]
    public void What_Build_writes_reads_back_as_the_same_copies()
    {
        foreach (var (copies, uncollated) in new[] { (1, false), (4, false), (4, true) })
        {
            var content = Parse(Build(Info with { Copies = copies, UncollatedCopies = uncollated }, "a", "b", "c"));
            Assert.Equal(new LpdCopies(copies, copies > 1 && uncollated), content.Copies);
            Assert.Equal(["a", "b", "c"], content.SourceNames);
        }
    }

    [Fact]
    public async Task The_simulator_receives_each_data_file_once_and_the_copies_in_the_control_file()
    {
        await using var simulator = await StartSimulatorAsync();
        var documents = new[] { RandomBytes(3000, 31), RandomBytes(5, 32) };

        var sent = await LpdClient.SendAsync("127.0.0.1", simulator.Port, "lp", documents.Select((d, i) => Document(d, $"part{i}")).ToList(),
            Info with { Copies = 3 }, Options, CancellationToken.None);

        // The data go once; the copies are the printer's work.
        Assert.Equal(documents.Sum(d => d.Length), sent);
        var job = Assert.Single(await simulator.WaitForJobsAsync(1, Patience));
        Assert.Empty(simulator.ProtocolErrors);
        Assert.Equal(documents, job.DataFiles.Select(f => f.Data!));
        Assert.Equal(["part0", "part1"], job.DataFiles.Select(f => f.SourceName));
        Assert.Equal(new LpdCopies(3, Uncollated: false), job.ControlFile.Copies);
    }

    [Fact]
    public async Task Bsd_lpd_spools_the_job_with_the_print_command_once_per_copy()
    {
        await using var lpd = await BsdLpdServer.StartAsync("lp");
        var bytes = RandomBytes(20_000, 33);
        var info = new LpdJobInfo(104, "spoolhost", "dave", "copies") { Copies = 2 };

        await LpdClient.SendAsync("127.0.0.1", lpd.Port, "lp", [Document(bytes, "memo.txt")], info, Options, CancellationToken.None);

        var (_, controlBytes, dataFiles, data) = await lpd.ReadJobFilesAsync("lp", 104, dataFiles: 1);
        Assert.Equal(bytes, Assert.Single(data));
        var control = LpdControlFile.Parse(controlBytes);
        var name = Path.GetFileName(dataFiles[0]);
        Assert.Equal([name, name], control.PrintCommands.Select(c => c.Operand));
        Assert.Equal(new LpdCopies(2, Uncollated: false), control.Copies);
    }
}
