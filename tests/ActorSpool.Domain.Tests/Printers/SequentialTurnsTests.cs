using ActorSpool.Domain.Printers;

namespace ActorSpool.Domain.Tests.Printers;

public sealed class SequentialTurnsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    private static SequentialTurns.Candidate Job(string queue, long id, int second) => new(queue, id, T0.AddSeconds(second));

    [Fact]
    public void The_turn_is_the_earliest_submitted_candidate_of_all_queues_and_nobody_waits_without_candidates()
    {
        var turns = new SequentialTurns();
        Assert.True(turns.IsTurnOf("north", 1));

        turns.Offer("north", Job("north", 7, second: 3), T0);
        turns.Offer("south", Job("south", 2, second: 1), T0);
        Assert.Equal(Job("south", 2, 1), turns.Turn);
        Assert.True(turns.IsTurnOf("south", 2));
        Assert.False(turns.IsTurnOf("north", 7));

        turns.Offer("south", null, T0); // south dispatched it and has nothing more
        Assert.True(turns.IsTurnOf("north", 7));
    }

    [Fact]
    public void A_job_that_left_the_turn_is_expected_and_no_later_job_starts_before_it_arrives_or_the_wait_runs_out()
    {
        var turns = new SequentialTurns();
        turns.Offer("south", Job("south", 2, second: 1), T0);
        turns.Offer("north", Job("north", 7, second: 3), T0);
        turns.Offer("south", null, T0.AddMilliseconds(10)); // south 2 is on its way

        // north 7's worker is faster: it waits for south 2 ...
        Assert.False(turns.MayStart("north", 7, T0.AddSeconds(3), T0.AddMilliseconds(20), Wait));
        Assert.True(turns.MayStart("south", 2, T0.AddSeconds(1), T0.AddMilliseconds(20), Wait));
        turns.Started("south", 2);
        Assert.True(turns.MayStart("north", 7, T0.AddSeconds(3), T0.AddMilliseconds(30), Wait));

        // ... but not forever: a candidate that never comes (canceled) lets later jobs start after the wait.
        turns.Offer("south", Job("south", 4, second: 2), T0.AddSeconds(1));
        turns.Offer("south", null, T0.AddSeconds(1));
        Assert.False(turns.MayStart("north", 7, T0.AddSeconds(3), T0.AddSeconds(2), Wait));
        Assert.Equal(T0.AddSeconds(1) + Wait, turns.NextExpiry(Wait));
        Assert.True(turns.MayStart("north", 7, T0.AddSeconds(3), T0.AddSeconds(6), Wait));
        Assert.Null(turns.NextExpiry(Wait));
    }
}
