using System.Text;
using ActorSpool.Protocols.Lpd;
using ActorSpool.TestSupport.Lpd;
using static ActorSpool.Protocols.Tests.Lpd.LpdTestSupport;

namespace ActorSpool.Protocols.Tests.Lpd;

/// <summary>
/// The strict LPD simulator, driven byte by byte over a raw socket: it must accept what RFC 1179 allows and refuse,
/// with a non-zero acknowledgement and a recorded violation, what it does not.
/// </summary>
public sealed class LpdPrinterSimulatorTests
{
    private const byte ControlFile = 0x02;
    private const byte DataFile = 0x03;
    private static readonly byte[] Data = Encoding.ASCII.GetBytes("Hello, printer.\f");

    private static byte[] Control(string text) => Encoding.ASCII.GetBytes(text);

    private static readonly byte[] GoodControl = Control("Hclient\nPuser\nJjob\nldfA001client\nUdfA001client\nNhello.txt\n");

    private static async Task<RawLpdConnection> ReceiveJobAsync(LpdPrinterSimulator simulator, string queue = "lp")
    {
        var connection = await RawLpdConnection.ConnectAsync(simulator.Port);
        await connection.SendAsync($"\x02{queue}\n");
        Assert.Equal(0, await connection.ReadAckAsync());
        return connection;
    }

    [Fact]
    public async Task A_well_formed_job_is_recorded_with_its_parsed_control_file()
    {
        await using var simulator = await StartSimulatorAsync();
        await using var connection = await ReceiveJobAsync(simulator);

        Assert.Equal(0, await connection.AnnounceAsync(DataFile, Data.Length, "dfA001client"));
        Assert.Equal(0, await connection.SendFileAsync(Data));
        Assert.Equal(0, await connection.AnnounceAsync(ControlFile, GoodControl.Length, "cfA001client"));
        Assert.Equal(0, await connection.SendFileAsync(GoodControl));
        connection.ShutdownSend();

        var job = Assert.Single(await simulator.WaitForJobsAsync(1, Patience));
        Assert.Equal("client", job.Host);
        Assert.Equal("user", job.User);
        Assert.Equal("job", job.JobName);
        Assert.Equal(1, job.JobNumber);
        Assert.Equal(Data, Assert.Single(job.DataFiles).Data);
        Assert.Equal("hello.txt", job.DataFiles[0].SourceName);
        await WaitUntilAsync(() => simulator.ActiveConnections == 0, "the connection to end");
        Assert.Empty(simulator.ProtocolErrors);
        Assert.Equal(0, simulator.AbortedConnections);
    }

    [Fact]
    public async Task The_control_file_may_come_first_and_the_job_completes_with_its_last_data_file()
    {
        await using var simulator = await StartSimulatorAsync();
        await using var connection = await ReceiveJobAsync(simulator);

        Assert.Equal(0, await connection.AnnounceAsync(ControlFile, GoodControl.Length, "cfA001client"));
        Assert.Equal(0, await connection.SendFileAsync(GoodControl));
        Assert.Empty(simulator.ReceivedJobs);
        Assert.Equal(0, await connection.AnnounceAsync(DataFile, Data.Length, "dfA001client"));
        Assert.Equal(0, await connection.SendFileAsync(Data));

        Assert.Single(await simulator.WaitForJobsAsync(1, Patience));
        Assert.Empty(simulator.ProtocolErrors);
    }

    [Fact]
    public async Task One_connection_may_carry_several_jobs()
    {
        await using var simulator = await StartSimulatorAsync();
        await using var connection = await ReceiveJobAsync(simulator);

        foreach (var n in new[] { "001", "002" })
        {
            var control = Control($"Hclient\nPuser\nldfA{n}client\n");
            Assert.Equal(0, await connection.AnnounceAsync(DataFile, Data.Length, $"dfA{n}client"));
            Assert.Equal(0, await connection.SendFileAsync(Data));
            Assert.Equal(0, await connection.AnnounceAsync(ControlFile, control.Length, $"cfA{n}client"));
            Assert.Equal(0, await connection.SendFileAsync(control));
        }

        var jobs = await simulator.WaitForJobsAsync(2, Patience);
        Assert.Equal([1, 2], jobs.Select(j => j.JobNumber));
        Assert.Empty(simulator.ProtocolErrors);
    }

    [Fact]
    public async Task An_unknown_queue_gets_a_non_zero_acknowledgement()
    {
        await using var simulator = await StartSimulatorAsync();
        await using var connection = await RawLpdConnection.ConnectAsync(simulator.Port);

        await connection.SendAsync("\x02nosuchqueue\n");

        Assert.NotEqual(0, await connection.ReadAckAsync());
        Assert.Equal(1, simulator.RejectedJobs);
    }

