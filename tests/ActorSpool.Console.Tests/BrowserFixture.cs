using Microsoft.Playwright;

namespace ActorSpool.Console.Tests;

/// <summary>
/// One headless chromium for the console tests: Debian's /usr/bin/chromium (test.sh installs it), driven by the
/// Playwright driver that ships inside the Microsoft.Playwright package (no browser download, works offline).
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException(
                $"{ChromiumPath} is missing: the web console tests drive Debian's chromium. Run ./test.sh (it installs it) or apt-get install chromium.");
        }
        // Waits in expectations are conditions with a generous limit (a busy 2-core machine), not timings.
        Assertions.SetDefaultExpectTimeout(60_000);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // Chromium's sandbox refuses to run as root (CI containers); the pages are our own, on loopback.
            Args = Environment.UserName == "root" ? ["--no-sandbox"] : [],
        });
    }

    /// <summary>A fresh browser context (own cookies) whose relative URLs go to <paramref name="node"/>'s HTTP port.</summary>
    public Task<IBrowserContext> NewContextAsync(Uri node, int width = 1280, int height = 900) =>
        Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = node.ToString(), ViewportSize = new ViewportSize { Width = width, Height = height } });

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
    }
}

/// <summary>The browser tests run one after the other (one chromium, a 2-core machine, nodes with real ports).</summary>
[CollectionDefinition(Name)]
public sealed class ConsoleCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "console";
}
