using System.Net;
using ActorSpool.TestSupport;
using Microsoft.Playwright;

namespace ActorSpool.Console.Tests;

/// <summary>The node serving these tests: queue office (lj-1, lj-2), queue staff (lj-3); a short printer heartbeat.</summary>
public sealed class ConsoleTestsNode : IAsyncLifetime
{
    public ConsoleNode Node { get; private set; } = null!;

    public async Task InitializeAsync() => Node = await ConsoleNode.StartAsync(
        new Dictionary<string, string[]> { ["office"] = ["lj-1", "lj-2"], ["staff"] = ["lj-3"] },
        // Probes every 500 ms: a device that stops answering is seen offline within about a second.
        "actorspool.spool { heartbeat-interval = 500ms, probe-timeout = 500ms }",
        delayPerJob: TimeSpan.FromSeconds(2));

    public async Task DisposeAsync() => await Node.DisposeAsync();
}

/// <summary>The web console in chromium against a real node: live lists, jobs, login and buttons, printer health.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class ConsoleTests(BrowserFixture browser, ConsoleTestsNode fixture) : IClassFixture<ConsoleTestsNode>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private ConsoleNode Node => fixture.Node;

    [Fact]
    public async Task The_overview_lists_the_configured_queues_and_printers_with_their_health()
    {
        await using var context = await browser.NewContextAsync(Node.WebUri);
        var page = await ConsoleBrowsing.OpenAsync(context, "/");

        foreach (var queue in new[] { "office", "staff" })
            await Expect(page.Locator($"#queues tr[data-queue=\"{queue}\"] th a")).ToHaveTextAsync(queue);
        foreach (var printer in new[] { "lj-1", "lj-2", "lj-3" })
        {
            var tile = page.Locator($"#printers li[data-printer=\"{printer}\"]");
            await Expect(tile.Locator("a")).ToHaveAttributeAsync("href", $"/devices/{printer}");
            // Health in words as well as colour, once the API answered.
            await Expect(tile.Locator(".health")).Not.ToHaveTextAsync("unknown", new() { Timeout = Ms(Patience) });
        }
        await Expect(page.Locator("#members tbody tr[data-member]")).ToHaveCountAsync(1);
        await Expect(page.Locator("#members [data-field=\"status\"]")).ToHaveTextAsync("up", new() { IgnoreCase = true });
        await Expect(page.Locator("#balancer-host")).Not.ToHaveTextAsync("…");
        await ScreenshotAsync(page, "console-overview.png");
    }

    [Fact]
    public async Task A_job_printed_with_ipptool_appears_on_the_queue_page_and_turns_completed_without_a_reload()
    {
        await using var context = await browser.NewContextAsync(Node.WebUri);
        var page = await ConsoleBrowsing.OpenAsync(context, "/printers/office");
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-live", "on", new() { Timeout = Ms(Patience) });
        var loads = 0;
        page.Load += (_, _) => loads++;
        var rowsBefore = await page.Locator("#jobs tbody tr[data-job]").CountAsync();
        var completedBefore = int.Parse(await page.Locator("[data-count=\"completed\"]").InnerTextAsync(), System.Globalization.CultureInfo.InvariantCulture);

        await Ipptool.PrintAsync(Node.QueueUri("office"), "Hello from the console test\n");

        var rows = page.Locator("#jobs tbody tr[data-job]");
        await Expect(rows).ToHaveCountAsync(rowsBefore + 1, new() { Timeout = Ms(Patience) });
        var newest = rows.First;
        await Expect(newest).ToHaveAttributeAsync("data-state", "completed", new() { Timeout = Ms(Patience) });
        await Expect(newest.Locator("[data-field=\"state\"]")).ToHaveTextAsync("completed");
        await Expect(page.Locator("[data-count=\"completed\"]")).ToHaveTextAsync($"{completedBefore + 1}"); // the counts follow too
        await Expect(page.Locator("#queue-state")).ToHaveTextAsync("idle");
        Assert.Equal(0, loads); // all of it live, through /api/v1/events
        await ScreenshotAsync(page, "console-queue.png");

        // The search box asks the API for part of a job's name: one submitted through the REST API with a name.
        var marker = Guid.NewGuid().ToString("N")[..10];
        using (var http = new HttpClient { BaseAddress = Node.WebUri })
        using (var submitted = await http.PostAsync($"/api/v1/queues/office/jobs?name=search-{marker}-job&requestingUserName=carol",
                   new StringContent("A job to find\n")))
        {
            Assert.True(submitted.IsSuccessStatusCode, await submitted.Content.ReadAsStringAsync());
        }
        await Expect(rows).ToHaveCountAsync(rowsBefore + 2, new() { Timeout = Ms(Patience) });
        var id = await rows.First.GetAttributeAsync("data-job");
        await page.Locator("#filter-search").FillAsync(marker.ToUpperInvariant());
        await Expect(rows).ToHaveCountAsync(1, new() { Timeout = Ms(Patience) });
        await Expect(rows.First).ToHaveAttributeAsync("data-job", id!);
        await page.Locator("#filter-search").FillAsync("no job is called like this");
        await Expect(rows).ToHaveCountAsync(0, new() { Timeout = Ms(Patience) });
        await Expect(page.Locator("#jobs tbody")).ToContainTextAsync("No job matches the search");
    }

    [Fact]
    public async Task An_admin_logs_in_and_pauses_a_queue_with_its_button_and_ipp_reports_it_stopped()
    {
        await using var context = await browser.NewContextAsync(Node.WebUri);
        var page = await ConsoleBrowsing.OpenAsync(context, "/printers/staff");
        Assert.Equal("idle", await Ipptool.PrinterStateAsync(Node.QueueUri("staff")));

        await page.GetByRole(AriaRole.Link, new() { Name = "Log in" }).ClickAsync();
        await page.Locator("input[name=\"user\"]").FillAsync(ConsoleNode.AdminUser);
        await page.Locator("input[name=\"password\"]").FillAsync(ConsoleNode.AdminPassword);
        await page.Locator("input[name=\"password\"]").PressAsync("Enter");
        await page.WaitForURLAsync("**/printers/staff", new() { Timeout = Ms(Patience) }); // back where the admin came from
        await Expect(page.Locator("#who")).ToContainTextAsync("admin");

        await page.GetByRole(AriaRole.Button, new() { Name = "Pause queue" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Resume queue" })).ToBeVisibleAsync(new() { Timeout = Ms(Patience) });
        await Expect(page.Locator("#queue-state")).ToContainTextAsync("paused");
        await Eventually.WaitUntilAsync(async () => await Ipptool.PrinterStateAsync(Node.QueueUri("staff")) == "stopped", "IPP printer-state stopped");

        await page.GetByRole(AriaRole.Button, new() { Name = "Resume queue" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Pause queue" })).ToBeVisibleAsync(new() { Timeout = Ms(Patience) });
        await Eventually.WaitUntilAsync(async () => await Ipptool.PrinterStateAsync(Node.QueueUri("staff")) == "idle", "IPP printer-state idle again");

        // Logging out (a POST with the CSRF token) leaves an anonymous page without the button.
        await page.GetByRole(AriaRole.Button, new() { Name = "Log out" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Log in" })).ToBeVisibleAsync();
        await Expect(page.Locator("#queue-actions")).ToHaveAttributeAsync("data-ready", "true");
        await Expect(page.Locator("#queue-actions button")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task The_owner_moves_a_waiting_job_to_another_queue_with_the_job_pages_button_and_it_prints_there()
    {
        HttpClient Basic(string user, string password)
        {
            var client = new HttpClient { BaseAddress = Node.WebUri };
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{user}:{password}")));
            return client;
        }
        using var admin = Basic(ConsoleNode.AdminUser, ConsoleNode.AdminPassword);
        using var alice = Basic(ConsoleNode.User, ConsoleNode.UserPassword);
        // Queue staff paused, so alice's job waits there.
        (await admin.PostAsync("/api/v1/queues/staff/pause", null)).EnsureSuccessStatusCode();
        try
        {
            using var submitted = await alice.PostAsync("/api/v1/queues/staff/jobs?name=to-move", new StringContent("A job that changes queue\n"));
            Assert.True(submitted.IsSuccessStatusCode, await submitted.Content.ReadAsStringAsync());
            var id = (long)System.Text.Json.Nodes.JsonNode.Parse(await submitted.Content.ReadAsStringAsync())!["id"]!;

            await using var context = await browser.NewContextAsync(Node.WebUri);
            await ConsoleBrowsing.LogInAsync(context, ConsoleNode.User, ConsoleNode.UserPassword);
            var page = await ConsoleBrowsing.OpenAsync(context, $"/jobs/{id}");
            await page.GetByLabel("Move to queue").SelectOptionAsync("office");
            await page.GetByRole(AriaRole.Button, new() { Name = "Move job" }).ClickAsync();

            // The page goes to the new job (a new id in office), which prints there; the old one is canceled.
            try
            {
                await page.WaitForURLAsync(url => new Uri(url).AbsolutePath != $"/jobs/{id}", new() { Timeout = Ms(Patience) });
            }
            catch (PlaywrightException)
            {
                Assert.Fail($"the page stayed on job {id}; it shows: {await page.Locator("main").InnerTextAsync()}");
            }
            var moved = long.Parse(new Uri(page.Url).AbsolutePath["/jobs/".Length..], System.Globalization.CultureInfo.InvariantCulture);
            Assert.NotEqual(id, moved);
            await Expect(page.Locator("#job-queue-link")).ToHaveTextAsync("Queue office", new() { Timeout = Ms(Patience) });
            await Expect(page.Locator("body")).ToHaveAttributeAsync("data-job-state", "completed", new() { Timeout = Ms(Patience) });
            var old = System.Text.Json.Nodes.JsonNode.Parse(await alice.GetStringAsync($"/api/v1/jobs/{id}"))!;
            Assert.Equal("canceled", (string)old["state"]!);
        }
        finally
        {
            (await admin.PostAsync("/api/v1/queues/staff/resume", null)).EnsureSuccessStatusCode();
        }
    }

    [Fact]
    public async Task An_anonymous_visitor_sees_no_pause_button_and_the_api_refuses_the_pause()
    {
        await using var context = await browser.NewContextAsync(Node.WebUri);
        var page = await ConsoleBrowsing.OpenAsync(context, "/printers/staff");

        await Expect(page.Locator("#queue-actions")).ToHaveAttributeAsync("data-ready", "true", new() { Timeout = Ms(Patience) });
        await Expect(page.Locator("#queue-actions button")).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Log in" })).ToBeVisibleAsync();

        using var http = new HttpClient { BaseAddress = Node.WebUri };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/queues/staff/pause");
        request.Headers.Add("X-Requested-With", "fetch");
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("idle", await Ipptool.PrinterStateAsync(Node.QueueUri("staff")));
    }

    [Fact]
    public async Task A_printer_whose_device_stops_answering_turns_offline_on_the_page()
    {
        await using var context = await browser.NewContextAsync(Node.WebUri);
        var page = await ConsoleBrowsing.OpenAsync(context, "/");
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-live", "on", new() { Timeout = Ms(Patience) });
        var tile = page.Locator("#printers li[data-printer=\"lj-2\"]");
        await Expect(tile.Locator(".health")).ToHaveTextAsync("ok", new() { Timeout = Ms(Patience) });

        await Node.Printers["lj-2"].DisposeAsync(); // the device stops answering: its port closes

        // Heartbeat 500 ms: seen at the next probe; the limit is generous for a busy machine, not the expectation.
        await Expect(tile.Locator(".health")).ToHaveTextAsync("offline", new() { Timeout = Ms(Patience) });
        await Expect(tile).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("health-offline"));
    }

    [Fact]
    public async Task The_job_page_offers_an_admin_restart_which_prints_the_job_again_live()
    {
        await using var context = await browser.NewContextAsync(Node.WebUri);
        var queuePage = await ConsoleBrowsing.OpenAsync(context, "/printers/office");
        await Expect(queuePage.Locator("body")).ToHaveAttributeAsync("data-live", "on");
        var rows = queuePage.Locator("#jobs tbody tr[data-job]");
        var rowsBefore = await rows.CountAsync();
        await Ipptool.PrintAsync(Node.QueueUri("office"), "A job to restart\n");
        await Expect(rows).ToHaveCountAsync(rowsBefore + 1); // then the newest row is this job
        var newest = rows.First;
        await Expect(newest).ToHaveAttributeAsync("data-state", "completed");
        var id = await newest.GetAttributeAsync("data-job");

        var visitor = await ConsoleBrowsing.OpenAsync(context, $"/jobs/{id}");
        await Expect(visitor.Locator("#job-actions")).ToHaveAttributeAsync("data-ready", "true");
        await Expect(visitor.Locator("#job-actions button")).ToHaveCountAsync(0);
        await Expect(visitor.Locator("#attempts tbody tr")).ToHaveCountAsync(1);

        await ConsoleBrowsing.LogInAsync(context, ConsoleNode.AdminUser, ConsoleNode.AdminPassword);
        var page = await ConsoleBrowsing.OpenAsync(context, $"/jobs/{id}");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Cancel job" })).ToHaveCountAsync(0); // finished: nothing to cancel
        var printed = Node.Printers.Values.Sum(p => p.ReceivedJobs.Count); // this job's first printing included: it completed
        await page.GetByRole(AriaRole.Button, new() { Name = "Restart job" }).ClickAsync();

        // In line again (the action's answer), then completed once more through live events, without a reload.
        await Expect(page.Locator("body")).Not.ToHaveAttributeAsync("data-job-state", "completed");
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-job-state", "completed");
        await Eventually.WaitUntilAsync(() => Node.Printers.Values.Sum(p => p.ReceivedJobs.Count) > printed, "the restarted job printed again");
        // Both printings: the history keeps every attempt across a restart.
        await Expect(page.Locator("#attempts tbody tr")).ToHaveCountAsync(2);
        await Expect(page.Locator("#attempts tbody tr").Nth(1).Locator("td").Nth(2)).ToHaveTextAsync("delivered");
    }

    [Fact]
    public async Task An_admin_sees_the_log_tail_grow_live_and_a_visitor_sees_a_notice_to_log_in()
    {
        await using (var anonymous = await browser.NewContextAsync(Node.WebUri))
        {
            var visitor = await ConsoleBrowsing.OpenAsync(anonymous, "/logs");
            await Expect(visitor.Locator("#logs-notice")).ToContainTextAsync("Only administrators may read the logs");
            await Expect(visitor.Locator("#logs-notice a")).ToHaveAttributeAsync("href", "/login?returnUrl=%2Flogs");
            await Expect(visitor.Locator("#log-lines li")).ToHaveCountAsync(0);
        }

        await using var context = await browser.NewContextAsync(Node.WebUri);
        await ConsoleBrowsing.LogInAsync(context, ConsoleNode.AdminUser, ConsoleNode.AdminPassword);
        var page = await ConsoleBrowsing.OpenAsync(context, "/logs");
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-tail", "on"); // the backlog is shown and the tail follows
        await Expect(page.Locator("#log-lines li").First).ToBeVisibleAsync();
        var pausedLines = page.Locator("#log-lines li", new() { HasText = "Queue staff: paused" });
        var pausedBefore = await pausedLines.CountAsync(); // other tests may have paused it before

        // Something the node logs now (a queue paused over the API with Basic credentials) reaches the open page.
        using var http = new HttpClient { BaseAddress = Node.WebUri };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{ConsoleNode.AdminUser}:{ConsoleNode.AdminPassword}")));
        try
        {
            using var paused = await http.PostAsync("/api/v1/queues/staff/pause", null);
            Assert.Equal(HttpStatusCode.OK, paused.StatusCode);
            await Expect(pausedLines).ToHaveCountAsync(pausedBefore + 1);
        }
        finally
        {
            using var resumed = await http.PostAsync("/api/v1/queues/staff/resume", null);
            Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        }
    }

    /// <summary>Saves a screenshot beside the test binaries (screenshots/); docs/ holds copies of them.</summary>
    private static async Task ScreenshotAsync(IPage page, string name)
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(directory);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(directory, name), FullPage = true });
    }

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);

    private static float Ms(TimeSpan time) => (float)time.TotalMilliseconds;
}
