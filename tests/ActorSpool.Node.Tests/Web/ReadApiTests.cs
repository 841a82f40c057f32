using System.Net;
using System.Text.Json.Nodes;
using ActorSpool.TestSupport;
using static ActorSpool.Node.Tests.Web.ApiTestNode;

namespace ActorSpool.Node.Tests.Web;

/// <summary>The read endpoints over a real node and real HTTP: cluster, queues, printers, jobs and balancer.</summary>
public sealed class ReadApiTests(ApiTestNode fixture) : IClassFixture<ApiTestNode>
{
    [Fact]
    public async Task Cluster_lists_this_node_up_with_its_roles_the_balancer_and_the_queues_it_hosts()
    {
        using var client = fixture.Client();
        var cluster = await Eventually.ValueAsync(() => GetJsonAsync(client, "/api/v1/cluster"),
            c => c["balancerHost"] is not null && c["members"]![0]!["queues"]!.AsArray().Count == 4, what: "the cluster view with placements");

        var self = (string)cluster["self"]!;
        var member = Assert.Single(cluster["members"]!.AsArray())!;
        Assert.Equal(self, (string)member["address"]!);
        Assert.Equal("up", (string)member["status"]!);
        Assert.Equal("reachable", (string)member["reachability"]!);
        Assert.True((bool)member["self"]!);
        Assert.True((bool)member["leader"]!);
        Assert.Equal(["ingress", "worker"], member["roles"]!.AsArray().Select(r => (string)r!).Order());
        Assert.Equal(["lab", "office", "spare", "stopped"], member["queues"]!.AsArray().Select(q => (string)q!));
        Assert.Equal(self, (string)cluster["balancerHost"]!);
        Assert.Equal(self, (string)cluster["leader"]!);
    }

    [Fact]
    public async Task Queues_list_every_queue_and_one_queue_shows_its_host_node()
    {
        using var client = fixture.Client();
        var queues = (await GetJsonAsync(client, "/api/v1/queues")).AsArray();
        Assert.Equal(["lab", "office", "spare", "stopped"], queues.Select(q => (string)q!["name"]!));

        var office = await Eventually.ValueAsync(() => GetJsonAsync(client, "/api/v1/queues/office"), q => (string?)q["state"] == "ready", what: "office ready");
        Assert.Equal(["p1"], office["printers"]!.AsArray().Select(p => (string)p!));
        Assert.Equal("ready", (string)office["state"]!);
        foreach (var field in new[] { "mode", "sequential", "paused", "pending", "held", "processing", "completed", "canceled", "aborted", "acceptingPrinters", "defaultPriority", "maxAttempts", "maxDocumentBytes", "rawPort", "hostNode" })
        {
            Assert.True(office.AsObject().ContainsKey(field), $"QueueView lacks {field}: {office}");
        }
        var self = (string)(await GetJsonAsync(client, "/api/v1/cluster"))["self"]!;
        Assert.Equal(self, (string?)office["hostNode"]);

        var stopped = await Eventually.ValueAsync(() => GetJsonAsync(client, "/api/v1/queues/stopped"), q => (string?)q["state"] == "no-printer", what: "stopped queue without a printer");
        Assert.Empty(stopped["acceptingPrinters"]!.AsArray());
    }

    [Fact]
    public async Task Printers_show_health_ok_for_the_simulator_and_offline_for_a_closed_port()
    {
        using var client = fixture.Client();
        var printers = await Eventually.ValueAsync(() => GetJsonAsync(client, "/api/v1/printers"),
            p => p.AsArray().Any(x => (string?)x!["health"] == "offline") && p.AsArray().Any(x => (string?)x!["health"] == "ok"), what: "p1 ok and dead offline");
        Assert.Equal(["dead", "p1"], printers.AsArray().Select(p => (string)p!["name"]!));

        var p1 = await GetJsonAsync(client, "/api/v1/printers/p1");
        Assert.Equal("ok", (string)p1["health"]!);
        Assert.Equal((string)p1["uri"]!, (string)p1["pathInUse"]!);
        Assert.True((bool)p1["reachable"]!);
        // The heartbeat probe that found p1 reachable was timed; the dead printer's went unanswered.
        Assert.True((double)p1["probeLatencyMs"]! > 0, p1.ToJsonString());
        Assert.Equal(["lab", "office", "spare"], p1["queues"]!.AsArray().Select(q => (string)q!).Order());

        var dead = await GetJsonAsync(client, "/api/v1/printers/dead");
        Assert.Equal("offline", (string)dead["health"]!);
        Assert.False((bool)dead["reachable"]!);
        Assert.Equal("stopped", (string)dead["state"]!);
        Assert.Null(dead["probeLatencyMs"]);
        Assert.True(dead.AsObject().ContainsKey("probeLatencyMs"));
    }

