using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ActorSpool.TestSupport;

/// <summary>
/// CUPS's IPP Everywhere reference printer, <c>ippeveprinter</c> (Debian package cups-ipp-utils), on a free loopback
/// port with its own spool directory, keeping every job's document (<c>-k</c>). ippeveprinter cannot run without DNS-SD
/// (it aborts when avahi is unreachable; this version has no switch to turn DNS-SD off), so the first printer makes
/// sure the system D-Bus and avahi-daemon run (Debian packages dbus and avahi-daemon; starting them needs root, as the
/// test machines have) and leaves them running. A missing tool fails the tests, it never skips them silently.
/// </summary>
public sealed class IppEvePrinter : IAsyncDisposable
{
    private static readonly string[] Candidates = ["/usr/sbin/ippeveprinter", "/usr/bin/ippeveprinter"];
    private static readonly SemaphoreSlim DnsSdGate = new(1, 1);
    private static bool _dnsSdReady;

    private readonly Process _process;
    private readonly StringBuilder _output;

    private IppEvePrinter(Process process, StringBuilder output, string spoolDirectory, int port)
    {
        _process = process;
        _output = output;
        SpoolDirectory = spoolDirectory;
        Port = port;
    }

    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    public int Port { get; }

    /// <summary>Where ippeveprinter keeps job files: <c>&lt;job-id&gt;-&lt;job-name&gt;.&lt;ext&gt;</c>.</summary>
    public string SpoolDirectory { get; }

    public Uri PrinterUri => new($"ipp://127.0.0.1:{Port}/ipp/print");

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts a printer accepting <paramref name="formats"/>; <paramref name="command"/> (absolute path) "prints" each document.</summary>
    public static async Task<IppEvePrinter> StartAsync(string? command = null,
        string formats = "application/octet-stream,application/pdf,text/plain,image/pwg-raster")
    {
        var executable = Candidates.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("ippeveprinter is missing: install the Debian package cups-ipp-utils (test.sh does).");
        await EnsureDnsSdAsync();

        var spool = Directory.CreateTempSubdirectory("actorspool-ippeve-").FullName;
        var port = FreePort();
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var arguments = new List<string> { "-v", "-k", "-d", spool, "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-n", "localhost", "-f", formats };
        if (command is not null)
        {
            arguments.AddRange(["-c", command]);
        }

        // A unique DNS-SD service name, so parallel printers do not rename each other.
        arguments.Add($"ActorSpool Test {Guid.NewGuid():N}"[..28]);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var output = new StringBuilder();
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var printer = new IppEvePrinter(process, output, spool, port);
        try
        {
            await printer.WaitUntilListeningAsync();
        }
        catch
        {
            await printer.DisposeAsync();
            throw;
        }

        return printer;
    }

    /// <summary>The kept document of job <paramref name="jobId"/> (not the command's <c>.prn</c> output).</summary>
    public async Task<string> WaitForJobFileAsync(int jobId)
    {
        string? Find() => Directory.EnumerateFiles(SpoolDirectory, $"{jobId}-*")
            .FirstOrDefault(f => !f.EndsWith(".prn", StringComparison.Ordinal));
        var clock = Stopwatch.StartNew();
        while (Find() is not { } path)
        {
            if (clock.Elapsed > Patience)
            {
                throw new TimeoutException(
                    $"ippeveprinter kept no file for job {jobId} (spool: {string.Join(", ", Directory.EnumerateFiles(SpoolDirectory).Select(Path.GetFileName))}):\n{Output}");
            }

            await Task.Delay(50);
        }

        return Find()!;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            await _process.WaitForExitAsync().WaitAsync(Patience);
        }
        catch (Exception)
        {
            // Best effort.
        }
        finally
        {
            _process.Dispose();
        }

        try
        {
            Directory.Delete(SpoolDirectory, recursive: true);
        }
        catch (Exception)
        {
            // A leftover temporary directory is harmless.
        }
    }

    private async Task WaitUntilListeningAsync()
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"ippeveprinter exited with {_process.ExitCode} before listening:\n{Output}");
            }

            try
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (clock.Elapsed < Patience)
            {
                await Task.Delay(50);
            }
        }
    }

    /// <summary>Starts the system D-Bus and avahi-daemon unless they already run.</summary>
    private static async Task EnsureDnsSdAsync()
    {
        await DnsSdGate.WaitAsync();
        try
        {
            if (_dnsSdReady)
            {
                return;
            }

            const string busSocket = "/run/dbus/system_bus_socket";
            if (!Daemons.CanConnect(busSocket))
            {
                RequireRoot("the system D-Bus");
                Directory.CreateDirectory("/run/dbus");
                // A pid file left by a bus that died keeps dbus-daemon from starting.
                File.Delete("/run/dbus/pid");
                await StartDaemonAsync("dbus-daemon --system --fork", "dbus-daemon", "the Debian package dbus");
                await Daemons.WaitAsync(() => Task.FromResult(Daemons.CanConnect(busSocket)), "the system D-Bus socket");
            }

            if (!await AvahiRunningAsync())
            {
                RequireRoot("avahi-daemon");
                await StartDaemonAsync("avahi-daemon --daemonize", "avahi-daemon", "the Debian package avahi-daemon");
                await Daemons.WaitAsync(AvahiRunningAsync, "avahi-daemon to run");
            }

            _dnsSdReady = true;
        }
        finally
        {
            DnsSdGate.Release();
        }
    }

    private static void RequireRoot(string what)
    {
        if (!Environment.IsPrivilegedProcess)
        {
            throw new InvalidOperationException($"ippeveprinter needs {what} running, and starting it needs root.");
        }
    }

    private static async Task<bool> AvahiRunningAsync()
    {
        var start = new ProcessStartInfo("avahi-daemon") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("--check");
        try
        {
            using var process = Process.Start(start)!;
            await process.WaitForExitAsync().WaitAsync(Patience);
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("avahi-daemon is missing: install the Debian package avahi-daemon (test.sh does).", e);
        }
    }

    /// <summary>Runs a daemon that forks into the background, its output sent to /dev/null (not to pipes it would outlive).</summary>
    private static async Task StartDaemonAsync(string commandLine, string program, string package)
    {
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"command -v {program} >/dev/null || exit 127; exec {commandLine} </dev/null >/dev/null 2>&1");
        using var process = Process.Start(start)!;
        await process.WaitForExitAsync().WaitAsync(Patience);
        if (process.ExitCode == 127)
        {
            throw new InvalidOperationException($"{program} is missing: install {package} (test.sh does).");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{commandLine}' failed with exit code {process.ExitCode}.");
        }
    }

    private static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }
}
