using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Segmenter.Core.Contacts;
using Segmenter.Core.Data;
using Segmenter.Core.Rules;
using Segmenter.Core.Segments;
using Segmenter.Core.Tenancy;
using Segmenter.IntegrationTests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Segmenter.IntegrationTests.Browser;

[Collection(HangfireTests.Name)]
public sealed class SegmentsTableShould(BrowserHost host) : IClassFixture<BrowserHost>
{
    private static readonly string[] Countries = ["Norway", "Norway", "Norway", "Chile"];

    [Fact]
    public async Task List_search_sort_duplicate_and_delete_segments_and_say_why_a_delete_is_refused()
    {
        var tenant = await host.NewTenantAsync("Table shop");
        await SeedAsync(tenant.Id);
        var page = await host.NewPageAsync();
        await page.SignInAsync(await host.NewUserAsync((tenant.Id, TenantRole.Marketer)));

        var rows = page.GetByTestId("segment-row");
        await Expect(rows).ToHaveCountAsync(4);
        await Expect(page.SegmentRow("Norway").GetByTestId("segment-row-count")).ToHaveTextAsync("3");
        await Expect(page.SegmentRow("Chile").GetByTestId("segment-row-count")).ToHaveTextAsync("1");
        await page.ScreenshotAsync("segments-table");

        await page.GetByTestId("segments-search").FillAsync("chil");
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(rows.First.GetByTestId("segment-row-name")).ToHaveTextAsync("Chile");
        await page.GetByTestId("segments-search").FillAsync("");
        await Expect(rows).ToHaveCountAsync(4);

        await page.GetByTestId("sort-members").ClickAsync();
        await Expect(rows.First.GetByTestId("segment-row-name")).ToHaveTextAsync("Norway");
        await Expect(rows.Last.GetByTestId("segment-row-name")).ToHaveTextAsync("VIP list");

        await page.SegmentRow("Chile").GetByTestId("row-duplicate").ClickAsync();
        await Expect(page.SegmentRow("Chile (copy)").GetByTestId("segment-row-count")).ToHaveTextAsync("1");
        await Expect(rows).ToHaveCountAsync(5);

        await page.SegmentRow("Chile (copy)").GetByTestId("row-delete").ClickAsync();
        await page.GetByTestId("confirm-delete").ClickAsync();
        await Expect(rows).ToHaveCountAsync(4);
        await Expect(page.SegmentRow("Chile (copy)")).ToHaveCountAsync(0);

        await page.SegmentRow("Norway").GetByTestId("row-delete").ClickAsync();
        await page.GetByTestId("confirm-delete").ClickAsync();
        await Expect(page.GetByText("Other segments use this one: 'Reads Norway'")).ToBeVisibleAsync();
        await Expect(page.SegmentRow("Norway")).ToHaveCountAsync(1);
        await page.ScreenshotAsync("segments-delete-refused");
    }

    [Fact]
    public async Task Show_a_sender_the_segments_without_the_actions_that_change_them()
    {
        var tenant = await host.NewTenantAsync("Read-only shop");
        await SeedAsync(tenant.Id);
        var page = await host.NewPageAsync();
        await page.SignInAsync(await host.NewUserAsync((tenant.Id, TenantRole.Sender)));

        await Expect(page.GetByTestId("segment-row")).ToHaveCountAsync(4);
        await Expect(page.GetByTestId("row-delete")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("row-duplicate")).ToHaveCountAsync(0);
        await page.ScreenshotAsync("segments-table-sender");
    }

    /// <summary>Four contacts (three in Norway, one in Chile) and four segments: Norway, Chile, one that reads Norway, an empty list.</summary>
    private async Task SeedAsync(Guid tenantId)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var scope = host.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Use(tenantId);
        var db = scope.ServiceProvider.GetRequiredService<SegmenterDbContext>();
        db.Contacts.AddRange(Countries.Select((country, i) =>
            new Contact { TenantId = tenantId, Email = $"c{i}@table.test", Country = country }));
        await db.SaveChangesAsync(ct);

        var create = scope.ServiceProvider.GetRequiredService<CreateSegment>();
        var norway = await create.HandleAsync(Dynamic("Norway", """{"logic":"and","rules":[{"field":"country","operator":"equals","value":"Norway"}]}"""), null, ct);
        await create.HandleAsync(Dynamic("Chile", """{"logic":"and","rules":[{"field":"country","operator":"equals","value":"Chile"}]}"""), null, ct);
        await create.HandleAsync(Dynamic("Reads Norway", $$"""{"logic":"and","rules":[{"segment":"{{norway.Id}}","operator":"in"}]}"""), null, ct);
        await create.HandleAsync(new CreateSegmentRequest("VIP list", "Hand-picked", SegmentType.Static, ContactIds: []), null, ct);
        Assert.Equal(3, await db.SegmentMembers.CountAsync(m => m.SegmentId == norway.Id, ct));
    }

    private static CreateSegmentRequest Dynamic(string name, string definition) =>
        new(name, null, SegmentType.Dynamic, RuleJson.ParseDefinition(definition));
}
