using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ActorSpool.TestSupport;

/// <summary>
/// A real LPD server for the tests: BSD lpd from Debian's <c>lpr</c> package (/usr/sbin/lpd), on a free loopback port.
/// lpd only reads the fixed paths /etc/printcap, /etc/hosts.lpd and /var/spool/lpd, so it runs in a private mount and
/// PID namespace (<c>unshare</c>, needs root as the test machines have): an overlay on /etc adds this server's printcap
/// and hosts.lpd, the host's temporary spool directory is bind-mounted on /var/spool/lpd, and killing the namespace's
/// first process takes lpd with it. Each queue's lock file has the owner-execute bit set — lpd's "printing disabled"
/// (what <c>lpc stop</c> does) — so received jobs stay in the spool directory for the test to read, byte for byte.
/// A missing lpd fails the tests (it is part of the test environment), it never skips them silently.
/// </summary>
public sealed class BsdLpdServer : IAsyncDisposable
{
    public const string LpdPath = "/usr/sbin/lpd";
    private const string UnsharePath = "/usr/bin/unshare";

    private readonly Process _process;
    private readonly StringBuilder _output;
    private readonly DirectoryInfo _root;

    private BsdLpdServer(Process process, StringBuilder output, DirectoryInfo root, int port)
    {
        _process = process;
        _output = output;
        _root = root;
        Port = port;
    }

    public int Port { get; }

    /// <summary>Host directory holding one spool directory per queue (lpd's /var/spool/lpd).</summary>
    public string SpoolRoot => Path.Combine(_root.FullName, "spool");

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

    public string QueueDirectory(string queue) => Path.Combine(SpoolRoot, queue);

