namespace ActorSpool.Node.Security;

/// <summary>
/// The data directory holds every spooled document: only the node's own user may read it. The directory is made
/// 0700, which alone keeps every other local user out, and what is directly in it 0600 (directories 0700; not every
/// demo printer's output below them, which the directory already hides). SQLite creates a
/// database's -wal and -shm files with the database file's mode, so they are 0600 too. No umask: the process's umask
/// is shared by everything in it (tests host a node in-process beside servers that run as other users).
/// </summary>
public static class PrivateDataDirectory
{
    private const UnixFileMode Directories = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode Files = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static void Secure(string dataDirectory)
    {
        if (OperatingSystem.IsWindows()) return; // ACLs there; the directory inherits its parent's
        var root = new DirectoryInfo(Path.GetFullPath(dataDirectory));
        root.Create();
        root.UnixFileMode = Directories;
        foreach (var entry in root.EnumerateFileSystemInfos())
        {
            if (entry.LinkTarget is not null) continue; // never follow or change what a link points to
            entry.UnixFileMode = entry is DirectoryInfo ? Directories : Files;
        }
    }
}
