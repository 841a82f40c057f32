using System.Diagnostics;

namespace ActorSpool.Console.Tests;

/// <summary>CUPS's ipptool (Debian cups-ipp-utils, installed by test.sh) as the real IPP client of these tests.</summary>
public static class Ipptool
{
    private const string Binary = "/usr/bin/ipptool";

    /// <summary>Submits <paramref name="text"/> with CUPS's print-job.test; throws with ipptool's output if it fails.</summary>
    public static async Task PrintAsync(string printerUri, string text)
    {
        var document = Path.Combine(Path.GetTempPath(), $"actorspool-console-{Guid.NewGuid():N}.txt");
        await File.WriteAllTextAsync(document, text);
        try
        {
            var (code, output) = await RunAsync("-t", "-f", document, printerUri, "/usr/share/cups/ipptool/print-job.test");
            if (code != 0) throw new InvalidOperationException($"ipptool print-job.test failed ({code}):\n{output}");
        }
        finally
        {
            File.Delete(document);
        }
    }

    /// <summary>The printer-state keyword the queue answers to Get-Printer-Attributes (idle, processing, stopped).</summary>
    public static async Task<string> PrinterStateAsync(string printerUri)
    {
        var (code, output) = await RunAsync("-tv", printerUri, "/usr/share/cups/ipptool/get-printer-attributes.test");
        if (code != 0) throw new InvalidOperationException($"ipptool get-printer-attributes.test failed ({code}):\n{output}");
        var line = output.Split('\n').FirstOrDefault(l => l.Trim().StartsWith("printer-state (enum) = ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"no printer-state in ipptool's output:\n{output}");
        return line.Trim()["printer-state (enum) = ".Length..];
    }

    private static async Task<(int Code, string Output)> RunAsync(params string[] args)
    {
        if (!File.Exists(Binary)) throw new InvalidOperationException("ipptool is missing: run ./test.sh, which installs cups-ipp-utils");
        var info = new ProcessStartInfo(Binary) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        return (process.ExitCode, await output + await error);
    }
}
