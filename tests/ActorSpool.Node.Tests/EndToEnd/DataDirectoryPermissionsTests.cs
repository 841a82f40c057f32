using ActorSpool.Protocols.Ipp;
using ActorSpool.TestSupport;

namespace ActorSpool.Node.Tests.EndToEnd;

/// <summary>Spooled documents are readable by the node's user only: data directory 0700, its files 0600.</summary>
public sealed class DataDirectoryPermissionsTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly HttpClient _http = new();

    public void Dispose()
    {
        _http.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task The_data_directory_and_the_databases_in_it_are_private_to_the_nodes_user()
    {
        if (OperatingSystem.IsWindows()) return;
        await using var printer = await Printers.SimulatorAsync("lj-1");
        var printers = Printers.WriteFile(_dir.Path, [printer], "  office { printers = [lj-1] }");
        var data = Path.Combine(_dir.Path, "data");
        // What an earlier version left: a world-readable directory and file.
        Directory.CreateDirectory(data);
        File.SetUnixFileMode(data, (UnixFileMode)0b111_101_101);
        var old = Path.Combine(data, "left-over.txt");
        await File.WriteAllTextAsync(old, "old");
        File.SetUnixFileMode(old, (UnixFileMode)0b110_100_100);

        await using var node = await NodeProcess.StartAsync(data, printers);
        var result = await new IppClient(_http).PrintJobAsync(node.QueueUri("office"), new MemoryStream("secret"u8.ToArray()), "alice", "payroll");
        Assert.Equal(IppStatusCode.SuccessfulOk, result.Status);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(data));
        var databases = Directory.GetFiles(data, "*.db*");
        Assert.Contains(databases, f => f.EndsWith("documents.db", StringComparison.Ordinal));
        Assert.Contains(databases, f => f.EndsWith("actorspool.db-wal", StringComparison.Ordinal));
        foreach (var file in databases.Append(old))
        {
            Assert.True(File.GetUnixFileMode(file) == (UnixFileMode.UserRead | UnixFileMode.UserWrite), $"{file} is {File.GetUnixFileMode(file)}");
        }
    }
}
