using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Segmenter.Core.Campaigns;
using Segmenter.Core.Contacts;
using Segmenter.Core.Data;
using Segmenter.Core.Rules;
using Segmenter.Core.Segments;
using Segmenter.Core.Tenancy;
using Segmenter.IntegrationTests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Segmenter.IntegrationTests.Browser;

[Collection(HangfireTests.Name)]
public sealed class CampaignsShould(BrowserHost host) : IClassFixture<BrowserHost>
{
    [Fact]
    public async Task Let_a_sender_build_an_audience_see_its_count_and_lock_it()
    {
        var tenant = await host.NewTenantAsync("Campaign shop");
        await SeedAsync(tenant.Id);
        var page = await host.NewPageAsync();
        await page.SignInAsync(await host.NewUserAsync((tenant.Id, TenantRole.Sender)));
        await page.GetByTestId("nav-campaigns").ClickAsync();

        await page.GetByTestId("campaign-create").ClickAsync();
        await Expect(page.GetByText("A name of 1 to")).ToBeVisibleAsync();
        await Expect(page.GetByText("Include 1 to")).ToBeVisibleAsync();

        await page.GetByTestId("campaign-name").FillAsync("Winter sale");
        await PickAsync(page, "campaign-audience-include", "Nordics");
        await Expect(page.GetByTestId("campaign-recipient-count")).ToHaveTextAsync("4");
        Assert.Equal("4", await CountAsync(tenant.Id, ["Nordics"], [], true));
        await PickAsync(page, "campaign-audience-exclude", "Oslo");
        await Expect(page.GetByTestId("campaign-recipient-count")).ToHaveTextAsync("2");
        await page.GetByTestId("campaign-subscribed-only").ClickAsync();
        var expected = await CountAsync(tenant.Id, ["Nordics"], ["Oslo"], false);
        Assert.Equal("3", expected);
        await Expect(page.GetByTestId("campaign-recipient-count")).ToHaveTextAsync(expected);
        await Expect(page.GetByText("Include 1 to")).ToHaveCountAsync(0);
        await page.ScreenshotAsync("campaign-audience");

        await page.GetByTestId("campaign-create").ClickAsync();
        var row = page.GetByTestId("campaign-row");
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row.GetByTestId("campaign-row-count")).ToHaveTextAsync("3");
        await row.GetByTestId("campaign-lock").ClickAsync();
        await page.GetByTestId("confirm-lock").ClickAsync();
        await Expect(row).ToContainTextAsync("Locked");
        await Expect(row.GetByTestId("campaign-lock")).ToHaveCountAsync(0);
        await Expect(row.GetByTestId("campaign-row-count")).ToHaveTextAsync("3");

        var download = await page.RunAndWaitForDownloadAsync(() => row.GetByTestId("campaign-export").ClickAsync());
        var lines = (await File.ReadAllLinesAsync((await download.PathAsync())!, TestContext.Current.CancellationToken)).ToList();
        Assert.Equal("Winter-sale-recipients.csv", download.SuggestedFilename);
        Assert.StartsWith("id,email,", lines[0], StringComparison.Ordinal);
        Assert.Equal(["c@nordic.test", "d@nordic.test", "e@nordic.test"], lines.Skip(1).Select(l => l.Split(',')[1]).Order(StringComparer.Ordinal));

        var missing = await page.APIRequest.GetAsync($"/exports/campaigns/{Guid.CreateVersion7()}/recipients.csv");
        Assert.Equal(404, missing.Status);
    }

    private static async Task PickAsync(IPage page, string testId, string segment)
    {
        await page.GetByTestId(testId).ClickAsync();
        await page.Locator(".mud-popover-open").GetByText(segment, new LocatorGetByTextOptions { Exact = false }).First.ClickAsync();
        await page.Keyboard.PressAsync("Escape");
    }

    /// <summary>The count the Core audience query gives, as the UI shows it.</summary>
    private async Task<string> CountAsync(Guid tenantId, string[] include, string[] exclude, bool subscribedOnly)
    {
        await using var scope = host.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Use(tenantId);
        var db = scope.ServiceProvider.GetRequiredService<SegmenterDbContext>();
        Guid[] Ids(string[] names) => [.. db.Segments.Where(s => names.Contains(s.Name)).Select(s => s.Id)];
        var count = await scope.ServiceProvider.GetRequiredService<Audiences>()
            .CountAsync(new AudienceRequest(Ids(include), Ids(exclude), subscribedOnly), "audience", TestContext.Current.CancellationToken);
        return count.ToString("N0", System.Globalization.CultureInfo.CurrentCulture);
    }

    /// <summary>Five Nordic contacts, two of them in Oslo, one of the other three unsubscribed; segments Nordics and Oslo.</summary>
    private async Task SeedAsync(Guid tenantId)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var scope = host.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Use(tenantId);
        var db = scope.ServiceProvider.GetRequiredService<SegmenterDbContext>();
        db.Contacts.AddRange(
            new Contact { TenantId = tenantId, Email = "a@nordic.test", Country = "Norway", City = "Oslo" },
            new Contact { TenantId = tenantId, Email = "b@nordic.test", Country = "Norway", City = "Oslo" },
            new Contact { TenantId = tenantId, Email = "c@nordic.test", Country = "Norway", City = "Bergen" },
            new Contact { TenantId = tenantId, Email = "d@nordic.test", Country = "Sweden", City = "Malmö" },
            new Contact { TenantId = tenantId, Email = "e@nordic.test", Country = "Sweden", City = "Lund", Status = "unsubscribed" },
            new Contact { TenantId = tenantId, Email = "f@elsewhere.test", Country = "Chile", City = "Santiago" });
        await db.SaveChangesAsync(ct);
        var create = scope.ServiceProvider.GetRequiredService<CreateSegment>();
        await create.HandleAsync(new CreateSegmentRequest("Nordics", null, SegmentType.Dynamic, RuleJson.ParseDefinition(
            """{"logic":"or","rules":[{"field":"country","operator":"equals","value":"Norway"},{"field":"country","operator":"equals","value":"Sweden"}]}""")), null, ct);
        await create.HandleAsync(new CreateSegmentRequest("Oslo", null, SegmentType.Dynamic, RuleJson.ParseDefinition(
            """{"logic":"and","rules":[{"field":"city","operator":"equals","value":"Oslo"}]}""")), null, ct);
    }
}
