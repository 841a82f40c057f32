using System.Diagnostics;
using Xunit.Abstractions;

namespace ActorSpool.Node.Tests.EndToEnd;

/// <summary>Runs one of CUPS's command-line clients (Debian cups-client: lp, lpstat, cancel, lpadmin) and logs what it said.</summary>
internal static class CupsTool
{
    private static string PathOf(string name) =>
        File.Exists($"/usr/bin/{name}") ? $"/usr/bin/{name}"
            : File.Exists($"/usr/sbin/{name}") ? $"/usr/sbin/{name}"
            : throw new InvalidOperationException($"CUPS's {name} is not installed (Debian package cups-client); ./test.sh installs it.");

    /// <summary>
    /// Runs <paramref name="tool"/> on a terminal and answers each of its password prompts with <paramref name="password"/>
    /// (null: none, as a user who has none). CUPS's clients read the password from the terminal only (getpass), so
    /// util-linux's <c>script</c> gives them one; the answer is typed once the prompt is there, as getpass discards
    /// what was typed before.
    /// </summary>
    public static async Task<(int ExitCode, string Output)> RunOnTerminalAsync(ITestOutputHelper output, string? password, string tool, params string[] args)
    {
        var command = string.Join(' ', new[] { PathOf(tool) }.Concat(args).Select(a => "'" + a.Replace("'", "'\\''") + "'"));
        var start = new ProcessStartInfo("/usr/bin/script") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-qec", command, "/dev/null" }) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var text = new System.Text.StringBuilder();
        var buffer = new char[1024];
        int answered = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        int read;
        while ((read = await process.StandardOutput.ReadAsync(buffer, timeout.Token)) > 0)
        {
            text.Append(buffer, 0, read);
            int prompts = CountPrompts(text.ToString());
            // A wrong or missing password makes CUPS ask again: answer each prompt once, then give up (end of input).
            while (answered < prompts)
            {
                answered++;
                if (password is not null && answered <= 3) await process.StandardInput.WriteLineAsync(password);
                else process.StandardInput.Close();
            }
        }
        await process.WaitForExitAsync(timeout.Token);
        var all = (text.ToString().Replace("\r", string.Empty) + await stderr).Trim();
        output.WriteLine($"$ {tool} {string.Join(' ', args)} (on a terminal)\n{all}");
        return (process.ExitCode, all);
    }

    private static int CountPrompts(string text)
    {
        int count = 0;
        for (int at = text.IndexOf("Password for", StringComparison.Ordinal); at >= 0; at = text.IndexOf("Password for", at + 1, StringComparison.Ordinal))
            count++;
        return count;
    }

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