    [Fact]
    public async Task A_file_not_followed_by_the_zero_octet_is_refused()
    {
        await using var simulator = await StartSimulatorAsync();
        await using var connection = await ReceiveJobAsync(simulator);

        Assert.Equal(0, await connection.AnnounceAsync(DataFile, Data.Length, "dfA001client"));
        var ack = await connection.SendFileAsync(Data, terminator: (byte)'X');

        Assert.NotEqual(0, ack);
        await WaitUntilAsync(() => simulator.ProtocolErrors.Count == 1, "the violation to be recorded");
        Assert.Contains("zero octet", simulator.ProtocolErrors[0]);
        Assert.Empty(simulator.ReceivedJobs);
    }

    [Fact]
    public async Task A_count_smaller_than_the_bytes_sent_is_caught_at_the_terminator()
    {
        await using var simulator = await StartSimulatorAsync();
        await using var connection = await ReceiveJobAsync(simulator);

        Assert.Equal(0, await connection.AnnounceAsync(DataFile, Data.Length - 2, "dfA001client"));
        Assert.NotEqual(0, await connection.SendFileAsync(Data));

        await WaitUntilAsync(() => simulator.ProtocolErrors.Count == 1, "the violation to be recorded");
        Assert.Contains("announced count is wrong", simulator.ProtocolErrors[0]);
        Assert.Empty(simulator.ReceivedJobs);
    }

    [Theory]
    [InlineData("Puser\nldfA001client\n", "no mandatory 'H' line")]
    [InlineData("Hclient\nldfA001client\n", "no mandatory 'P' line")]
    [InlineData("Hclient\nPuser\nldfA001client", "does not end with LF")]
    [InlineData("Hclient\nPuser\nPother\nldfA001client\n", "2 'P' lines")]
    [InlineData("Hclient\nPuser\nldfA001client\nXextension\n", "unknown command 'X'")]
    [InlineData("Hclient\nPuser\n\nldfA001client\n", "is empty")]
    [InlineData("Hclient\nPuser\nl/etc/passwd\n", "not a data file name")]
    [InlineData("Hclient\nPuser\nUdfA001client\n", "prints no data file")]
    [InlineData("Haveryveryveryveryveryverylonghostname\nPuser\nldfA001client\n", "limit of 31")]
    public async Task A_malformed_control_file_is_refused(string control, string violation)
    {
        await using var simulator = await StartSimulatorAsync();
        await using var connection = await ReceiveJobAsync(simulator);
        var bytes = Control(control);

        Assert.Equal(0, await connection.AnnounceAsync(DataFile, Data.Length, "dfA001client"));
        Assert.Equal(0, await connection.SendFileAsync(Data));
        Assert.Equal(0, await connection.AnnounceAsync(ControlFile, bytes.Length, "cfA001client"));

        Assert.NotEqual(0, await connection.SendFileAsync(bytes));
        await WaitUntilAsync(() => simulator.ProtocolErrors.Count == 1, "the violation to be recorded");
        Assert.Contains(violation, simulator.ProtocolErrors[0]);
        Assert.Empty(simulator.ReceivedJobs);
    }

    [Fact]
    public async Task A_control_file_that_leaves_a_received_data_file_unreferenced_is_refused()
    {
        await using var simulator = await StartSimulatorAsync();
        await using var connection = await ReceiveJobAsync(simulator);

        foreach (var name in new[] { "dfA001client", "dfB001client" })
        {
            Assert.Equal(0, await connection.AnnounceAsync(DataFile, Data.Length, name));
            Assert.Equal(0, await connection.SendFileAsync(Data));
        }

        Assert.Equal(0, await connection.AnnounceAsync(ControlFile, GoodControl.Length, "cfA001client"));
        Assert.NotEqual(0, await connection.SendFileAsync(GoodControl));

        await WaitUntilAsync(() => simulator.ProtocolErrors.Count == 1, "the violation to be recorded");
        Assert.Contains("dfB001client", simulator.ProtocolErrors[0]);
        Assert.Empty(simulator.ReceivedJobs);
    }

    [Fact]
    public async Task A_job_whose_referenced_data_file_never_arrives_is_discarded()
    {
        await using var simulator = await StartSimulatorAsync();
        await using var connection = await ReceiveJobAsync(simulator);
        var control = Control("Hclient\nPuser\nldfA001client\nldfB001client\n");

        Assert.Equal(0, await connection.AnnounceAsync(DataFile, Data.Length, "dfA001client"));
        Assert.Equal(0, await connection.SendFileAsync(Data));
        Assert.Equal(0, await connection.AnnounceAsync(ControlFile, control.Length, "cfA001client"));
        Assert.Equal(0, await connection.SendFileAsync(control));
        connection.ShutdownSend();

        await WaitUntilAsync(() => simulator.ProtocolErrors.Count == 1, "the violation to be recorded");
        Assert.Contains("dfB001client", simulator.ProtocolErrors[0]);
        Assert.Equal(1, simulator.IncompleteJobs);
        Assert.Empty(simulator.ReceivedJobs);
    }

