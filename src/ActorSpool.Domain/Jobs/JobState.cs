namespace ActorSpool.Domain.Jobs;

/// <summary>IPP job states (RFC 8011 §5.3.7); the numeric values are the IPP enum values.</summary>
public enum JobState
{
    Pending = 3,
    PendingHeld = 4,
    Processing = 5,
    ProcessingStopped = 6,
    Canceled = 7,
    Aborted = 8,
    Completed = 9,
}

public static class JobStateExtensions
{
    public static bool IsTerminal(this JobState state) =>
        state is JobState.Canceled or JobState.Aborted or JobState.Completed;

    /// <summary>The IPP keyword spelling, e.g. <c>pending-held</c>.</summary>
    public static string ToKeyword(this JobState state) => state switch
    {
        JobState.Pending => "pending",
        JobState.PendingHeld => "pending-held",
        JobState.Processing => "processing",
        JobState.ProcessingStopped => "processing-stopped",
        JobState.Canceled => "canceled",
        JobState.Aborted => "aborted",
        JobState.Completed => "completed",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    public static bool TryParseKeyword(string keyword, out JobState state)
    {
        foreach (var candidate in Enum.GetValues<JobState>())
        {
            if (string.Equals(candidate.ToKeyword(), keyword, StringComparison.OrdinalIgnoreCase))
            {
                state = candidate;
                return true;
            }
        }
        state = default;
        return false;
    }
}

/// <summary>How one delivery attempt ended. NotStarted never reached the device, so it does not count as an attempt.</summary>
public enum DeliveryOutcome
{
    Delivered,
    Failed,
    NotStarted,
}
