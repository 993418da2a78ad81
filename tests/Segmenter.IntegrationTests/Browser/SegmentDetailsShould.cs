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
public sealed class SegmentDetailsShould(BrowserHost host) : IClassFixture<BrowserHost>
{
    [Fact]
    public async Task Show_members_history_entries_overlap_and_why_a_member_is_in()
    {
        var tenant = await host.NewTenantAsync("Detail shop");
        var (norway, buyers) = await SeedAsync(tenant.Id);
        var page = await host.NewPageAsync();
        await page.SignInAsync(await host.NewUserAsync((tenant.Id, TenantRole.Marketer)));

        await page.GetByTestId("segment-row-name").GetByText("Norway", new LocatorGetByTextOptions { Exact = true }).ClickAsync();

        await Expect(page.GetByTestId("detail-member-count")).ToHaveTextAsync("3");
        await Expect(page.GetByTestId("member-row")).ToHaveCountAsync(3);
        await Expect(page.GetByTestId("detail-rules")).ToContainTextAsync("Country is Norway");
        Assert.EndsWith($"/segments/{norway}", page.Url, StringComparison.Ordinal);
        await page.ScreenshotAsync("segment-detail");

        await page.GetByTestId("member-row").Filter(new LocatorFilterOptions { HasText = "n0@detail.test" }).GetByTestId("member-explain").ClickAsync();
        var nodes = page.GetByTestId("explain-dialog").GetByTestId("explain-node");
        await Expect(nodes).ToHaveCountAsync(2);
        await Expect(nodes.Nth(1)).ToHaveAttributeAsync("data-matched", "true");
        await Expect(page.GetByTestId("explain-summary")).ToContainTextAsync("A member now.");
        await page.ScreenshotAsync("segment-explain");
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.GetByTestId("explain-dialog")).ToHaveCountAsync(0);

        await page.GetByTestId("members-search").FillAsync("n2@");
        await Expect(page.GetByTestId("member-row")).ToHaveCountAsync(1);

