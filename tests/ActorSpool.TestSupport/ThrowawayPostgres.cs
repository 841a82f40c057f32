// Long on purpose: finding the installed binaries, initdb, a free port, start, readiness, stop and clean-up of a
// private server are one life cycle; split up it would be harder to follow.
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Npgsql;

namespace ActorSpool.TestSupport;

/// <summary>
/// A private PostgreSQL server for tests: <c>initdb</c> into a fresh temporary directory, <c>pg_ctl start</c> on a
/// free 127.0.0.1 port (unix socket inside the temporary directory), a password-protected superuser and a database
/// <c>actorspool</c>. Durability is switched off (fsync=off) because the data is thrown away anyway.
/// </summary>
/// <remarks>
/// initdb and postgres refuse to run as root; when the tests run as root, the server runs as the <c>postgres</c>
/// OS user (via <c>runuser</c>, else <c>su</c>). The server is stopped (<c>pg_ctl stop -m immediate</c>) and the
/// directory deleted on dispose, at process exit if dispose never happened, and - for servers left behind by a killed
/// test run - by the next <see cref="StartAsync"/>.
/// </remarks>
public sealed partial class ThrowawayPostgres : IAsyncDisposable
{
    private const string DirectoryPrefix = "actorspool-pg-";
    private const string OwnerFileName = "owner.pid";
    private const string UserName = "actorspool";
    private const string DefaultDatabase = "actorspool";
    private const string RunAsUser = "postgres";
    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromSeconds(60);

    private static readonly object LiveLock = new();
    private static readonly HashSet<ThrowawayPostgres> Live = [];
    private static bool _exitHookInstalled;

    private readonly string _binDirectory;
    private readonly string _rootDirectory;
    private readonly string _dataDirectory;
    private readonly string _password;
    private readonly List<string> _issuedConnectionStrings = [];
    private int _disposed;
    private bool _synchronousCommit;

    private ThrowawayPostgres(string binDirectory, string rootDirectory, string password)
    {
        _binDirectory = binDirectory;
        _rootDirectory = rootDirectory;
        _dataDirectory = Path.Combine(rootDirectory, "data");
        _password = password;
        ConnectionString = string.Empty;
        AdminConnectionString = string.Empty;
    }

    /// <summary>Connection string of the <c>actorspool</c> database (TCP, user with password).</summary>
    public string ConnectionString { get; private set; }

    /// <summary>Port the server listens on (127.0.0.1).</summary>
    public int Port { get; private set; }

    /// <summary>The directory holding data, socket and log (deleted on dispose).</summary>
    public string RootDirectory => _rootDirectory;

    private string AdminConnectionString { get; set; }

    private string LogFile => Path.Combine(_rootDirectory, "postgres.log");

    private string SocketDirectory => Path.Combine(_rootDirectory, "sock");

