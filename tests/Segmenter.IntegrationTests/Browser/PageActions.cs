using Microsoft.Playwright;

namespace Segmenter.IntegrationTests.Browser;

/// <summary>What every browser test does: sign in, wait for the circuit, keep a screenshot.</summary>
public static class PageActions
{
    /// <summary>Signs in through the form and waits until the app is interactive (a click before that is lost).</summary>
    public static async Task SignInAsync(this IPage page, string email, string password = BrowserHost.Password)
    {
        await page.GotoAsync("/account/login");
        await page.GetByTestId("login-email").FillAsync(email);
        await page.GetByTestId("login-password").FillAsync(password);
        await page.GetByTestId("login-submit").ClickAsync();
        await page.WaitForInteractiveAsync();
    }

    public static Task WaitForInteractiveAsync(this IPage page) =>
        page.Locator("[data-interactive='true']").WaitForAsync();

    /// <summary>Opens a select (or anything that opens a MudBlazor popover list) and picks the option with exactly this text.</summary>
    public static async Task ChooseAsync(this IPage page, ILocator select, string option)
    {
        await select.ClickAsync();
        await page.PickAsync(option);
        // The list closes once the server has taken the choice; a click before that can act on the old value.
        await Assertions.Expect(page.Locator(".mud-popover-open")).ToHaveCountAsync(0);
    }

    /// <summary>The row of the segments table whose name is exactly <paramref name="name"/>.</summary>
    public static ILocator SegmentRow(this IPage page, string name) =>
        page.GetByTestId("segment-row").Filter(new LocatorFilterOptions
        {
            Has = page.GetByTestId("segment-row-name").GetByText(name, new LocatorGetByTextOptions { Exact = true }),
        });

    /// <summary>Clicks the option with exactly this text in the open popover.</summary>
    public static Task PickAsync(this IPage page, string option) =>
        page.Locator(".mud-popover-open").GetByText(option, new LocatorGetByTextOptions { Exact = true }).ClickAsync();

    /// <summary>Saves a full-page screenshot as <c>TestResults/screenshots/{name}.png</c> under the repository root.</summary>
    public static async Task ScreenshotAsync(this IPage page, string name)
    {
        var directory = Path.Combine(RepositoryRoot(), "TestResults", "screenshots");
        Directory.CreateDirectory(directory);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(directory, $"{name}.png"), FullPage = true });
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Segmenter.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? AppContext.BaseDirectory;
    }
}
