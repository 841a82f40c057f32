using System.Security.Cryptography;
using ActorSpool.Node.Hosting;
using Akka.Configuration;

namespace ActorSpool.Node.Web.Login;

/// <summary><c>actorspool.web</c>: the web login's session key file and how long a login lasts (docs/security.md).</summary>
public sealed record WebSettings(string SessionKeyFile, TimeSpan SessionLifetime)
{
    public const string DefaultKeyFileName = "web-session.key";

    /// <summary>Reads the settings; an empty key file means DATA/web-session.key.</summary>
    public static WebSettings FromConfig(Config config, string dataDirectory)
    {
        var file = config.GetString("actorspool.web.session-key-file", "");
        var lifetime = config.GetTimeSpan("actorspool.web.session-lifetime", TimeSpan.FromHours(12), allowInfinite: false);
        if (lifetime <= TimeSpan.Zero) throw new StartupException("actorspool.web.session-lifetime must be positive");
        return new WebSettings(string.IsNullOrEmpty(file) ? Path.Combine(dataDirectory, DefaultKeyFileName) : file, lifetime);
    }

    /// <summary>
    /// The key in <see cref="SessionKeyFile"/>, made (32 random bytes, readable by the node's user only) when the file
    /// does not exist. Copy the file to every node so a login and a token work on any of them.
    /// </summary>
    public byte[] LoadOrCreateKey()
    {
        try
        {
            if (!File.Exists(SessionKeyFile))
            {
                var fresh = RandomNumberGenerator.GetBytes(WebTokens.KeyLength);
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(SessionKeyFile))!);
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                try
                {
                    using var stream = new FileStream(SessionKeyFile, options);
                    stream.Write(fresh);
                    return fresh;
                }
                catch (IOException) when (File.Exists(SessionKeyFile))
                {
                    // Another node sharing the directory made it first: use theirs.
                }
            }
            var key = File.ReadAllBytes(SessionKeyFile);
            if (key.Length < WebTokens.KeyLength)
            {
                throw new StartupException($"actorspool.web.session-key-file: {SessionKeyFile} has {key.Length} bytes; it needs at least {WebTokens.KeyLength} (delete it and a new one is made)");
            }
            return key;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"actorspool.web.session-key-file: cannot use {SessionKeyFile}: {e.Message}", e);
        }
    }
}
