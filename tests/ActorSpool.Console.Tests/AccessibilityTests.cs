using System.Net.Http.Json;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace ActorSpool.Console.Tests;

/// <summary>The node of the accessibility tests: one queue, one printer, one printed job.</summary>
public sealed class AccessibilityTestsNode : IAsyncLifetime
{
    public ConsoleNode Node { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Node = await ConsoleNode.StartAsync(new Dictionary<string, string[]> { ["office"] = ["lj-1"] });
        await Ipptool.PrintAsync(Node.QueueUri("office"), "A job for the job page\n");
    }

    public async Task DisposeAsync() => await Node.DisposeAsync();
}

/// <summary>axe-core (Deque.AxeCore.Playwright) finds no serious or critical violation on any console page.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class AccessibilityTests(BrowserFixture browser, AccessibilityTestsNode fixture, ITestOutputHelper output) : IClassFixture<AccessibilityTestsNode>
{
    public static TheoryData<string, bool> Pages => new()
    {
        { "/", false },
        { "/printers/office", false },
        { "/jobs/FIRST", false },
        { "/devices/lj-1", false },
        { "/logs", false },
        { "/logs", true },
        { "/printers/office", true },
        { "/jobs/FIRST", true },
        { "/devices/lj-1", true },
        { "/login", false },
    };

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task Axe_finds_no_serious_or_critical_violation(string path, bool asAdmin)
    {
        await using var context = await browser.NewContextAsync(fixture.Node.WebUri);
        if (asAdmin) await ConsoleBrowsing.LogInAsync(context, ConsoleNode.AdminUser, ConsoleNode.AdminPassword);
        if (path == "/jobs/FIRST") path = $"/jobs/{await FirstJobIdAsync()}";
        IPage page;
        if (path == "/login")
        {
            page = await context.NewPageAsync();
            await page.GotoAsync(path);
            await Assertions.Expect(page.Locator("input[name=\"password\"]")).ToBeVisibleAsync();
        }
        else
        {
            page = await ConsoleBrowsing.OpenAsync(context, path);
        }

        foreach (var (name, width) in new[] { ("desktop", 1280), ("phone", 320) })
        {
            await page.SetViewportSizeAsync(width, 800);
            var result = await page.RunAxe();
            var grave = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
            foreach (var violation in result.Violations)
                output.WriteLine($"{path} ({name}): {violation.Impact} {violation.Id}: {violation.Help} at {string.Join(", ", violation.Nodes.Select(n => n.Html))}");
            Assert.True(grave.Count == 0, $"{path} ({name}, admin: {asAdmin}): " +
                string.Join("\n", grave.Select(v => $"{v.Impact} {v.Id}: {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Html))}")));
        }
        // At 320 px nothing but the tables' own scroll boxes may scroll sideways.
        var overflowing = await page.EvaluateAsync<string[]>(OverflowingElements);
        Assert.True(overflowing.Length == 0, $"{path} scrolls sideways at 320 px: {string.Join(", ", overflowing)}");
    }

    /// <summary>The elements sticking out to the right of the page (outside the scroll boxes), by tag, id and class.</summary>
    private const string OverflowingElements = """
        () => {
          const width = document.documentElement.clientWidth;
          if (document.documentElement.scrollWidth <= width + 1) return [];
          return [...document.querySelectorAll('body *')]
            .filter((e) => !e.closest('.scroll, .log-box') && e.getBoundingClientRect().right > width + 1)
            .slice(0, 8).map((e) => `${e.tagName.toLowerCase()}#${e.id}.${e.className}`);
        }
        """;

    private async Task<long> FirstJobIdAsync()
    {
        using var http = new HttpClient { BaseAddress = fixture.Node.WebUri };
        using var answer = await http.GetFromJsonAsync<System.Text.Json.JsonDocument>("/api/v1/jobs?queue=office&limit=1");
        return answer!.RootElement.GetProperty("jobs")[0].GetProperty("id").GetInt64();
    }
}
