using ActorSpool.Domain.Balancing;

namespace ActorSpool.Domain.Tests.Balancing;

public sealed class BalancerStateTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static WorkRequest Job(long id, long pages = 1) => new("office", id, pages, pages * 3000);

    /// <summary>A request as a queue sends it: the job's priority and submission time.</summary>
    private static WorkRequest Request(string queue, long id, int priority, DateTimeOffset submittedAt) =>
        new(queue, id, 1, 3000) { Priority = priority, SubmittedAt = submittedAt };

    /// <summary>Grants one request at a time through a single worker, as each job finishes: the order jobs would print in.</summary>
    private static List<string> GrantOneByOne(BalancerState state)
    {
        var order = new List<string>();
        while (state.Grant(Now) is [var grant])
        {
            order.Add($"{grant.Request.Queue}/{grant.Request.JobId}");
            state.Release(grant.WorkerId);
        }
        return order;
    }

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

        state.Enqueue(Job(1), Now);
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

        state.Enqueue(Job(1), Now);
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
        for (var id = 1; id <= 6; id++) state.Enqueue(Job(id), Now);

        var grants = state.Grant(Now);

        Assert.Equal(6, grants.Count);
        Assert.All(state.Loads(), l => Assert.Equal(2, l.BusyWorkers));
    }

    [Fact]
    public void Requests_wait_when_every_worker_is_busy_and_are_granted_on_release()
    {
        var state = new BalancerState();
        state.Register("a/1", "node-a", null, Now);
        state.Enqueue(Job(1), Now);
        state.Enqueue(Job(2), Now);

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
        Assert.True(state.Enqueue(Job(1), Now));
        Assert.False(state.Enqueue(Job(1), Now));
        Assert.Equal(1, state.WaitingCount);
    }

    [Fact]
    public void An_idle_report_that_crossed_a_fresh_grant_keeps_the_worker_busy()
    {
        var state = new BalancerState();
        state.Register("a/1", "node-a", null, Now);
        state.Enqueue(Job(1), Now);
        state.Grant(Now);

        state.Register("a/1", "node-a", null, Now.AddSeconds(1));
        Assert.Equal(1, state.Loads().Single().BusyWorkers);

        // Long after the grant the worker's own word wins: the grant never reached it.
        state.Register("a/1", "node-a", null, Now + BalancerState.GrantGrace + TimeSpan.FromSeconds(1));
        Assert.Equal(0, state.Loads().Single().BusyWorkers);
    }

    /// <summary>Two idle nodes; job 1 is granted, and its queue asks for it again while the balancer still has it running.</summary>
    private static (BalancerState State, string FirstWorker) JobOneGrantedAndAskedForAgain()
    {
        var state = new BalancerState();
        state.Register("a/1", "node-a", null, Now);
        state.Register("b/1", "node-b", null, Now);
        state.Enqueue(Job(1), Now);
        var first = Assert.Single(state.Grant(Now));
        Assert.False(state.Enqueue(Job(1), Now));
        return (state, first.WorkerId);
    }

    [Fact]
    public void A_request_for_a_job_whose_worker_dies_before_the_balancer_hears_of_it_is_granted_once_the_worker_is_dropped()
    {
        // The queue saw the worker die first and asked again.
        var (state, firstWorker) = JobOneGrantedAndAskedForAgain();
        Assert.Empty(state.Grant(Now));

        state.Unregister(firstWorker);
        var again = Assert.Single(state.Grant(Now));
        Assert.Equal(1, again.Request.JobId);
        Assert.NotEqual(firstWorker, again.WorkerId);
    }

    [Fact]
    public void A_re_request_held_back_by_a_worker_of_a_crashed_node_is_granted_when_the_node_is_dropped()
    {
        var state = new BalancerState();
        state.Register("a/1", "node-a", Job(1), Now);
        state.Register("a/2", "node-a", Job(2), Now);
        state.Register("b/1", "node-b", null, Now);
        state.Register("b/2", "node-b", null, Now);
        state.Enqueue(Job(1), Now);
        state.Enqueue(Job(2), Now);

        state.UnregisterNode("node-a");

        var grants = state.Grant(Now);
        Assert.Equal([1L, 2L], grants.Select(g => g.Request.JobId).Order());
        Assert.All(grants, g => Assert.StartsWith("b/", g.WorkerId));
    }

    [Fact]
    public void A_re_request_for_a_job_its_worker_then_finishes_is_not_granted_again()
    {
        var (state, firstWorker) = JobOneGrantedAndAskedForAgain();

        // The job ends normally, and only then the worker goes (its node leaves).
        state.Release(firstWorker);
        state.Unregister(firstWorker);
        Assert.Empty(state.Grant(Now));

        // A worker that reports another job (or idle) is no longer running the deferred one either.
        state.Register("b/1", "node-b", Job(7), Now);
        Assert.False(state.Enqueue(Job(7), Now));
        state.Register("b/1", "node-b", Job(8), Now + BalancerState.GrantGrace);
        state.Unregister("b/1");
        Assert.Equal(0, state.WaitingCount);
    }

    [Fact]
    public void A_withdrawn_re_request_is_not_granted_when_the_worker_goes()
    {
        var state = new BalancerState();
        state.Register("a/1", "node-a", Job(1), Now);
        state.Register("b/1", "node-b", null, Now);
        state.Enqueue(Job(1), Now);
        state.RemoveWaiting("office", 1);

        state.Unregister("a/1");
        Assert.Empty(state.Grant(Now));
    }

    [Fact]
    public void Workers_of_a_removed_node_are_dropped()
    {
        var state = new BalancerState();
        state.Register("a/1", "node-a", null, Now);
        state.Register("b/1", "node-b", null, Now);

        Assert.Equal(1, state.UnregisterNode("node-a"));
        state.Enqueue(Job(1), Now);
        Assert.Equal("b/1", Assert.Single(state.Grant(Now)).WorkerId);
    }

    [Fact]
    public void The_highest_priority_of_any_queue_is_granted_first_whatever_arrived_before_it()
    {
        var state = new BalancerState();
        state.Register("a/1", "node-a", null, Now);
        state.Register("a/1", "node-a", Job(99), Now); // busy: the requests below wait
        for (var id = 1; id <= 5; id++) state.Enqueue(Request("flood", id, 10, Now.AddSeconds(id)), Now);
        state.Enqueue(Request("urgent", 1, 90, Now.AddSeconds(10)), Now);
        state.Enqueue(Request("normal", 1, 50, Now.AddSeconds(11)), Now);
        state.Release("a/1");

        Assert.Equal(["urgent/1", "normal/1", "flood/1", "flood/2", "flood/3", "flood/4", "flood/5"], GrantOneByOne(state));
    }

    [Fact]
    public void Among_equal_priorities_the_job_submitted_first_goes_first_not_the_request_that_arrived_first()
    {
        var state = new BalancerState();
        // A balancer that took over hears the queues' re-requests in any order: the jobs' age still decides.
        state.Enqueue(Request("b", 7, 50, Now.AddMinutes(2)), Now);
        state.Enqueue(Request("a", 3, 50, Now.AddMinutes(1)), Now);
        state.Enqueue(Request("c", 1, 50, Now), Now);
        state.Register("a/1", "node-a", null, Now);

        Assert.Equal(["c/1", "a/3", "b/7"], GrantOneByOne(state));
    }

    [Fact]
    public void A_re_request_keeps_its_place_in_line()
    {
        var state = new BalancerState();
        state.Enqueue(Request("a", 1, 50, Now), Now);
        state.Enqueue(Request("b", 1, 50, Now.AddSeconds(1)), Now);
        // The queue asks again every second (dispatch-retry-interval): the request is not moved behind later ones.
        Assert.False(state.Enqueue(Request("a", 1, 50, Now), Now.AddSeconds(5)));
        state.Register("a/1", "node-a", null, Now);

        Assert.Equal(["a/1", "b/1"], GrantOneByOne(state));
    }

    [Fact]
    public void A_request_without_priority_from_an_older_node_counts_as_the_default_priority_from_its_arrival()
    {
        var state = new BalancerState();
        var old = new WorkRequest("old", 1, 1, 3000); // as a node before priorities sends it
        Assert.Equal(50, old.Priority);
        state.Enqueue(Request("low", 1, 10, Now), Now);
        state.Enqueue(old, Now.AddSeconds(5));
        state.Enqueue(Request("same-but-earlier", 1, 50, Now.AddSeconds(1)), Now.AddSeconds(6));
        state.Enqueue(Request("same-but-later", 1, 50, Now.AddSeconds(9)), Now.AddSeconds(9));
        state.Register("a/1", "node-a", null, Now);

        Assert.Equal(["same-but-earlier/1", "old/1", "same-but-later/1", "low/1"], GrantOneByOne(state));
    }

    [Fact]
    public void Priority_picks_the_request_and_load_still_picks_the_node()
    {
        var state = new BalancerState();
        state.Register("a/1", "node-a", Job(99, pages: 100), Now);
        state.Register("a/2", "node-a", null, Now);
        state.Register("b/1", "node-b", null, Now);
        state.Register("b/2", "node-b", null, Now);
        state.Enqueue(Request("flood", 1, 10, Now), Now);
        state.Enqueue(Request("urgent", 1, 90, Now.AddSeconds(1)), Now);

        var grants = state.Grant(Now);

        Assert.Equal(2, grants.Count);
        Assert.Equal(("urgent", "b/1"), (grants[0].Request.Queue, grants[0].WorkerId));
        Assert.Equal("flood", grants[1].Request.Queue);
    }

    [Fact]
    public void A_withdrawn_request_leaves_the_line()
    {
        var state = new BalancerState();
        state.Enqueue(Request("a", 1, 90, Now), Now);
        state.Enqueue(Request("b", 1, 10, Now), Now);
        state.RemoveWaiting("a", 1);
        state.Register("a/1", "node-a", null, Now);

        Assert.Equal(["b/1"], GrantOneByOne(state));
        Assert.Equal(0, state.WaitingCount);
    }
}

