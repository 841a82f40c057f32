using Microsoft.Extensions.Logging;

namespace ActorSpool.Node.Security;

/// <summary>
/// The users of HTTP Basic authentication: a file in htpasswd format with bcrypt entries (what <c>htpasswd -B</c>
/// writes: <c>name:$2y$...</c>). Other htpasswd hashes (MD5 "$apr1$", SHA-1 "{SHA}", crypt) are refused when the file
/// is read, naming the line: they are too cheap to guess. The file is read again when it changes, so adding a user
/// needs no restart; a changed file that does not parse keeps the users read before (and logs why).
/// </summary>
public sealed class UsersFile
{
    // Verified when the user is unknown, so an unknown name costs the same time as a wrong password.
    private static readonly string UnknownUserHash = BCrypt.Net.BCrypt.HashPassword("actorspool-unknown-user", 10);

    private readonly string _path;
    private readonly ILogger _log;
    private readonly Lock _gate = new();
    private IReadOnlyDictionary<string, string> _users;
    private (DateTime WrittenAt, long Length) _version;

    private UsersFile(string path, IReadOnlyDictionary<string, string> users, (DateTime, long) version, ILogger log)
    {
        _path = path;
        _users = users;
        _version = version;
        _log = log;
    }

    public string Path => _path;

    public int Count => _users.Count;

    /// <summary>Reads <paramref name="path"/>; a missing or invalid file is a start-up error (<see cref="FormatException"/> or IOException).</summary>
    public static UsersFile Load(string path, ILogger log)
    {
        var full = System.IO.Path.GetFullPath(path);
        var version = VersionOf(full);
        return new UsersFile(full, Parse(File.ReadAllText(full), full), version, log);
    }

    /// <summary>The entries of an htpasswd text: name → bcrypt hash. Blank lines and lines starting with '#' are skipped.</summary>
    public static IReadOnlyDictionary<string, string> Parse(string text, string source)
    {
        var users = new Dictionary<string, string>(StringComparer.Ordinal);
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = raw.TrimEnd('\r').Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var colon = line.IndexOf(':');
            if (colon <= 0) throw new FormatException($"{source}:{number}: expected NAME:HASH (as htpasswd -B writes)");
            var name = line[..colon];
            var hash = line[(colon + 1)..];
            if (!IsBcrypt(hash))
            {
                throw new FormatException($"{source}:{number}: the entry of '{name}' is not a bcrypt hash; only bcrypt entries are accepted (htpasswd -B -C 10 {source} {name})");
            }
            if (!users.TryAdd(name, hash)) throw new FormatException($"{source}:{number}: '{name}' appears twice");
        }
        return users;
    }

    /// <summary>Whether <paramref name="password"/> is <paramref name="user"/>'s. Takes a bcrypt verification either way.</summary>
    public bool Verify(string user, string password)
    {
        ReloadIfChanged();
        var known = _users.TryGetValue(user, out var hash);
        bool matches;
        try
        {
            matches = BCrypt.Net.BCrypt.Verify(password, known ? hash! : UnknownUserHash);
        }
        catch (BCrypt.Net.SaltParseException)
        {
            matches = false;
        }
        return known && matches;
    }

    private static bool IsBcrypt(string hash) =>
        hash.Length == 60 && (hash.StartsWith("$2y$", StringComparison.Ordinal) || hash.StartsWith("$2b$", StringComparison.Ordinal)
                              || hash.StartsWith("$2a$", StringComparison.Ordinal));

    private static (DateTime, long) VersionOf(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? (info.LastWriteTimeUtc, info.Length) : (DateTime.MinValue, -1);
    }

    private void ReloadIfChanged()
    {
        var version = VersionOf(_path);
        if (version == _version) return;
        lock (_gate)
        {
            if (version == _version) return;
            _version = version;
            try
            {
                _users = Parse(File.ReadAllText(_path), _path);
                _log.LogInformation("Users file {Path} read again: {Count} user(s)", _path, _users.Count);
            }
            catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
            {
                _log.LogError("Users file {Path} changed but cannot be used ({Problem}); keeping the {Count} user(s) read before", _path, e.Message, _users.Count);
            }
        }
    }
}
