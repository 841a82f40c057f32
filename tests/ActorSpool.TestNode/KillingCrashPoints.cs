using System.Diagnostics;
using ActorSpool.Actors;

namespace ActorSpool.TestNode;

/// <summary>
/// Kills this process (SIGKILL, no shutdown) the Nth time it passes one crash point, so a chaos test can stop a node
/// exactly between two steps of the durability contract: "<c>kill-after-document-stored:5</c>".
/// </summary>
public sealed class KillingCrashPoints(string point, int count) : ICrashPoints
{
    public const string EnvironmentVariable = "ACTORSPOOL_TEST_HOOK";

    private int _passes;

    public static ICrashPoints Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return NoCrashPoints.Instance;
        var parts = value.Split(':');
        return parts.Length == 2 && int.TryParse(parts[1], out var n) && n > 0
            ? new KillingCrashPoints(parts[0], n)
            : throw new ArgumentException($"{EnvironmentVariable}={value}: expected POINT:N, e.g. {ICrashPoints.AfterDelivered}:3");
    }

    public void Pass(string passed)
    {
        if (passed != point || Interlocked.Increment(ref _passes) != count) return;
        Console.Error.WriteLine($"TEST HOOK {point}:{count}: killing this process");
        Console.Error.Flush();
        Process.GetCurrentProcess().Kill();
    }
}
