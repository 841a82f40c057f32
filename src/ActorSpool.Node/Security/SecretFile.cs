using ActorSpool.Node.Hosting;

namespace ActorSpool.Node.Security;

/// <summary>
/// Secrets read from files (compose and Kubernetes secrets, files only the node's user reads), so they appear
/// neither in the process list nor in the environment other processes of the user can read.
/// </summary>
public static class SecretFile
{
    /// <summary>The file's text without the trailing line break editors and <c>echo</c> add; one line, not empty.</summary>
    public static string Read(string path, string setting)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"{setting}: cannot read {path}: {e.Message}", e);
        }
        var secret = text.TrimEnd('\r', '\n');
        if (secret.Length == 0) throw new StartupException($"{setting}: {path} is empty");
        if (secret.Contains('\n')) throw new StartupException($"{setting}: {path} has more than one line; it should hold the secret alone");
        return secret;
    }

    /// <summary>
    /// <paramref name="connectionString"/> with its Password set to <paramref name="password"/> (quoted as the
    /// connection string syntax needs, so any character works).
    /// </summary>
    public static string WithPassword(string connectionString, string password)
    {
        var builder = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        builder["Password"] = password;
        return builder.ConnectionString;
    }

    /// <summary>Whether a connection string carries a password (then it should not be given as a flag).</summary>
    public static bool HasPassword(string connectionString)
    {
        try
        {
            var builder = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
            return builder.TryGetValue("Password", out var value) && value is string { Length: > 0 }
                   || builder.TryGetValue("Pwd", out var pwd) && pwd is string { Length: > 0 };
        }
        catch (ArgumentException)
        {
            return connectionString.Contains("password", StringComparison.OrdinalIgnoreCase);
        }
    }
}
