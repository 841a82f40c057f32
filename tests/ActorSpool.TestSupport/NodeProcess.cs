using System.Diagnostics;
using System.Globalization;
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
    private readonly TaskCompletionSource<int> _httpPort = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<int> _commandPort = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly StreamWriter _log;

    private NodeProcess(Process process, string logPath, int ippPort)
    {
        _process = process;
        LogPath = logPath;
        IppPort = ippPort;
        _log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.Exited += (_, _) =>
        {
            process.WaitForExit(); // lets the last output lines (the start-up error) reach the log first
            var exited = new InvalidOperationException($"node exited with {process.ExitCode} before it was ready; log: {LogPath}\n{LogTail(15)}");
            _ready.TrySetException(exited);
            _httpPort.TrySetException(exited);
            _commandPort.TrySetException(exited);
        };
    }

    public int IppPort { get; }
    public string LogPath { get; }
    public int ProcessId => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    /// <summary>The HTTP (/health, /health/ready, /metrics) port from the node's log; 0 until the node logged it.</summary>
    public int HttpPort => _httpPort.Task.IsCompletedSuccessfully ? _httpPort.Task.Result : 0;

    /// <summary>The command host (spoolctl) port from the node's log ("Command host listening on HOST:PORT"); 0 until logged.</summary>
    public int CommandPort => _commandPort.Task.IsCompletedSuccessfully ? _commandPort.Task.Result : 0;

    /// <summary>Waits until the node has logged its command host endpoint; returns the port.</summary>
    public Task<int> WaitForCommandPortAsync(TimeSpan? timeout = null) => _commandPort.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(90));

    public Uri QueueUri(string queue) => new($"ipp://127.0.0.1:{IppPort}/printers/{queue}");

    /// <summary>
    /// Waits until <c>GET /health/ready</c> answers 200, i.e. the node is an <c>Up</c> member of its cluster.
    /// Throws when the node exits first or the timeout (default 90 s) passes.
    /// </summary>
    public async Task WaitForReadyAsync(TimeSpan? timeout = null, CancellationToken ct = default)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(90);
        var clock = Stopwatch.StartNew();
        var port = await _httpPort.Task.WaitAsync(limit, ct);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var url = $"http://127.0.0.1:{port}/health/ready";
        string last = "no answer";
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"node exited with {_process.ExitCode} before it was ready (Up); log: {LogPath}");
            try
            {
                using var response = await http.GetAsync(url, ct);
                if (response.IsSuccessStatusCode) return;
                last = $"HTTP {(int)response.StatusCode}";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                last = e.Message;
            }
            if (clock.Elapsed > limit) throw new TimeoutException($"{url} was not ready within {limit} (last answer: {last}); log: {LogPath}");
            await Task.Delay(250, ct);
        }
    }

    /// <summary>Waits for the process to exit by itself (e.g. a test hook killed it); false on timeout.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>The last <paramref name="lines"/> lines of the node's log.</summary>
    public string LogTail(int lines = 60)
    {
        var all = ReadLog().Split('\n');
        return string.Join('\n', all.TakeLast(lines));
    }

    public static string NodeDll => Path.Combine(AppContext.BaseDirectory, "ActorSpool.Node.dll");

    /// <summary>
    /// Starts a node (<paramref name="entryDll"/>: another host of the node, e.g. the chaos tests' ActorSpool.TestNode.dll);
    /// ports not given are chosen free. Waits until its IPP listener is up. <c>--node-port</c>,
    /// <c>--http-port</c> and <c>--cmd-port</c> default to 0 (any free port) and <c>--dnssd</c> to off unless <paramref name="extraArgs"/> sets them.
    /// </summary>
    public static async Task<NodeProcess> StartAsync(string dataDirectory, string printersFile, int? ippPort = null, IEnumerable<string>? extraArgs = null,
        TimeSpan? timeout = null, IReadOnlyDictionary<string, string>? environment = null, string? entryDll = null)
    {
        var ipp = ippPort ?? FreePort.Next();
        var extra = extraArgs?.ToList() ?? [];
        var args = new List<string> { entryDll ?? NodeDll, "--data", dataDirectory, "--printers", printersFile, "--ipp-port", ipp.ToString(CultureInfo.InvariantCulture) };
        foreach (var flag in (string[])["--http-port", "--cmd-port", "--node-port"])
        {
            if (!extra.Contains(flag)) args.AddRange([flag, "0"]);
        }
        if (!extra.Contains("--dnssd")) args.AddRange(["--dnssd", "off"]); // test nodes advertise nothing unless a test asks
        args.AddRange(extra);
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
        info.Environment["ACTORSPOOL_DNSSD"] = "off"; // a node that gets as far as running advertises nothing (a --dnssd flag still wins)
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
        if (HttpLine().Match(line) is { Success: true } http) _httpPort.TrySetResult(int.Parse(http.Groups[1].Value, CultureInfo.InvariantCulture));
        if (CommandLine().Match(line) is { Success: true } command) _commandPort.TrySetResult(int.Parse(command.Groups[1].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex("IPP listening on")]
    private static partial Regex ReadyLine();

    [GeneratedRegex(@"HTTP \([^)]*\) listening on http://[^:/]+:(\d+)/")]
    private static partial Regex HttpLine();

    [GeneratedRegex(@"Command host listening on [^\s]+:(\d+)")]
    private static partial Regex CommandLine();

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
