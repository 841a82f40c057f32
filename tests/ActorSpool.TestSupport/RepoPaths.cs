namespace ActorSpool.TestSupport;

/// <summary>Finds files of the repository from a test's output folder, so tests use the real config files.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Config(string fileName) => Path.Combine(Root, "config", fileName);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ActorSpool.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"ActorSpool.sln not found above {AppContext.BaseDirectory}");
    }
}

/// <summary>A temp directory deleted with the test.</summary>
public sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("actorspool-test-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A process may still hold a file for a moment; the OS cleans /tmp eventually.
        }
    }
}