    /// <summary>Starts a new server and waits until it accepts connections.</summary>
    /// <param name="synchronousCommit">
    /// PostgreSQL's default, where a commit returns once its WAL is written: needed by tests that crash the server
    /// (<see cref="StopImmediatelyAsync"/>), since without it the last commits are lost with the server's WAL buffers.
    /// Off by default: faster, and the other tests never stop the server under load.
    /// </param>
    /// <exception cref="InvalidOperationException">The PostgreSQL binaries are missing, or the server could not be started (the message carries the tool output).</exception>
    public static async Task<ThrowawayPostgres> StartAsync(CancellationToken ct = default, bool synchronousCommit = false)
    {
        var bin = FindBinDirectory() ?? throw new InvalidOperationException(
            "PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found in /usr/lib/postgresql/*/bin or on PATH. " +
            "Install them with `apt-get install postgresql` (the README test script does this); the PostgreSQL tests cannot run without them.");

        var runAsOther = IsRoot();
        if (runAsOther && !UserExists(RunAsUser))
        {
            throw new InvalidOperationException(
                $"The tests run as root, but initdb/postgres refuse to run as root and there is no '{RunAsUser}' OS user to run them as. " +
                "Install the server with `apt-get install postgresql` (which creates that user) or run the tests as a non-root user.");
        }

        var baseDirectory = runAsOther ? "/tmp" : Path.GetTempPath();
        await RemoveStaleServersAsync(bin, baseDirectory, runAsOther).ConfigureAwait(false);

        var root = Path.Combine(baseDirectory, DirectoryPrefix + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        await File.WriteAllTextAsync(Path.Combine(root, OwnerFileName), Environment.ProcessId.ToString(CultureInfo.InvariantCulture), ct).ConfigureAwait(false);

        var server = new ThrowawayPostgres(bin, root, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12))) { _synchronousCommit = synchronousCommit };
        try
        {
            await server.StartCoreAsync(runAsOther, ct).ConfigureAwait(false);
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// The bin directory of the newest PostgreSQL under /usr/lib/postgresql/*/bin, else the directory of an
    /// <c>initdb</c> found on PATH, or <c>null</c> when neither exists.
    /// </summary>
    public static string? FindBinDirectory()
    {
        const string debianRoot = "/usr/lib/postgresql";
        if (Directory.Exists(debianRoot))
        {
            var newest = Directory.EnumerateDirectories(debianRoot)
                .Select(dir => (Dir: Path.Combine(dir, "bin"), Version: ParseVersion(Path.GetFileName(dir))))
                .Where(candidate => candidate.Version is not null && HasServerBinaries(candidate.Dir))
                .OrderByDescending(candidate => candidate.Version)
                .Select(candidate => candidate.Dir)
                .FirstOrDefault();
            if (newest is not null)
            {
                return newest;
            }
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(HasServerBinaries);

        static Version? ParseVersion(string name) =>
            Version.TryParse(name.Contains('.', StringComparison.Ordinal) ? name : name + ".0", out var version) ? version : null;
    }

    /// <summary>Creates a fresh, empty database and returns a connection string to it.</summary>
    /// <param name="name">Database name: letters, digits and underscores, not starting with a digit, at most 63 characters.</param>
    public string CreateDatabase(string name)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (!DatabaseNameRegex().IsMatch(name))
        {
            throw new ArgumentException($"'{name}' is not a valid database name here (use letters, digits and underscores; at most 63 characters).", nameof(name));
        }

        using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            connection.Open();
            using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            command.ExecuteNonQuery();
        }

        return Issue(BuildConnectionString(name));
    }