    public static async Task<BsdLpdServer> StartAsync(params string[] queues)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("The real-LPD tests run Debian's lpd in Linux namespaces.");
        }

        if (!File.Exists(LpdPath))
        {
            throw new InvalidOperationException(
                $"{LpdPath} is missing: the real-LPD tests need BSD lpd from the Debian package 'lpr' (test.sh installs it).");
        }

        if (!Environment.IsPrivilegedProcess)
        {
            throw new InvalidOperationException("The real-LPD tests run lpd in a private mount namespace, which needs root.");
        }

        var root = Directory.CreateTempSubdirectory("actorspool-bsdlpd-");
        var upper = Directory.CreateDirectory(Path.Combine(root.FullName, "etc-upper")).FullName;
        var work = Directory.CreateDirectory(Path.Combine(root.FullName, "etc-work")).FullName;
        var spool = Directory.CreateDirectory(Path.Combine(root.FullName, "spool")).FullName;

        var printcap = new StringBuilder();
        foreach (var queue in queues)
        {
            var directory = Directory.CreateDirectory(Path.Combine(spool, queue)).FullName;
            var lockFile = Path.Combine(directory, "lock");
            await File.WriteAllBytesAsync(lockFile, []);
            // Owner-execute on the lock file: printing disabled, queueing enabled (lpc stop). lpd did not always honour
            // it (it printed a job to the device and deleted its files, once in a few runs), so the device is also a
            // FIFO nobody reads: a print job that starts anyway blocks on it and leaves the job's files in place.
            File.SetUnixFileMode(lockFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                                           UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            printcap.Append($"{queue}|ActorSpool test queue {queue}:\\\n\t:sd=/var/spool/lpd/{queue}:\\\n\t:lp=/var/spool/lpd/{queue}/hold:\\\n\t:mx#0:\\\n\t:sh:\n");
        }

        await File.WriteAllTextAsync(Path.Combine(upper, "printcap"), printcap.ToString());
        await File.WriteAllTextAsync(Path.Combine(upper, "hosts.lpd"), "localhost\n127.0.0.1\n");

        var port = FreePort();
        var script = Path.Combine(root.FullName, "run.sh");
        await File.WriteAllTextAsync(script, $"""
            #!/bin/sh
            set -e
            mount -t overlay overlay -o lowerdir=/etc,upperdir={upper},workdir={work} /etc
            mount -t tmpfs tmpfs /var/spool
            mkdir -p /var/spool/lpd
            mount --bind {spool} /var/spool/lpd
            for queue in {string.Join(" ", queues)}; do mkfifo -m 0660 /var/spool/lpd/$queue/hold; done
            chown -R lp:lp /var/spool/lpd
            mount -t tmpfs tmpfs /run
            {LpdPath} -l -b 127.0.0.1 {port}
            echo "lpd started on port {port}"
            exec sleep infinity
            """.Replace("\r\n", "\n", StringComparison.Ordinal));

        var output = new StringBuilder();
        var start = new ProcessStartInfo(UnsharePath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--mount", "--pid", "--fork", "--kill-child", "/bin/sh", script })
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var server = new BsdLpdServer(process, output, root, port);
        try
        {
            await server.WaitUntilListeningAsync();
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>The files lpd stored for job <paramref name="jobNumber"/> in <paramref name="queue"/>, once its control file is in place.</summary>
    public async Task<(string ControlFile, string[] DataFiles)> WaitForJobFilesAsync(string queue, int jobNumber, int dataFiles)
    {
        var directory = QueueDirectory(queue);
        var number = jobNumber.ToString("D3", System.Globalization.CultureInfo.InvariantCulture);
        string[] Find(string prefix) => Directory.EnumerateFiles(directory, $"{prefix}?{number}*").Order(StringComparer.Ordinal).ToArray();
        try
        {
            await WaitUntilAsync(() => Find("cf").Length == 1 && Find("df").Length == dataFiles, $"lpd to store job {number} in queue {queue}");
        }
        catch (TimeoutException e)
        {
            // What lpd left when the wait ended (its status file says why it stopped or printed, if it did).
            var status = Path.Combine(directory, "status");
            throw new TimeoutException($"{e.Message} (files there now: {string.Join(", ", Directory.EnumerateFiles(directory).Select(Path.GetFileName))}; " +
                                       $"status: {(File.Exists(status) ? File.ReadAllText(status).Trim() : "none")}; lpd output: {Output})", e);
        }
        return (Find("cf")[0], Find("df"));
    }

    /// <summary>
    /// <see cref="WaitForJobFilesAsync"/> and the files' contents. A file that is gone by the time it is read (lpd may
    /// still rename it) is looked for again, a few times, instead of failing the test on a listing a moment old.
    /// </summary>
    public async Task<(string ControlFile, byte[] Control, string[] DataFiles, byte[][] Data)> ReadJobFilesAsync(string queue, int jobNumber, int dataFiles)
    {
        for (var attempt = 1; ; attempt++)
        {
            var (controlFile, dataFileNames) = await WaitForJobFilesAsync(queue, jobNumber, dataFiles);
            try
            {
                var control = await File.ReadAllBytesAsync(controlFile);
                var data = new byte[dataFileNames.Length][];
                for (var i = 0; i < data.Length; i++) data[i] = await File.ReadAllBytesAsync(dataFileNames[i]);
                return (controlFile, control, dataFileNames, data);
            }
            catch (FileNotFoundException) when (attempt < 5)
            {
                await Task.Delay(100);
            }
        }
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
            // Best effort: the namespace dies with its first process.
        }
        finally
        {
            _process.Dispose();
        }

        try
        {
            _root.Delete(recursive: true);
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
                throw new InvalidOperationException($"lpd (in unshare) exited with {_process.ExitCode} before listening:\n{Output}");
            }

            try
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(IPAddress.Loopback, Port);
                socket.Shutdown(SocketShutdown.Both);
                return;
            }
            catch (SocketException) when (clock.Elapsed < Patience)
            {
                await Task.Delay(50);
            }
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

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static Task WaitUntilAsync(Func<bool> condition, string what) => Eventually.WaitUntilAsync(condition, what, Patience);
}
