using System.Diagnostics;

namespace ActorSpool.Node.Tests.Management;

/// <summary>What one run of spoolctl printed and returned.</summary>
public sealed record SpoolctlRun(int ExitCode, string Output, string Error)
{
    public IReadOnlyList<string> Lines => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}--- stderr\n{Error}";
}

/// <summary>spoolctl as the operator runs it: <c>dotnet spoolctl.dll ARGS</c> (built beside the tests), optionally with stdin.</summary>
public static class SpoolctlProcess
{
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "spoolctl.dll");

    public static async Task<SpoolctlRun> RunAsync(IEnumerable<string> args, string? input = null, IReadOnlyDictionary<string, string>? environment = null,
        TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Dll);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        info.Environment.Remove("SPOOLCTL_TOKEN");
        info.Environment.Remove("SPOOLCTL_HOST");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (input is not null) await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        using var limit = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"spoolctl {string.Join(' ', args)} did not exit: {await stdout}{await stderr}");
        }
        return new SpoolctlRun(process.ExitCode, await stdout, await stderr);
    }

    public static Task<SpoolctlRun> RunAsync(params string[] args) => RunAsync(args, null);
}