    [Fact]
    public async Task Balancer_shows_the_singleton_and_this_nodes_workers()
    {
        using var client = fixture.Client();
        var balancer = await Eventually.ValueAsync(() => GetJsonAsync(client, "/api/v1/balancer"), b => b["nodes"]!.AsArray().Count == 1, what: "the balancer sees the node");
        var node = balancer["nodes"]![0]!;
        Assert.Equal((string)balancer["singleton"]!, (string)node["node"]!);
        Assert.Equal(4, (int)node["workers"]!);
        foreach (var field in new[] { "busy", "jobs", "pages", "granted", "delivered", "deliveredBytes" }) Assert.NotNull(node[field]);
        Assert.NotNull(balancer["waiting"]);
        Assert.NotNull(balancer["granted"]);
    }

    [Theory]
    [InlineData("/api/v1/queues/nosuch")]
    [InlineData("/api/v1/printers/nosuch")]
    [InlineData("/api/v1/jobs/987654321")]
    [InlineData("/api/v1/nosuch")]
    [InlineData("/api/v1/jobs/not-a-number")]
    public async Task Unknown_resources_are_404_problems(string path)
    {
        using var client = fixture.Client();
        using var response = await client.GetAsync(path);
        await AssertProblemAsync(response, 404);
    }

    /// <summary>More characters than a search may have (JobListQuery.MaxSearchLength).</summary>
    private const string SearchTooLong = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";