/// <summary>Sites: a request with a site runs on a node of it, on its alternate only while the site has no node, else waits.</summary>
public sealed class BalancerStateSiteTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static WorkRequest Job(long id, string? site, string? alternate = null, int priority = 50, string queue = "office") =>
        new(queue, id, 1, 3000) { Site = site, AlternateSite = alternate, Priority = priority, SubmittedAt = Now.AddSeconds(id) };

    /// <summary>node-a1 in site a, node-b1 and node-b2 in site b, node-x in none; two workers each.</summary>
    private static BalancerState TwoSites(bool withSiteA = true)
    {
        var state = new BalancerState();
        foreach (var (node, site) in new[] { ("node-a1", "a"), ("node-b1", "b"), ("node-b2", "b"), ("node-x", (string?)null) })
        {
            if (site == "a" && !withSiteA) continue;
            for (var w = 1; w <= 2; w++) state.Register($"{node}/{w}", node, null, Now, site: site);
        }
        return state;
    }

    private static string NodeOf(string workerId) => workerId.Split('/')[0];

    [Fact]
    public void A_request_runs_only_on_a_node_of_its_site()
    {
        var state = TwoSites();
        for (var id = 1; id <= 2; id++) state.Enqueue(Job(id, "a", "b"), Now);

        var grants = state.Grant(Now);

        Assert.Equal(["node-a1", "node-a1"], grants.Select(g => NodeOf(g.WorkerId)));
    }

    [Fact]
    public void A_busy_site_does_not_overflow_into_its_alternate_or_anywhere_else()
    {
        var state = TwoSites();
        for (var id = 1; id <= 5; id++) state.Enqueue(Job(id, "a", "b"), Now);

        var grants = state.Grant(Now);

        Assert.Equal(2, grants.Count);
        Assert.All(grants, g => Assert.Equal("node-a1", NodeOf(g.WorkerId)));
        Assert.Equal(3, state.WaitingCount);
        Assert.Equal(new SiteLoad("a", 2, 3, 0), state.Sites().Single(s => s.Site == "a"));

        state.Release(grants[0].WorkerId);
        Assert.Equal([3L], state.Grant(Now).Select(g => g.Request.JobId));
    }

    [Fact]
    public void Only_while_the_site_has_no_node_its_work_goes_to_the_alternate()
    {
        var state = TwoSites();
        state.UnregisterNode("node-a1");
        for (var id = 1; id <= 3; id++) state.Enqueue(Job(id, "a", "b"), Now);

        var grants = state.Grant(Now);

        Assert.Equal(3, grants.Count);
        Assert.All(grants, g => Assert.StartsWith("node-b", g.WorkerId, StringComparison.Ordinal));
        Assert.Contains(new SiteEvent("a", SiteEventKind.FedFromAlternate, 1, "b"), state.TakeSiteEvents());
    }

    [Fact]
    public void When_a_node_of_the_site_joins_again_new_grants_go_back_to_it()
    {
        var state = TwoSites(withSiteA: false);
        state.Enqueue(Job(1, "a", "b"), Now);
        Assert.StartsWith("node-b", Assert.Single(state.Grant(Now)).WorkerId, StringComparison.Ordinal);
        state.TakeSiteEvents();

        state.Register("node-a1/1", "node-a1", null, Now, site: "a");
        for (var id = 2; id <= 4; id++) state.Enqueue(Job(id, "a", "b"), Now);
        var grants = state.Grant(Now);

        // One worker in site a: one grant, the others wait for it (the alternate has idle workers but is not asked).
        Assert.Equal(["node-a1/1"], grants.Select(g => g.WorkerId));
        Assert.Equal(2, state.WaitingCount);
        Assert.Equal([new SiteEvent("a", SiteEventKind.NodeBack, 0, "b")], state.TakeSiteEvents());
    }

    [Fact]
    public void With_no_node_of_the_site_or_its_alternate_the_request_is_held_and_reported_once()
    {
        var state = TwoSites();
        state.Enqueue(Job(1, "c"), Now);
        state.Enqueue(Job(2, "c", "d"), Now);

        Assert.Empty(state.Grant(Now));
        Assert.Equal(2, state.WaitingCount);
        Assert.Equal(new SiteLoad("c", 0, 2, 2), state.Sites().Single(s => s.Site == "c"));
        Assert.Equal([new SiteEvent("c", SiteEventKind.Held, 2, null)], state.TakeSiteEvents());

        // The queue re-sends every second, more jobs come: no new report while the site stays without a node.
        state.Enqueue(Job(1, "c"), Now.AddSeconds(1));
        state.Enqueue(Job(3, "c"), Now.AddSeconds(1));
        Assert.Empty(state.Grant(Now.AddSeconds(1)));
        Assert.Empty(state.TakeSiteEvents());
        Assert.Equal(3, state.Sites().Single(s => s.Site == "c").Held);

        state.Register("node-c1/1", "node-c1", null, Now, site: "c");
        var grant = Assert.Single(state.Grant(Now.AddSeconds(2)));
        Assert.Equal(("node-c1/1", 1L), (grant.WorkerId, grant.Request.JobId));
        Assert.Equal([new SiteEvent("c", SiteEventKind.Resumed, 3, "a node of the site joined")], state.TakeSiteEvents());
        Assert.Equal(new SiteLoad("c", 1, 2, 0), state.Sites().Single(s => s.Site == "c"));
    }

    [Fact]
    public void Held_work_resumes_on_the_alternate_when_a_node_of_the_alternate_joins()
    {
        var state = new BalancerState();
        state.Enqueue(Job(1, "a", "b"), Now);
        Assert.Empty(state.Grant(Now));
        Assert.Equal([new SiteEvent("a", SiteEventKind.Held, 1, null)], state.TakeSiteEvents());

        state.Register("node-b1/1", "node-b1", null, Now, site: "b");

        Assert.Equal("node-b1/1", Assert.Single(state.Grant(Now)).WorkerId);
        Assert.Equal(
            [new SiteEvent("a", SiteEventKind.FedFromAlternate, 1, "b"), new SiteEvent("a", SiteEventKind.Resumed, 1, "a node of its alternate site b joined")],
            state.TakeSiteEvents());
    }

    [Fact]
    public void Held_work_that_is_withdrawn_is_no_longer_reported()
    {
        var state = TwoSites();
        state.Enqueue(Job(1, "c"), Now);
        state.Grant(Now);
        state.TakeSiteEvents();

        state.RemoveWaiting("office", 1);

        Assert.Equal([new SiteEvent("c", SiteEventKind.Resumed, 1, "no request waits for it any more")], state.TakeSiteEvents());
        Assert.DoesNotContain(state.Sites(), s => s.Site == "c");
    }

    [Fact]
    public void A_held_request_does_not_block_later_requests_of_other_sites()
    {
        var state = TwoSites();
        state.Enqueue(Job(1, "c", priority: 90), Now);
        state.Enqueue(Job(2, "b", priority: 10), Now);
        state.Enqueue(Job(3, null, priority: 10), Now);

        var grants = state.Grant(Now);

        Assert.Equal([2L, 3L], grants.Select(g => g.Request.JobId).Order());
        Assert.StartsWith("node-b", grants.Single(g => g.Request.JobId == 2).WorkerId, StringComparison.Ordinal);
        Assert.Equal(1, state.WaitingCount);
    }

    [Fact]
    public void Within_a_site_the_priority_and_age_order_holds()
    {
        var state = new BalancerState();
        state.Register("node-a1/1", "node-a1", Job(99, "a"), Now, site: "a");
        state.Enqueue(Job(1, "a", priority: 10), Now);
        state.Enqueue(Job(2, "a", priority: 90), Now);
        state.Enqueue(Job(3, "a", priority: 90), Now);
        state.Enqueue(Job(4, "a", priority: 50), Now);
        state.Release("node-a1/1");

        var order = new List<long>();
        while (state.Grant(Now) is [var grant])
        {
            order.Add(grant.Request.JobId);
            state.Release(grant.WorkerId);
        }

        Assert.Equal([2L, 3L, 4L, 1L], order);
    }

    [Fact]
    public void Requests_with_no_site_run_on_any_node_and_the_least_loaded_wins()
    {
        var state = TwoSites();
        state.Register("node-a1/1", "node-a1", Job(98, "a"), Now, site: "a");
        state.Register("node-b1/1", "node-b1", Job(99, "b"), Now, site: "b");
        state.Register("node-b2/1", "node-b2", Job(97, "b"), Now, site: "b");
        state.Enqueue(Job(1, null), Now);

        Assert.Equal("node-x", NodeOf(Assert.Single(state.Grant(Now)).WorkerId));
    }

    [Fact]
    public void Within_a_site_the_least_loaded_node_of_that_site_wins()
    {
        var state = TwoSites();
        state.Register("node-b1/1", "node-b1", Job(99, "b"), Now, site: "b");
        state.Enqueue(Job(1, "b"), Now);

        Assert.Equal("node-b2", NodeOf(Assert.Single(state.Grant(Now)).WorkerId));
    }

    [Fact]
    public void A_node_without_a_site_takes_no_work_of_a_site()
    {
        var state = new BalancerState();
        state.Register("node-x/1", "node-x", null, Now);
        state.Enqueue(Job(1, "a"), Now);

        Assert.Empty(state.Grant(Now));
        Assert.Equal(1, state.Sites().Single().Held);
    }

    [Fact]
    public void Loads_name_each_nodes_site()
    {
        var state = TwoSites();

        Assert.Equal(["node-a1:a", "node-b1:b", "node-b2:b", "node-x:-"], state.Loads().Select(l => $"{l.Node}:{l.Site ?? "-"}"));
    }
}