        await page.GetByRole(AriaRole.Tab, new PageGetByRoleOptions { Name = "Size history" }).ClickAsync();
        await Expect(page.GetByTestId("history-chart").Locator("svg").First).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Tab, new PageGetByRoleOptions { Name = "Entries and exits" }).ClickAsync();
        await Expect(page.GetByTestId("change-row")).ToHaveCountAsync(3);
        await Expect(page.GetByTestId("change-row").First).ToContainTextAsync("entered");

        await page.GetByRole(AriaRole.Tab, new PageGetByRoleOptions { Name = "Overlap" }).ClickAsync();
        await page.ChooseAsync(page.GetByTestId("overlap-segment"), "Buyers (3)");
        await Expect(page.GetByTestId("overlap-only-this")).ToHaveTextAsync("1");
        await Expect(page.GetByTestId("overlap-both")).ToHaveTextAsync("2");
        await Expect(page.GetByTestId("overlap-only-other")).ToHaveTextAsync("1");
        Assert.NotEqual(norway, buyers);
    }

    [Fact]
    public async Task Refresh_a_stale_segment_now_and_freeze_it_into_a_static_copy()
    {
        var tenant = await host.NewTenantAsync("Refresh shop");
        var (norway, _) = await SeedAsync(tenant.Id);
        await InsertBehindTheEnginesBackAsync(tenant.Id, "late@detail.test", "Norway");
        var page = await host.NewPageAsync();
        var marketer = await host.NewUserAsync((tenant.Id, TenantRole.Marketer));
        await page.SignInAsync(marketer);
        await page.GotoAsync($"/segments/{norway}");
        await page.WaitForInteractiveAsync();
        await Expect(page.GetByTestId("detail-member-count")).ToHaveTextAsync("3");

        await page.GetByTestId("refresh-now").ClickAsync();

        await Expect(page.GetByTestId("detail-member-count")).ToHaveTextAsync("4");
        await Expect(page.GetByText("4 members, 1 entered, 0 left", new PageGetByTextOptions { Exact = false })).ToBeVisibleAsync();

        await page.GetByTestId("freeze-segment").ClickAsync();
        await page.GetByTestId("confirm-freeze").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new PageGetByRoleOptions { Level = 1 })).ToContainTextAsync("Norway (frozen", new LocatorAssertionsToContainTextOptions { Timeout = 15_000 });
        await Expect(page.GetByTestId("segment-detail")).ToContainTextAsync("Static");
        await Expect(page.GetByTestId("detail-member-count")).ToHaveTextAsync("4");
        await Expect(page.GetByTestId("refresh-now")).ToHaveCountAsync(0);
        Assert.DoesNotContain(norway.ToString(), page.Url, StringComparison.Ordinal);

        // The admin's audit log names the marketer for both, newest first.
        var admin = await host.NewPageAsync();
        await admin.SignInAsync(await host.NewUserAsync((tenant.Id, TenantRole.Admin)));
        await admin.GotoAsync("/settings");
        await admin.WaitForInteractiveAsync();
        await admin.GetByRole(AriaRole.Tab, new PageGetByRoleOptions { Name = "Audit log" }).ClickAsync();
        var rows = admin.GetByTestId("audit-row");
        await Expect(rows.Nth(0).GetByTestId("audit-action")).ToHaveTextAsync("segment.frozen");
        await Expect(rows.Nth(1).GetByTestId("audit-action")).ToHaveTextAsync("segment.refreshed");
        await Expect(rows.Nth(0).GetByTestId("audit-actor")).ToHaveTextAsync(marketer);
        await Expect(rows.Nth(1).GetByTestId("audit-actor")).ToHaveTextAsync(marketer);
        await admin.ScreenshotAsync("settings-audit-log");
        await page.ScreenshotAsync("segment-detail-frozen");
    }

    [Fact]
    public async Task Let_a_sender_read_and_export_the_members_but_not_change_the_segment()
    {
        var tenant = await host.NewTenantAsync("Export shop");
        var (norway, _) = await SeedAsync(tenant.Id);
        var page = await host.NewPageAsync();
        await page.SignInAsync(await host.NewUserAsync((tenant.Id, TenantRole.Sender)));
        await page.GotoAsync($"/segments/{norway}");
        await page.WaitForInteractiveAsync();

        await Expect(page.GetByTestId("member-row")).ToHaveCountAsync(3);
        await Expect(page.GetByTestId("refresh-now")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("freeze-segment")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("edit-segment")).ToHaveCountAsync(0);

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("export-members").ClickAsync());
        var lines = await File.ReadAllLinesAsync(await download.PathAsync(), TestContext.Current.CancellationToken);

        Assert.Equal("Norway.csv", download.SuggestedFilename);
        Assert.Equal(4, lines.Length);
        Assert.Equal(["n0@detail.test", "n1@detail.test", "n2@detail.test"], lines.Skip(1).Select(l => l.Split(',')[1]).Order());
        await page.ScreenshotAsync("segment-detail-sender");
    }

    [Fact]
    public async Task Say_so_when_the_segment_is_not_in_this_workspace()
    {
        var mine = await host.NewTenantAsync("Mine");
        var theirs = await host.NewTenantAsync("Theirs");
        var (theirSegment, _) = await SeedAsync(theirs.Id);
        var page = await host.NewPageAsync();
        await page.SignInAsync(await host.NewUserAsync((mine.Id, TenantRole.Marketer)));

        await page.GotoAsync($"/segments/{theirSegment}");

        await Expect(page.GetByText("Segment not found")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("member-row")).ToHaveCountAsync(0);
        await page.ScreenshotAsync("segment-detail-not-found");
    }

    /// <summary>Four contacts, three in Norway (two bought) and one buyer in Chile; dynamic segments Norway (3) and Buyers (3).</summary>
    private async Task<(Guid Norway, Guid Buyers)> SeedAsync(Guid tenantId)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var scope = host.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Use(tenantId);
        var db = scope.ServiceProvider.GetRequiredService<SegmenterDbContext>();
        var contacts = Enumerable.Range(0, 4)
            .Select(i => new Contact { TenantId = tenantId, Email = $"n{i}@detail.test", Country = i < 3 ? "Norway" : "Chile" })
            .ToList();
        db.Contacts.AddRange(contacts);
        db.ContactEvents.AddRange(contacts.Skip(1).Select(c => new ContactEvent
        {
            TenantId = tenantId, ContactId = c.Id, Type = "purchase", OccurredAt = DateTimeOffset.UtcNow.AddDays(-1),
        }));
        await db.SaveChangesAsync(ct);

        var create = scope.ServiceProvider.GetRequiredService<CreateSegment>();
        var norway = await create.HandleAsync(new CreateSegmentRequest("Norway", null, SegmentType.Dynamic,
            RuleJson.ParseDefinition("""{"logic":"and","rules":[{"field":"country","operator":"equals","value":"Norway"}]}""")), null, ct);
        var buyers = await create.HandleAsync(new CreateSegmentRequest("Buyers", null, SegmentType.Dynamic,
            RuleJson.ParseDefinition("""{"logic":"and","rules":[{"event":"purchase","operator":"greater_than","value":0}]}""")), null, ct);
        Assert.Equal(3, await db.SegmentMembers.CountAsync(m => m.SegmentId == buyers.Id, ct));
        return (norway.Id, buyers.Id);
    }

    /// <summary>A contact written in raw SQL, which the real-time membership engine does not see: the segment is stale until refreshed.</summary>
    private async Task InsertBehindTheEnginesBackAsync(Guid tenantId, string email, string country)
    {
        await using var scope = host.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Use(tenantId);
        var db = scope.ServiceProvider.GetRequiredService<SegmenterDbContext>();
        await db.Database.ExecuteSqlAsync($$"""
            INSERT INTO contacts (tenant_id, id, email, country, status, created_at, updated_at, tags, attributes)
            VALUES ({{tenantId}}, {{Guid.CreateVersion7()}}, {{email}}, {{country}}, 'subscribed', now(), now(), '{}', '{}')
            """, TestContext.Current.CancellationToken);
    }
}