    /// <summary>
    /// Runs a client tool of this PostgreSQL installation (<c>pg_dump</c>, <c>pg_restore</c>, <c>psql</c>: the same version
    /// as the server) as the current user, connected to this server as its superuser (PGHOST, PGPORT, PGUSER, PGPASSWORD);
    /// name the database with <c>-d</c>. Returns its standard output; throws with its output when it fails.
    /// </summary>
    public async Task<string> RunClientToolAsync(string tool, IReadOnlyList<string> arguments, CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var environment = new Dictionary<string, string>
        {
            ["PGHOST"] = "127.0.0.1",
            ["PGPORT"] = Port.ToString(CultureInfo.InvariantCulture),
            ["PGUSER"] = UserName,
            ["PGPASSWORD"] = _password,
        };
        var result = await RunAsync(Path.Combine(_binDirectory, tool), arguments, runAs: null, ct, environment).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} failed (exit code {result.ExitCode}).{Environment.NewLine}{result.Describe()}");
        }

        return result.StandardOutput;
    }

    /// <summary>Stops the server immediately and deletes its directory. Never throws.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        lock (LiveLock)
        {
            Live.Remove(this);
        }

        ClearPools();
        await StopAndDeleteAsync(_binDirectory, _rootDirectory, IsRoot()).ConfigureAwait(false);
    }

    private async Task StartCoreAsync(bool runAsOther, CancellationToken ct)
    {
        var passwordFile = Path.Combine(_rootDirectory, "pwfile");
        await File.WriteAllTextAsync(passwordFile, _password + "\n", ct).ConfigureAwait(false);
        Directory.CreateDirectory(SocketDirectory);
        if (runAsOther)
        {
            await RunCheckedAsync("chown", ["-R", $"{RunAsUser}:", _rootDirectory], runAs: null, "chown of the temporary directory", ct).ConfigureAwait(false);
        }

        lock (LiveLock)
        {
            Live.Add(this);
            if (!_exitHookInstalled)
            {
                _exitHookInstalled = true;
                AppDomain.CurrentDomain.ProcessExit += (_, _) => StopAllAtExit();
            }
        }

        var runAs = runAsOther ? RunAsUser : null;
        await RunCheckedAsync(
            Path.Combine(_binDirectory, "initdb"),
            ["-D", _dataDirectory, "-U", UserName, "--pwfile=" + passwordFile, "-A", "scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync"],
            runAs,
            "initdb",
            ct).ConfigureAwait(false);
        File.Delete(passwordFile);

        const int attempts = 5;
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort.Next();
            var result = await PgCtlStartAsync(port, runAs, ct).ConfigureAwait(false);
            if (result.ExitCode == 0)
            {
                Port = port;
                break;
            }

            var log = ReadLogTail();
            var portTaken = log.Contains("could not bind", StringComparison.OrdinalIgnoreCase)
                || log.Contains("already in use", StringComparison.OrdinalIgnoreCase);
            if (!portTaken || attempt == attempts)
            {
                throw new InvalidOperationException(
                    $"pg_ctl start failed (exit code {result.ExitCode}) on port {port}.{Environment.NewLine}{result.Describe()}{Environment.NewLine}--- postgres.log ---{Environment.NewLine}{log}");
            }

            // Someone else took the port between FreePort.Next() and the bind; make sure nothing half-started remains.
            await RunAsync(Path.Combine(_binDirectory, "pg_ctl"), ["-D", _dataDirectory, "-m", "immediate", "-w", "stop"], runAs, ct).ConfigureAwait(false);
        }

        AdminConnectionString = BuildConnectionString("postgres");
        await WaitUntilAcceptingConnectionsAsync(ct).ConfigureAwait(false);

        await using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            await connection.OpenAsync(ct).ConfigureAwait(false);
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{DefaultDatabase}\"", connection);
            await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        Issue(AdminConnectionString);
        ConnectionString = Issue(BuildConnectionString(DefaultDatabase));
    }

    private Task<ProcessResult> PgCtlStartAsync(int port, string? runAs, CancellationToken ct)
    {
        var serverOptions = string.Join(' ',
            $"-p {port}",
            "-k " + ShellQuote(SocketDirectory), // pg_ctl hands -o to a shell
            "-c listen_addresses=127.0.0.1",
            "-c fsync=off",
            _synchronousCommit ? "-c synchronous_commit=on" : "-c synchronous_commit=off",
            "-c full_page_writes=off",
            "-c max_connections=300",
            "-c shared_buffers=32MB");
        return RunAsync(
            Path.Combine(_binDirectory, "pg_ctl"),
            ["-D", _dataDirectory, "-l", LogFile, "-w", "-t", ((int)ProcessTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture), "-o", serverOptions, "start"],
            runAs,
            ct);
    }

    /// <summary>
    /// Stops the server as a crash of the database would (<c>pg_ctl stop -m immediate</c>): every connection drops at
    /// once and new ones are refused, until <see cref="StartAgainAsync"/>. Committed data stays (an immediate stop
    /// is recovered from the server's WAL on the next start).
    /// </summary>
    public async Task StopImmediatelyAsync(CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        await RunCheckedAsync(Path.Combine(_binDirectory, "pg_ctl"), ["-D", _dataDirectory, "-m", "immediate", "-w", "stop"],
            IsRoot() ? RunAsUser : null, "pg_ctl stop -m immediate", ct).ConfigureAwait(false);
    }

    /// <summary>Starts the server stopped by <see cref="StopImmediatelyAsync"/> again, on the same port, and waits until it accepts connections.</summary>
    public async Task StartAgainAsync(CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var result = await PgCtlStartAsync(Port, IsRoot() ? RunAsUser : null, ct).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"pg_ctl start (again) failed (exit code {result.ExitCode}) on port {Port}.{Environment.NewLine}{result.Describe()}{Environment.NewLine}--- postgres.log ---{Environment.NewLine}{ReadLogTail()}");
        }

        await WaitUntilAcceptingConnectionsAsync(ct).ConfigureAwait(false);
    }

    private async Task WaitUntilAcceptingConnectionsAsync(CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(AdminConnectionString);
                await connection.OpenAsync(ct).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException && deadline.Elapsed < ProcessTimeout)
            {
                await Task.Delay(200, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                throw new InvalidOperationException(
                    $"PostgreSQL on port {Port} did not accept connections within {ProcessTimeout.TotalSeconds:0} s.{Environment.NewLine}--- postgres.log ---{Environment.NewLine}{ReadLogTail()}",
                    ex);
            }
        }
    }

    private string BuildConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Database = database,
        Username = UserName,
        Password = _password,
        IncludeErrorDetail = true,
        Timeout = 30,
    }.ConnectionString;

    private string Issue(string connectionString)
    {
        lock (_issuedConnectionStrings)
        {
            _issuedConnectionStrings.Add(connectionString);
        }

        return connectionString;
    }

    private void ClearPools()
    {
        // Only this server's pools: other fixtures in the same process keep theirs.
        string[] issued;
        lock (_issuedConnectionStrings)
        {
            issued = [.. _issuedConnectionStrings];
        }

        foreach (var connectionString in issued)
        {
            try
            {
                using var connection = new NpgsqlConnection(connectionString);
                NpgsqlConnection.ClearPool(connection);
            }
            catch (Exception)
            {
                // Best effort during cleanup.
            }
        }
    }

    private string ReadLogTail()
    {
        try
        {
            if (!File.Exists(LogFile))
            {
                return "(no log file)";
            }

            var text = File.ReadAllText(LogFile);
            return text.Length <= 8000 ? text : text[^8000..];
        }
        catch (Exception ex)
        {
            return $"(could not read {LogFile}: {ex.Message})";
        }
    }

    private static async Task StopAndDeleteAsync(string binDirectory, string rootDirectory, bool runAsOther)
    {
        var dataDirectory = Path.Combine(rootDirectory, "data");
        try
        {
            if (File.Exists(Path.Combine(dataDirectory, "postmaster.pid")))
            {
                using var timeout = new CancellationTokenSource(ProcessTimeout + TimeSpan.FromSeconds(5));
                await RunAsync(
                    Path.Combine(binDirectory, "pg_ctl"),
                    ["-D", dataDirectory, "-m", "immediate", "-w", "stop"],
                    runAsOther ? RunAsUser : null,
                    timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception)
        {
            // Best effort: deleting the data directory below also makes an orphaned postmaster shut itself down.
        }

        for (var attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                if (Directory.Exists(rootDirectory))
                {
                    Directory.Delete(rootDirectory, recursive: true);
                }

                return;
            }
            catch (Exception) when (attempt < 4)
            {
                await Task.Delay(200).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Give up silently; a later StartAsync removes stale directories.
            }
        }
    }

    private static void StopAllAtExit()
    {
        ThrowawayPostgres[] remaining;
        lock (LiveLock)
        {
            remaining = [.. Live];
            Live.Clear();
        }

        foreach (var server in remaining)
        {
            if (Interlocked.Exchange(ref server._disposed, 1) == 0)
            {
                StopAndDeleteAsync(server._binDirectory, server._rootDirectory, IsRoot()).GetAwaiter().GetResult();
            }
        }
    }

    /// <summary>Stops and removes servers whose owning test process no longer exists (e.g. a killed test run).</summary>
    private static async Task RemoveStaleServersAsync(string binDirectory, string baseDirectory, bool runAsOther)
    {
        IEnumerable<string> candidates;
        try
        {
            candidates = Directory.EnumerateDirectories(baseDirectory, DirectoryPrefix + "*").ToList();
        }
        catch (Exception)
        {
            return;
        }

        foreach (var directory in candidates)
        {
            try
            {
                var ownerFile = Path.Combine(directory, OwnerFileName);
                bool stale;
                if (File.Exists(ownerFile))
                {
                    stale = !int.TryParse(File.ReadAllText(ownerFile).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var owner)
                        || !IsProcessAlive(owner);
                }
                else
                {
                    // Owner file not written yet (another process is just starting) or lost: only old ones are stale.
                    stale = Directory.GetCreationTimeUtc(directory) < DateTime.UtcNow - TimeSpan.FromHours(1);
                }

                if (stale)
                {
                    await StopAndDeleteAsync(binDirectory, directory, runAsOther).ConfigureAwait(false);
                }
            }
            catch (Exception)
            {
                // Someone else is cleaning up the same directory, or it is not ours; ignore.
            }
        }
    }

    private static bool IsProcessAlive(int pid)
    {
        if (pid == Environment.ProcessId)
        {
            return true;
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static bool HasServerBinaries(string directory) =>
        File.Exists(Path.Combine(directory, "initdb")) && File.Exists(Path.Combine(directory, "pg_ctl")) && File.Exists(Path.Combine(directory, "postgres"));

    private static bool IsRoot() => !OperatingSystem.IsWindows() && Environment.UserName == "root";

    private static bool UserExists(string user)
    {
        try
        {
            return File.ReadLines("/etc/passwd").Any(line => line.StartsWith(user + ":", StringComparison.Ordinal));
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static async Task RunCheckedAsync(string fileName, IReadOnlyList<string> arguments, string? runAs, string what, CancellationToken ct)
    {
        var result = await RunAsync(fileName, arguments, runAs, ct).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{what} failed (exit code {result.ExitCode}).{Environment.NewLine}{result.Describe()}");
        }
    }

    /// <summary>Runs a tool (as <paramref name="runAs"/> if given), capturing its output, killing it after the timeout.</summary>
    private static async Task<ProcessResult> RunAsync(string fileName, IReadOnlyList<string> arguments, string? runAs, CancellationToken ct,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var startInfo = new ProcessStartInfo
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            // The postgres user cannot necessarily enter the test's working directory (e.g. under /root).
            WorkingDirectory = "/",
        };
        startInfo.Environment["LC_ALL"] = "C";
        startInfo.Environment["LANG"] = "C";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) startInfo.Environment[name] = value;

        if (runAs is null)
        {
            startInfo.FileName = fileName;
            foreach (var argument in arguments)
            {
                startInfo.ArgumentList.Add(argument);
            }
        }
        else if (File.Exists("/usr/sbin/runuser") || File.Exists("/sbin/runuser") || File.Exists("/usr/bin/runuser"))
        {
            startInfo.FileName = "runuser";
            foreach (var argument in (string[])["-u", runAs, "--", fileName, .. arguments])
            {
                startInfo.ArgumentList.Add(argument);
            }
        }
        else
        {
            startInfo.FileName = "su";
            var command = string.Join(' ', new[] { fileName }.Concat(arguments).Select(ShellQuote));
            foreach (var argument in (string[])[runAs, "-s", "/bin/sh", "-c", command])
            {
                startInfo.ArgumentList.Add(argument);
            }
        }

        var commandLine = string.Join(' ', new[] { startInfo.FileName }.Concat(startInfo.ArgumentList).Select(ShellQuote));
        using var process = new Process { StartInfo = startInfo };
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stdout)
                {
                    stdout.AppendLine(e.Data);
                }
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stderr)
                {
                    stderr.AppendLine(e.Data);
                }
            }
        };

        try
        {
            process.Start();
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException($"Could not start `{commandLine}`: {ex.Message}", ex);
        }

        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(ProcessTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (Exception)
            {
                // Already gone.
            }

            ct.ThrowIfCancellationRequested();
            throw new InvalidOperationException(
                $"`{commandLine}` did not finish within {ProcessTimeout.TotalSeconds:0} s.{Environment.NewLine}stdout:{Environment.NewLine}{stdout}{Environment.NewLine}stderr:{Environment.NewLine}{stderr}");
        }

        // The parameterless overload waits for the redirected streams to be drained.
        process.WaitForExit();
        return new ProcessResult(commandLine, process.ExitCode, stdout.ToString(), stderr.ToString());
    }

    private static string ShellQuote(string value) =>
        value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,@%+".Contains(c, StringComparison.Ordinal))
            ? value
            : "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,62}$")]
    private static partial Regex DatabaseNameRegex();

    private sealed record ProcessResult(string CommandLine, int ExitCode, string StandardOutput, string StandardError)
    {
        public string Describe() =>
            $"command: {CommandLine}{Environment.NewLine}stdout:{Environment.NewLine}{StandardOutput.TrimEnd()}{Environment.NewLine}stderr:{Environment.NewLine}{StandardError.TrimEnd()}";
    }
}
