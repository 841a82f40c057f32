using System.Diagnostics;
using Xunit.Abstractions;

namespace ActorSpool.Node.Tests.EndToEnd;

/// <summary>Runs one of CUPS's command-line clients (Debian cups-client: lp, lpstat, cancel) and logs what it said.</summary>
internal static class CupsTool
{
    private static string PathOf(string name) =>
        File.Exists($"/usr/bin/{name}") ? $"/usr/bin/{name}"
            : throw new InvalidOperationException($"CUPS's {name} is not installed (Debian package cups-client); ./test.sh installs it.");

    /// <summary>Runs <paramref name="tool"/> with <paramref name="args"/>; returns its exit code and stdout + stderr.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(ITestOutputHelper output, string tool, params string[] args)
    {
        var start = new ProcessStartInfo(PathOf(tool)) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        var text = (await stdout + await stderr).Trim();
        output.WriteLine($"$ {tool} {string.Join(' ', args)}\n{text}");
        return (process.ExitCode, text);
    }
}
