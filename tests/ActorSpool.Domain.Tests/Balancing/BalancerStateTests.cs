using ActorSpool.Domain.Balancing;

namespace ActorSpool.Domain.Tests.Balancing;

public sealed class BalancerStateTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static WorkRequest Job(long id, long pages = 1) => new("office", id, pages, pages * 3000);

    [Fact]
    public void Grants_go_to_the_least_loaded_node()
    {
        var state = new BalancerState();
        state.Register("a/1", "node-a", null, Now);
        state.Register("a/2", "node-a", null, Now);
        state.Register("b/1", "node-b", null, Now);
        state.Register("b/2", "node-b", null, Now);
        // node-a already runs a job.
        state.Register("a/1", "node-a", Job(99), Now);

        state.Enqueue(Job(1));
        var grant = Assert.Single(state.Grant(Now));
        Assert.StartsWith("b/", grant.WorkerId);
    }

    [Fact]
    public void Equal_share_of_busy_workers_is_decided_by_pages_in_flight()
    {
        var state = new BalancerState();
        state.Register("a/1", "node-a", Job(10, pages: 500), Now);
        state.Register("a/2", "node-a", null, Now);
        state.Register("b/1", "node-b", Job(11, pages: 2), Now);
        state.Register("b/2", "node-b", null, Now);

        state.Enqueue(Job(1));
        Assert.Equal("b/2", Assert.Single(state.Grant(Now)).WorkerId);
    }

    [Fact]
    public void Jobs_spread_evenly_over_equal_nodes()
    {
        var state = new BalancerState();
        foreach (var node in new[] { "n1", "n2", "n3" })
        {
            for (var w = 1; w <= 2; w++) state.Register($"{node}/{w}", node, null, Now);
        }
        for (var id = 1; id <= 6; id++) state.Enqueue(Job(id));

        var grants = state.Grant(Now);

        Assert.Equal(6, grants.Count);
        Assert.All(state.Loads(), l => Assert.Equal(2, l.BusyWorkers));
    }

    [Fact]
    public void Requests_wait_when_every_worker_is_busy_and_are_granted_on_release()
    {
        var state = new BalancerState();
        state.Register("a/1", "node-a", null, Now);
        state.Enqueue(Job(1));
        state.Enqueue(Job(2));

        Assert.Single(state.Grant(Now));
        Assert.Equal(1, state.WaitingCount);

        state.Release("a/1");
        var grant = Assert.Single(state.Grant(Now));
        Assert.Equal(2, grant.Request.JobId);
    }

    [Fact]
    public void A_repeated_request_for_the_same_job_is_ignored()
    {
        var state = new BalancerState();
        Assert.True(state.Enqueue(Job(1)));
        Assert.False(state.Enqueue(Job(1)));
        Assert.Equal(1, state.WaitingCount);
    }

    [Fact]
    public void An_idle_report_that_crossed_a_fresh_grant_keeps_the_worker_busy()
    {
        var state = new BalancerState();
        state.Register("a/1", "node-a", null, Now);
        state.Enqueue(Job(1));
        state.Grant(Now);

        state.Register("a/1", "node-a", null, Now.AddSeconds(1));
        Assert.Equal(1, state.Loads().Single().BusyWorkers);

        // Long after the grant the worker's own word wins: the grant never reached it.
        state.Register("a/1", "node-a", null, Now + BalancerState.GrantGrace + TimeSpan.FromSeconds(1));
        Assert.Equal(0, state.Loads().Single().BusyWorkers);
    }

    [Fact]
    public void Workers_of_a_removed_node_are_dropped()
    {
        var state = new BalancerState();
        state.Register("a/1", "node-a", null, Now);
        state.Register("b/1", "node-b", null, Now);

        Assert.Equal(1, state.UnregisterNode("node-a"));
        state.Enqueue(Job(1));
        Assert.Equal("b/1", Assert.Single(state.Grant(Now)).WorkerId);
    }
}
