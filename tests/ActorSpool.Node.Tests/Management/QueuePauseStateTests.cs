using ActorSpool.Domain.Jobs;
using static ActorSpool.Domain.Messages.JobQueueProtocol.Events;

namespace ActorSpool.Node.Tests.Management;

/// <summary>The pause of a queue is state rebuilt from its journal and carried in its snapshots.</summary>
public sealed class QueuePauseStateTests
{
    [Fact]
    public void Pause_and_resume_events_set_the_flag_and_snapshots_keep_it()
    {
        var state = new QueueState();
        Assert.False(state.Paused);
        state.Apply(new QueuePaused("spoolctl", DateTimeOffset.UtcNow));
        Assert.True(state.Paused);
        Assert.True(QueueState.FromSnapshot(state.ToSnapshot()).Paused);

        state.Apply(new QueueResumed(DateTimeOffset.UtcNow));
        Assert.False(state.Paused);
        Assert.False(QueueState.FromSnapshot(state.ToSnapshot()).Paused);
    }

    [Fact]
    public void A_snapshot_written_before_pausing_existed_reads_as_not_paused()
    {
        var snapshot = System.Text.Json.JsonSerializer.Deserialize<QueueSnapshot>("""{"Jobs":[],"NextSequence":5}""")!;
        Assert.False(QueueState.FromSnapshot(snapshot).Paused);
        Assert.Equal(5, QueueState.FromSnapshot(snapshot).NextSequence);
    }
}