    [Theory]
    [InlineData("queue=nosuch", "queue")]
    [InlineData("state=sleeping", "state")]
    [InlineData("olderThan=yesterday", "olderThan")]
    [InlineData("olderThan=-5", "olderThan")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=501", "limit")]
    [InlineData("limit=ten", "limit")]
    [InlineData("search=" + SearchTooLong, "search")]
    [InlineData("cursor=bm90LWEtY3Vyc29y", "cursor")]
    public async Task Bad_job_filters_are_400_problems_naming_the_parameter(string query, string parameter)
    {
        using var client = fixture.Client();
        using var response = await client.GetAsync($"/api/v1/jobs?{query}");
        var problem = await AssertProblemAsync(response, 400);
        Assert.Equal(parameter, (string?)problem["parameter"]);
        Assert.Contains(parameter, (string)problem["detail"]!);
    }

    [Fact]
    public async Task The_ipp_port_does_not_serve_the_api()
    {
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{fixture.Node.IppPort}") };
        using var response = await client.GetAsync("/api/v1/queues");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task A_job_failing_its_first_delivery_lists_both_attempts_with_their_outcomes_and_times()
    {
        // The simulator resets the job's first connection mid-document, then serves normally: switched back from its
        // log line, which it writes before the reset, so the retry finds it healthy. Probes send nothing: not them.
        void HealAfterFirstReset(string line)
        {
            if (line.Contains("(ResetMidJob)", StringComparison.Ordinal) && !line.Contains("after 0 bytes", StringComparison.Ordinal))
                fixture.Printer.Fault = ActorSpool.Simulators.SimulatedFault.None;
        }
        // Another test's jobs still on their way to p1 would take the reset (and heal the printer) instead of this one.
        using (var watcher = fixture.Client())
        {
            await Eventually.ValueAsync(() => GetJsonAsync(watcher, "/api/v1/jobs"),
                all => all["jobs"]!.AsArray().All(j => (string?)j!["state"] is not ("pending" or "processing")), what: "no job on its way to p1");
        }
        fixture.Printer.Log += HealAfterFirstReset;
        fixture.Printer.Fault = ActorSpool.Simulators.SimulatedFault.ResetMidJob;
        try
        {
            var id = await fixture.SubmitAsync("spare", "alice", new string('x', 300_000), "retried");
            using var client = fixture.Client();
            var job = await Eventually.ValueAsync(() => GetJsonAsync(client, $"/api/v1/jobs/{id}"), j => (string?)j["state"] == "completed", what: $"job {id} completed");

            var self = (string)(await GetJsonAsync(client, "/api/v1/cluster"))["self"]!;
            Assert.Equal(2, (int)job["attemptCount"]!);
            var attempts = job["attempts"]!.AsArray();
            Assert.Equal(2, attempts.Count);
            var (failed, delivered) = (attempts[0]!, attempts[1]!);
            Assert.Equal((1, "p1", self, "failed"), ((int)failed["attempt"]!, (string)failed["printer"]!, (string?)failed["node"], (string)failed["outcome"]!));
            Assert.False(string.IsNullOrEmpty((string?)failed["error"]));
            Assert.Equal((2, "p1", self, "delivered", (string?)null), ((int)delivered["attempt"]!, (string)delivered["printer"]!, (string?)delivered["node"], (string)delivered["outcome"]!, (string?)delivered["error"]));
            var times = new[] { failed["startedAt"], failed["endedAt"], delivered["startedAt"], delivered["endedAt"] }.Select(t => DateTimeOffset.Parse((string)t!, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(times.Order(), times); // each attempt ends after it starts, and the retry starts after the failure
            Assert.Equal((string?)job["completedAt"], (string?)delivered["endedAt"]);
        }
        finally
        {
            fixture.Printer.Log -= HealAfterFirstReset;
            fixture.Printer.Fault = ActorSpool.Simulators.SimulatedFault.None;
        }
    }

    [Fact]
    public async Task Job_filters_and_cursor_paging_work_over_http()
    {
        using var root = fixture.Client("root");
        (await root.PostAsync("/api/v1/queues/lab/pause", null)).EnsureSuccessStatusCode();
        var first = await fixture.SubmitAsync("lab", "alice");
        var second = await fixture.SubmitAsync("lab", "bob");
        var third = await fixture.SubmitAsync("lab", "alice");
        (await root.PostAsync($"/api/v1/jobs/{second}/hold", null)).EnsureSuccessStatusCode();
        using var client = fixture.Client();
        async Task<long[]> IdsAsync(string query) =>
            (await GetJsonAsync(client, $"/api/v1/jobs?{query}"))["jobs"]!.AsArray().Select(j => (long)j!["id"]!).ToArray();

        Assert.Equal([third, second, first], await IdsAsync("queue=lab"));
        Assert.Equal([third, first], await IdsAsync("queue=lab&user=alice"));
        Assert.Equal([third, first], await IdsAsync("queue=lab&search=LIC"));
        Assert.Equal([second], await IdsAsync("queue=lab&search=%20bo%20"));
        Assert.Empty(await IdsAsync("queue=lab&search=nobody-like-this"));
        Assert.Equal([second], await IdsAsync("queue=lab&state=held"));
        Assert.Equal([third, first], await IdsAsync("queue=lab&state=pending"));
        Assert.Empty(await IdsAsync("queue=lab&olderThan=PT1H"));
        Assert.Equal([third, second, first], await IdsAsync("queue=lab&olderThan=0"));

        var page = await GetJsonAsync(client, "/api/v1/jobs?queue=lab&limit=2");
        Assert.Equal([third, second], page["jobs"]!.AsArray().Select(j => (long)j!["id"]!));
        var cursor = (string)page["nextCursor"]!;
        var rest = await GetJsonAsync(client, $"/api/v1/jobs?queue=lab&limit=2&cursor={Uri.EscapeDataString(cursor)}");
        Assert.Equal([first], rest["jobs"]!.AsArray().Select(j => (long)j!["id"]!));
        Assert.Null((string?)rest["nextCursor"]);

        (await root.PostAsync("/api/v1/queues/lab/resume", null)).EnsureSuccessStatusCode();
        await Eventually.ValueAsync(() => GetJsonAsync(client, "/api/v1/jobs?queue=lab&state=completed"),
            done => done["jobs"]!.AsArray().Select(j => (long)j!["id"]!).Order().SequenceEqual(new[] { first, third }.Order()), what: "the resumed queue's jobs printed");
    }
}
