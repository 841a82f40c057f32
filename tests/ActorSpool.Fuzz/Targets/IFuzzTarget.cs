namespace ActorSpool.Fuzz.Targets;

/// <summary>
/// One parser under fuzzing. <see cref="Run"/> feeds it one input and returns normally when the parser behaved:
/// it accepted the input or refused it with its documented error. Anything else escapes as an exception —
/// an unexpected exception type from the parser itself, or a <see cref="FuzzPropertyException"/> when a
/// property beyond "does not crash" fails (too much memory, stream and span readers disagreeing, ...).
/// </summary>
public interface IFuzzTarget
{
    /// <summary>The name scripts/fuzz.sh and the corpus directory (tests/fuzz/corpus/NAME) use.</summary>
    string Name { get; }

    void Run(byte[] input);
}

/// <summary>A property of a parser that the input broke; the message says which and how.</summary>
public sealed class FuzzPropertyException(string message) : Exception(message);

/// <summary>The targets by name.</summary>
public static class FuzzTargets
{
    public static IReadOnlyList<IFuzzTarget> All { get; } =
    [
        new IppParserTarget(),
        new LpdControlFileTarget(),
        new TopologyTarget(),
        new CommandRequestTarget(),
    ];

    public static IFuzzTarget? Find(string name) => All.FirstOrDefault(t => t.Name == name);
}

/// <summary>
/// Bounded memory, checked without timing: what one input makes the parser allocate on this thread (every
/// target runs synchronously) must stay under a budget linear in the input's size.
/// </summary>
internal static class AllocationBudget
{
    public static void Check(string what, int inputLength, long baseBytes, long bytesPerInputByte, Action action)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        action();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var budget = baseBytes + bytesPerInputByte * inputLength;
        if (allocated > budget)
        {
            throw new FuzzPropertyException(
                $"{what} allocated {allocated:N0} bytes for a {inputLength:N0}-byte input (budget {budget:N0}).");
        }
    }
}
