using System.Diagnostics;
using System.Text.RegularExpressions;

namespace ActorSpool.TestSupport;

/// <summary>
/// A real ActorSpool node process (ActorSpool.Node.dll beside the test assembly) on loopback ports, with its
/// output kept in a log file. Kill() is SIGKILL: no shutdown hooks run, exactly like a crash.
/// </summary>
public sealed partial class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly StreamWriter _log;

    private NodeProcess(Process process, string logPath, int ippPort)
    {
        _process = process;
        LogPath = logPath;
        IppPort = ippPort;
        _log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.Exited += (_, _) => _ready.TrySetException(new InvalidOperationException($"node exited with {process.ExitCode} before it was ready; log: {LogPath}"));
    }

    public int IppPort { get; }
    public string LogPath { get; }
    public int ProcessId => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    public Uri QueueUri(string queue) => new($"ipp://127.0.0.1:{IppPort}/printers/{queue}");

    public static string NodeDll => Path.Combine(AppContext.BaseDirectory, "ActorSpool.Node.dll");

    /// <summary>Starts a node; ports not given are chosen free. Waits until its IPP listener is up.</summary>
    public static async Task<NodeProcess> StartAsync(string dataDirectory, string printersFile, int? ippPort = null, IEnumerable<string>? extraArgs = null,
        TimeSpan? timeout = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var ipp = ippPort ?? FreePort.Next();
        var args = new List<string>
        {
            NodeDll, "--data", dataDirectory, "--printers", printersFile, "--ipp-port", ipp.ToString(),
            "--http-port", "0", "--cmd-port", "0", "--node-port", "0",
        };
        args.AddRange(extraArgs ?? []);
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        args.ForEach(info.ArgumentList.Add);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var logPath = Path.Combine(dataDirectory, $"node-{DateTime.UtcNow:HHmmssfff}.log");
        Directory.CreateDirectory(dataDirectory);
        process.Start();
        var node = new NodeProcess(process, logPath, ipp);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await node._ready.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(90));
        return node;
    }

    /// <summary>Runs the node to completion (for start-up errors): exit code and all output.</summary>
    public static async Task<(int ExitCode, string Output)> RunToExitAsync(IEnumerable<string> args, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(NodeDll);
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("the node did not exit: " + await stdout + await stderr);
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    private void OnLine(string? line)
    {
        if (line is null) return;
        lock (_log) _log.WriteLine(line);
        if (ReadyLine().IsMatch(line)) _ready.TrySetResult();
    }

    [GeneratedRegex("IPP listening on")]
    private static partial Regex ReadyLine();

    public string ReadLog()
    {
        lock (_log) return File.ReadAllText(LogPath);
    }

    /// <summary>SIGKILL: the node gets no chance to finish anything.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM and wait: a graceful stop through coordinated shutdown.</summary>
    public async Task StopAsync(TimeSpan? timeout = null)
    {
        if (_process.HasExited) return;
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()]))
        {
            await kill.WaitForExitAsync();
        }
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(cts.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
        lock (_log) _log.Dispose();
    }
}
