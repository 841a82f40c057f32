using System.Diagnostics;

namespace ActorSpool.Actors;

/// <summary>
/// Crash points for chaos tests, off unless ACTORSPOOL_TEST_HOOK is set, e.g.
/// <c>kill-after-document-stored:5</c> or <c>kill-after-delivered:3</c>: the process SIGKILLs itself at the
/// Nth time it passes that point, so tests can kill a node exactly between two steps of the contract.
/// </summary>
public static class TestHooks
{
    public const string AfterDocumentStored = "kill-after-document-stored";
    public const string AfterDelivered = "kill-after-delivered";

    private static readonly (string Point, int Count)? Configured = Parse(Environment.GetEnvironmentVariable("ACTORSPOOL_TEST_HOOK"));
    private static int _passes;

    public static void Pass(string point)
    {
        if (Configured is not { } hook || hook.Point != point) return;
        if (Interlocked.Increment(ref _passes) != hook.Count) return;
        Console.Error.WriteLine($"TEST HOOK {point}:{hook.Count}: killing this process");
        Console.Error.Flush();
        Process.GetCurrentProcess().Kill();
    }

    private static (string, int)? Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        var parts = value.Split(':');
        return parts.Length == 2 && int.TryParse(parts[1], out var n) && n > 0 ? (parts[0], n) : null;
    }
}
