using System.ComponentModel;
using System.Diagnostics;
using System.Text.RegularExpressions;
using ActorSpool.TestSupport;

namespace ActorSpool.Chaos.Tests;

/// <summary>
/// Debian's <c>haproxy</c> (package haproxy, which ./test.sh installs) in the foreground on a loopback copy of
/// config/haproxy/haproxy.cfg (<see cref="HaproxyConfig.ForLoopback"/>). Every line it writes (its log on stdout,
/// its warnings such as "Server ipp-nodes/node2 is DOWN" on stderr) is kept with the moment it arrived.
/// </summary>
public sealed class HaproxyProcess : IAsyncDisposable
{
    public sealed record Line(DateTimeOffset At, string Text);

    private readonly Process _process;
    private readonly List<Line> _lines = [];

    private HaproxyProcess(Process process, string configPath, string version)
    {
        _process = process;
        ConfigPath = configPath;
        Version = version;
    }

    public string ConfigPath { get; }

    /// <summary>The version <c>haproxy -v</c> prints, e.g. "2.6.12-1+deb12u4".</summary>
    public string Version { get; }

    /// <summary>"2.6.12-1+deb12u4" from "HAProxy version 2.6.12-1+deb12u4 2026/10/17 - https://haproxy.org/".</summary>
    private static string VersionIn(string output)
    {
        var words = output.Split('\n')[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var at = Array.IndexOf(words, "version");
        return at >= 0 && at + 1 < words.Length ? words[at + 1] : output.Trim();
    }

    public IReadOnlyList<Line> Lines
    {
        get
        {
            lock (_lines) return _lines.ToArray();
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Checks the configuration (<c>haproxy -c</c>), then starts haproxy on it in the foreground (<c>-db</c>).</summary>
    public static async Task<HaproxyProcess> StartAsync(string configPath)
    {
        var (_, version) = await RunAsync("-v");
        var (code, output) = await RunAsync("-c", "-f", configPath);
        if (code != 0) throw new InvalidOperationException($"haproxy -c rejected {configPath} (exit {code}):\n{output}");

        var process = Start("-db", "-f", configPath);
        var haproxy = new HaproxyProcess(process, configPath, VersionIn(version));
        process.OutputDataReceived += (_, e) => haproxy.Add(e.Data);
        process.ErrorDataReceived += (_, e) => haproxy.Add(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return haproxy;
    }

    /// <summary>Throws, with haproxy's last lines, once it has exited (it never should during a test).</summary>
    public void ThrowIfExited()
    {
        if (_process.HasExited)
            throw new InvalidOperationException($"haproxy exited with {_process.ExitCode}:\n{string.Join('\n', Lines.TakeLast(20).Select(l => l.Text))}");
    }

    /// <summary>The first line matching <paramref name="pattern"/> that arrived at or after <paramref name="after"/>; waits up to <paramref name="timeout"/>.</summary>
    public async Task<Line> WaitForLineAsync(string pattern, DateTimeOffset after, TimeSpan timeout)
    {
        var regex = new Regex(pattern);
        Line? hit = null;
        await Eventually.WaitUntilAsync(() =>
        {
            hit = Lines.FirstOrDefault(l => l.At >= after && regex.IsMatch(l.Text));
            return hit is not null || _process.HasExited;
        }, $"haproxy logging /{pattern}/", timeout);
        return hit ?? throw new InvalidOperationException($"haproxy exited with {_process.ExitCode} before logging /{pattern}/:\n{string.Join('\n', Lines.TakeLast(20).Select(l => l.Text))}");
    }

    private void Add(string? text)
    {
        if (text is null) return;
        lock (_lines) _lines.Add(new Line(DateTimeOffset.UtcNow, text));
    }

    private static Process Start(params string[] arguments)
    {
        var start = new ProcessStartInfo("haproxy") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        try
        {
            return Process.Start(start) ?? throw new InvalidOperationException("haproxy did not start");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"haproxy is not installed ({e.Message}): run ./test.sh, which installs it, or apt-get install haproxy", e);
        }
    }

    private static async Task<(int Code, string Output)> RunAsync(params string[] arguments)
    {
        using var process = Start(arguments);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            // Already gone.
        }
        _process.Dispose();
    }
}
