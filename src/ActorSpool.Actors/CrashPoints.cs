namespace ActorSpool.Actors;

/// <summary>
/// Points between two steps of the durability contract where a chaos test kills a node (a test host injects an
/// implementation that kills its own process; see tests/ActorSpool.TestNode). Production passes them by.
/// </summary>
public interface ICrashPoints
{
    /// <summary>The job's document is committed; the queue has not accepted the job yet.</summary>
    public const string AfterDocumentStored = "kill-after-document-stored";

    /// <summary>The device has the job; its outcome is not recorded yet.</summary>
    public const string AfterDelivered = "kill-after-delivered";

    void Pass(string point);
}

/// <summary>The production crash points: none.</summary>
public sealed class NoCrashPoints : ICrashPoints
{
    public static readonly NoCrashPoints Instance = new();

    public void Pass(string point)
    {
    }
}
