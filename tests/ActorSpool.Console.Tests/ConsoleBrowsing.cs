using Microsoft.Playwright;

namespace ActorSpool.Console.Tests;

/// <summary>
/// Steps every console test takes: open a page of any node (the context's base URL says which) once its script has
/// loaded it, and log in through the form. Multi-node tests point contexts at each node's <c>WebUri</c>.
/// </summary>
public static class ConsoleBrowsing
{
    /// <summary>Opens <paramref name="path"/> and waits until its script finished the first load (data-loaded).</summary>
    public static async Task<IPage> OpenAsync(IBrowserContext context, string path)
    {
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);
        var response = await page.GotoAsync(path);
        Assert.True(response is { Ok: true }, $"GET {path} answered {response?.Status}");
        await Assertions.Expect(page.Locator("body")).ToHaveAttributeAsync("data-loaded", "true", new() { Timeout = 60_000 });
        Assert.True(errors.Count == 0, $"script errors on {path}: {string.Join("; ", errors)}");
        return page;
    }

    /// <summary>Logs in through the /login form, as a person would.</summary>
    public static async Task LogInAsync(IBrowserContext context, string user, string password)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync("/login?returnUrl=%2F");
        await page.Locator("input[name=\"user\"]").FillAsync(user);
        await page.Locator("input[name=\"password\"]").FillAsync(password);
        await page.Locator("input[name=\"password\"]").PressAsync("Enter");
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/");
        await page.CloseAsync();
    }
}
