using ActorSpool.Cli.Spoolctl;

namespace ActorSpool.Cli.Tests;

/// <summary>spoolctl's known_nodes: pins by HOST:PORT, found again, a changed one reported with its line.</summary>
public sealed class KnownNodesTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("known-nodes-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void A_pin_is_kept_per_node_and_a_changed_certificate_names_the_line_to_remove()
    {
        var known = new KnownNodes(Path.Combine(_directory, "sub", "known_nodes"));
        Assert.Equal(PinStatus.Unknown, known.Check("10.0.0.7:9110", "AA:BB").Status);

        known.Add("10.0.0.7:9110", "AA:BB");
        known.Add("10.0.0.8:9110", "CC:DD");
        Assert.Equal(new PinCheck(PinStatus.Known, "AA:BB", 1), known.Check("10.0.0.7:9110", "aabb"));
        Assert.Equal(PinStatus.Unknown, known.Check("10.0.0.7:9111", "AA:BB").Status);

        var changed = known.Check("10.0.0.8:9110", "EE:FF");
        Assert.Equal(new PinCheck(PinStatus.Changed, "CC:DD", 2), changed);
        var message = known.ChangedMessage("10.0.0.8:9110", "EE:FF", changed);
        Assert.Contains("(SHA-256 EE:FF, pinned CC:DD)", message);
        Assert.Contains($"remove line 2 of {known.Path}", message);

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(known.Path));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(known.Path)!));
        }
    }

    [Fact]
    public void The_file_comes_from_the_environment_else_the_users_config_directory()
    {
        var previous = Environment.GetEnvironmentVariable(KnownNodes.PathVariable);
        try
        {
            Environment.SetEnvironmentVariable(KnownNodes.PathVariable, "/tmp/elsewhere/known");
            Assert.Equal("/tmp/elsewhere/known", KnownNodes.Default().Path);
            Environment.SetEnvironmentVariable(KnownNodes.PathVariable, null);
            Assert.EndsWith(Path.Combine("actorspool", "known_nodes"), KnownNodes.Default().Path);
        }
        finally
        {
            Environment.SetEnvironmentVariable(KnownNodes.PathVariable, previous);
        }
    }
}
