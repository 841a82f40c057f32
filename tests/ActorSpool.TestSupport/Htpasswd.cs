using System.Diagnostics;
using Xunit;

namespace ActorSpool.TestSupport;

/// <summary>Apache's real <c>htpasswd</c> (Debian apache2-utils, installed by test.sh) writing the users files nodes read.</summary>
public static class Htpasswd
{
    /// <summary>Adds (or replaces) <paramref name="user"/> in <paramref name="file"/>, created when missing; <paramref name="flags"/> e.g. -B -C 4.</summary>
    public static void Add(string file, string user, string password, params string[] flags)
    {
        var start = new ProcessStartInfo("htpasswd") { RedirectStandardInput = true, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var flag in flags) start.ArgumentList.Add(flag);
        start.ArgumentList.Add("-i");
        if (!File.Exists(file)) start.ArgumentList.Add("-c");
        start.ArgumentList.Add(file);
        start.ArgumentList.Add(user);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("htpasswd is missing: run ./test.sh (apt-get install apache2-utils)");
        process.StandardInput.Write(password);
        process.StandardInput.Close();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, "htpasswd failed: " + process.StandardError.ReadToEnd());
    }
}
