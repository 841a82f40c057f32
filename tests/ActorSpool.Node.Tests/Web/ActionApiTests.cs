using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using ActorSpool.Protocols.Ipp;
using ActorSpool.TestSupport;
using static ActorSpool.Node.Tests.Ingress.Ipp.IppTestSupport;
using static ActorSpool.Node.Tests.Web.ApiTestNode;

namespace ActorSpool.Node.Tests.Web;

/// <summary>The actions over a real node and real HTTP: submitting, job changes by owners and admins, pausing, test pages.</summary>
public sealed class ActionApiTests(ApiTestNode fixture) : IClassFixture<ApiTestNode>
{
    [Fact]
    public async Task A_job_submitted_by_post_is_created_listed_shown_and_printed()
    {
        using var alice = fixture.Client("alice");
        using var content = new StringContent("posted over REST", Encoding.UTF8, "text/plain");
        using var response = await alice.PostAsync("/api/v1/queues/office/jobs?name=report&copies=2&priority=70", content);
        var created = await JsonAsync(response);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = (long)created["id"]!;
        Assert.Equal($"/api/v1/jobs/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal("alice", (string)created["owner"]!);
        Assert.Equal("report", (string)created["name"]!);
        Assert.Equal(2, (int)created["copies"]!);
        Assert.Equal(70, (int)created["priority"]!);

        var listed = await GetJsonAsync(alice, "/api/v1/jobs?queue=office&user=alice&limit=500");
        Assert.Contains(listed["jobs"]!.AsArray(), j => (long)j!["id"]! == id);

        var shown = await Eventually.ValueAsync(() => GetJsonAsync(alice, $"/api/v1/jobs/{id}"), j => (string?)j["state"] == "completed", what: $"job {id} completed");
        Assert.Equal("office", (string)shown["queue"]!);
        Assert.Equal(1, (int)shown["attemptCount"]!);
        var attempt = Assert.Single(shown["attempts"]!.AsArray())!;
        Assert.Equal("p1", (string)attempt["printer"]!);
        Assert.Equal("delivered", (string)attempt["outcome"]!);
        Assert.Equal((string)(await GetJsonAsync(alice, "/api/v1/cluster"))["self"]!, (string?)attempt["node"]);
        Assert.NotNull(attempt["startedAt"]);
        Assert.NotNull(attempt["endedAt"]);
        await Eventually.WaitUntilAsync(() => fixture.Printer.ReceivedJobs.Any(j => j.Data is { } data && Encoding.UTF8.GetString(data).Contains("posted over REST")),
            "the simulator received the posted document");
    }

    [Fact]
    public async Task Anonymous_submission_owns_the_job_as_requesting_user_name_and_an_empty_body_is_400()
    {
        using var anonymous = fixture.Client();
        using (var response = await anonymous.PostAsync("/api/v1/queues/spare/jobs?requestingUserName=carol", new ByteArrayContent("x"u8.ToArray())))
        {
            var job = await JsonAsync(response);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            Assert.Equal("carol", (string)job["owner"]!);
        }
        using (var empty = await anonymous.PostAsync("/api/v1/queues/spare/jobs", new ByteArrayContent([])))
        {
            await AssertProblemAsync(empty, 400);
        }
        using (var nosuch = await anonymous.PostAsync("/api/v1/queues/nosuch/jobs", new ByteArrayContent("x"u8.ToArray())))
        {
            await AssertProblemAsync(nosuch, 404);
        }
        using var badCopies = await anonymous.PostAsync("/api/v1/queues/spare/jobs?copies=0", new ByteArrayContent("x"u8.ToArray()));
        Assert.Equal("copies", (string?)(await AssertProblemAsync(badCopies, 400))["parameter"]);
    }

    [Fact]
    public async Task An_owner_holds_releases_and_cancels_their_own_job_but_not_anothers_and_anonymous_is_401()
    {
        // Paused, so the jobs stay pending while the test changes them.
        using var root = fixture.Client("root");
        (await root.PostAsync("/api/v1/queues/lab/pause", null)).EnsureSuccessStatusCode();
        var alices = await fixture.SubmitAsync("lab", "alice");
        var bobs = await fixture.SubmitAsync("lab", "bob");
        using var alice = fixture.Client("alice");

        using (var anonymous = await fixture.Client().PostAsync($"/api/v1/jobs/{alices}/cancel", null))
        {
            await AssertProblemAsync(anonymous, 401);
            Assert.Equal("Basic", Assert.Single(anonymous.Headers.WwwAuthenticate).Scheme);
        }
        using (var notHers = await alice.PostAsync($"/api/v1/jobs/{bobs}/cancel", null))
        {
            await AssertProblemAsync(notHers, 403);
        }
        using (var hold = await alice.PostAsync($"/api/v1/jobs/{alices}/hold", null))
        {
            Assert.Equal("pending-held", (string)(await JsonAsync(hold))["state"]!);
        }
        using (var release = await alice.PostAsync($"/api/v1/jobs/{alices}/release", null))
        {
            Assert.Equal("pending", (string)(await JsonAsync(release))["state"]!);
        }
        using (var releaseAgain = await alice.PostAsync($"/api/v1/jobs/{alices}/release", null))
        {
            await AssertProblemAsync(releaseAgain, 409);
        }
        using (var cancel = await alice.PostAsync($"/api/v1/jobs/{alices}/cancel", null))
        {
            Assert.Equal("canceled", (string)(await JsonAsync(cancel))["state"]!);
        }
        using (var restart = await alice.PostAsync($"/api/v1/jobs/{alices}/restart", null))
        {
            Assert.Equal("pending", (string)(await JsonAsync(restart))["state"]!);
        }
        using (var adminCancels = await root.PostAsync($"/api/v1/jobs/{bobs}/cancel", null))
        {
            Assert.Equal("canceled", (string)(await JsonAsync(adminCancels))["state"]!);
        }
        using (var unknown = await alice.PostAsync("/api/v1/jobs/987654321/cancel", null))
        {
            await AssertProblemAsync(unknown, 404);
        }
        (await root.PostAsync("/api/v1/queues/lab/resume", null)).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task A_job_moves_to_another_queue_as_a_new_job_and_the_original_is_canceled()
    {
        using var root = fixture.Client("root");
        (await root.PostAsync("/api/v1/queues/stopped/pause", null)).EnsureSuccessStatusCode();
        var id = await fixture.SubmitAsync("stopped", "alice", "moved text");
        using var alice = fixture.Client("alice");
        using var bob = fixture.Client("bob");

        using (var notHis = await bob.PostAsJsonAsync($"/api/v1/jobs/{id}/move", new { queue = "spare" }))
        {
            await AssertProblemAsync(notHis, 403);
        }
        using (var noTarget = await alice.PostAsJsonAsync($"/api/v1/jobs/{id}/move", new { queue = "nosuch" }))
        {
            await AssertProblemAsync(noTarget, 404);
        }
        using (var noBody = await alice.PostAsync($"/api/v1/jobs/{id}/move", new StringContent("not json", Encoding.UTF8, "application/json")))
        {
            await AssertProblemAsync(noBody, 400);
        }
        using var moved = await alice.PostAsJsonAsync($"/api/v1/jobs/{id}/move", new { queue = "spare" });
        var job = await JsonAsync(moved);
        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        Assert.Equal("spare", (string)job["queue"]!);
        Assert.NotEqual(id, (long)job["id"]!);
        Assert.Equal("alice", (string)job["owner"]!);
        Assert.Equal("canceled", (string)(await GetJsonAsync(alice, $"/api/v1/jobs/{id}"))["state"]!);
        (await root.PostAsync("/api/v1/queues/stopped/resume", null)).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task An_admin_pauses_a_queue_and_ipp_reports_it_stopped_while_users_get_403_and_anonymous_401()
    {
        using var alice = fixture.Client("alice");
        using (var user = await alice.PostAsync("/api/v1/queues/office/pause", null)) await AssertProblemAsync(user, 403);
        using (var anonymous = await fixture.Client().PostAsync("/api/v1/queues/office/pause", null)) await AssertProblemAsync(anonymous, 401);
        using (var wrongPassword = await fixture.Client("root", "nope").PostAsync("/api/v1/queues/office/pause", null)) await AssertProblemAsync(wrongPassword, 401);

        using var root = fixture.Client("root");
        try
        {
            using var paused = await root.PostAsync("/api/v1/queues/office/pause", null);
            var view = await JsonAsync(paused);
            Assert.True((bool)view["paused"]!, view.ToJsonString());
            Assert.Equal("paused", (string)view["state"]!);

            using var ipp = new HttpClient();
            var answer = await new IppClient(ipp).SendAsync(fixture.Node.QueueUri("office"), Request(IppOperation.GetPrinterAttributes, fixture.Node.QueueUri("office").ToString()));
            Assert.Equal(5, answer.Printer("printer-state").Value.AsInt());
        }
        finally
        {
            using var resumed = await root.PostAsync("/api/v1/queues/office/resume", null);
            Assert.False((bool)(await JsonAsync(resumed))["paused"]!);
        }
        using var nosuch = await root.PostAsync("/api/v1/queues/nosuch/pause", null);
        await AssertProblemAsync(nosuch, 404);
    }

    [Fact]
    public async Task An_admin_pauses_and_resumes_a_printer_and_prints_a_test_page()
    {
        using var root = fixture.Client("root");
        using (var user = await fixture.Client("bob").PostAsync("/api/v1/printers/p1/pause", null)) await AssertProblemAsync(user, 403);
        using (var paused = await root.PostAsync("/api/v1/printers/p1/pause", null))
        {
            var view = await JsonAsync(paused);
            Assert.Equal("paused", (string)view["health"]!);
        }
        using (var resumed = await root.PostAsync("/api/v1/printers/p1/resume", null))
        {
            Assert.False((bool)(await JsonAsync(resumed))["paused"]!);
        }
        var before = fixture.Printer.ReceivedJobs.Count;
        using (var test = await root.PostAsync("/api/v1/printers/p1/test", null))
        {
            var view = await JsonAsync(test);
            Assert.True(test.IsSuccessStatusCode, view.ToJsonString());
            Assert.Equal("delivered", (string)view["testPage"]!["outcome"]!);
        }
        await Eventually.WaitUntilAsync(() => fixture.Printer.ReceivedJobs.Skip(before).Any(j => j.Data is { } data && Encoding.UTF8.GetString(data).Contains("ActorSpool test page")),
            "the simulator received the test page");
        using var dead = await root.PostAsync("/api/v1/printers/nosuch/test", null);
        await AssertProblemAsync(dead, 404);
    }
}