    [Theory]
    [InlineData("dfA001otherhost")] // another host's job
    [InlineData("dfA002client")] // another job number
    [InlineData("xfA001client")] // not a data file name
    [InlineData("dfA1client")] // job number without three digits
    public async Task A_data_file_name_that_does_not_fit_the_job_is_refused(string name)
    {
        await using var simulator = await StartSimulatorAsync();
        await using var connection = await ReceiveJobAsync(simulator);
        Assert.Equal(0, await connection.AnnounceAsync(ControlFile, GoodControl.Length, "cfA001client"));
        Assert.Equal(0, await connection.SendFileAsync(GoodControl));

        Assert.NotEqual(0, await connection.AnnounceAsync(DataFile, Data.Length, name));

        await WaitUntilAsync(() => simulator.ProtocolErrors.Count == 1, "the violation to be recorded");
        Assert.Contains(name, simulator.ProtocolErrors[0]);
    }

    [Theory]
    [InlineData("\x03" + "0 dfA001client\n", "count 0")]
    [InlineData("\x03" + "-5 dfA001client\n", "not a decimal number")]
    [InlineData("\x03" + "12dfA001client\n", "not 'count SP name'")]
    [InlineData("\x07" + "12 dfA001client\n", "unknown subcommand")]
    public async Task A_malformed_subcommand_is_refused(string subcommand, string violation)
    {
        await using var simulator = await StartSimulatorAsync();
        await using var connection = await ReceiveJobAsync(simulator);

        await connection.SendAsync(subcommand);

        Assert.NotEqual(0, await connection.ReadAckAsync());
        await WaitUntilAsync(() => simulator.ProtocolErrors.Count == 1, "the violation to be recorded");
        Assert.Contains(violation, simulator.ProtocolErrors[0]);
    }

    [Fact]
    public async Task The_abort_subcommand_discards_the_files_received_so_far()
    {
        await using var simulator = await StartSimulatorAsync();
        await using var connection = await ReceiveJobAsync(simulator);

        Assert.Equal(0, await connection.AnnounceAsync(DataFile, Data.Length, "dfA001client"));
        Assert.Equal(0, await connection.SendFileAsync(Data));
        await connection.SendAsync("\x01\n");
        // After the abort a new job may start on the same connection; the aborted file is gone.
        var control = Control("Hclient\nPuser\nldfA002client\n");
        Assert.Equal(0, await connection.AnnounceAsync(DataFile, Data.Length, "dfA002client"));
        Assert.Equal(0, await connection.SendFileAsync(Data));
        Assert.Equal(0, await connection.AnnounceAsync(ControlFile, control.Length, "cfA002client"));
        Assert.Equal(0, await connection.SendFileAsync(control));

        var job = Assert.Single(await simulator.WaitForJobsAsync(1, Patience));
        Assert.Equal("dfA002client", Assert.Single(job.DataFiles).Name);
        Assert.Equal(1, simulator.AbortedJobs);
        Assert.Empty(simulator.ProtocolErrors);
    }

    [Fact]
    public async Task Queue_state_requests_are_answered()
    {
        await using var simulator = await StartSimulatorAsync();
        await using var connection = await RawLpdConnection.ConnectAsync(simulator.Port);

        await connection.SendAsync("\x04lp\n");

        Assert.Equal("lp: no entries\n", await connection.ReadToEndAsync());
    }

    [Fact]
    public async Task Output_files_are_numbered_and_numbering_continues_after_a_restart()
    {
        var directory = Directory.CreateTempSubdirectory("actorspool-lpd-out-");
        try
        {
            var options = new LpdSimulatorOptions { Name = "office", Queues = ["lp"], OutputDirectory = directory.FullName };
            await using (var first = await StartSimulatorAsync(options))
            {
                await LpdClient.SendAsync("127.0.0.1", first.Port, "lp", [Document(Data)], Info, LpdOptions.Default, CancellationToken.None);
                var job = Assert.Single(await first.WaitForJobsAsync(1, Patience));
                Assert.Equal(Path.Combine(directory.FullName, "000001-office-dfA123spoolhost"), job.DataFiles[0].FilePath);
                Assert.Equal(Path.Combine(directory.FullName, "000001-office-cfA123spoolhost"), job.ControlFilePath);
                Assert.Equal(Data, await File.ReadAllBytesAsync(job.DataFiles[0].FilePath!));
            }

            await using var second = await StartSimulatorAsync(options);
            await LpdClient.SendAsync("127.0.0.1", second.Port, "lp", [Document(Data)], Info, LpdOptions.Default, CancellationToken.None);
            var next = Assert.Single(await second.WaitForJobsAsync(1, Patience));
            Assert.Equal(2, next.Sequence);
            Assert.StartsWith("000002-office-", Path.GetFileName(next.DataFiles[0].FilePath));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
