using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Segmenter.Core.ApiKeys;
using Segmenter.Core.Contacts;
using Segmenter.Core.Data;
using Segmenter.Core.Rules;
using Segmenter.Core.Segments;
using Segmenter.Core.Tenancy;
using Segmenter.IntegrationTests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Segmenter.IntegrationTests.Browser;

/// <summary>A marketer builds segments by clicking, against the real app, PostgreSQL and Chromium.</summary>
[Collection(HangfireTests.Name)]
public sealed class SegmentBuilderShould(BrowserHost host) : IClassFixture<BrowserHost>
{
    /// <summary>What the clicks of the first test build: Norway, and (a purchase or the vip tag).</summary>
    private const string NorwayBuyersOrVips = """
        {"logic":"and","rules":[
          {"field":"country","operator":"equals","value":"norway"},
          {"logic":"or","rules":[
            {"event":"purchase","aggregate":"count","operator":"greater_than_or_equal","value":1},
            {"field":"tags","operator":"contains","value":"vip"}]}]}
        """;

    private static readonly int[] Buyers = [0, 1, 6, 8];

    [Fact]
    public async Task Let_a_marketer_build_a_two_group_segment_whose_live_count_equals_the_api_preview_then_save_duplicate_and_delete_it()
    {
        var tenant = await host.NewTenantAsync("Builder shop");
        await SeedAsync(tenant.Id);
        var apiCount = await ApiPreviewCountAsync(tenant.Id, NorwayBuyersOrVips);
        var page = await host.NewPageAsync();
        await page.SignInAsync(await host.NewUserAsync((tenant.Id, TenantRole.Marketer)));

        await page.GetByTestId("create-segment").ClickAsync();
        await page.GetByTestId("segment-name").FillAsync("Norwegian buyers or VIPs");
        await page.GetByTestId("segment-description").FillAsync("Built by clicking");
        await page.ChooseAsync(Rule(page, 0).GetByTestId("rule-field"), "Country");
        await Rule(page, 0).GetByTestId("rule-value").FillAsync("norway");
        await Expect(page.GetByTestId("preview-count")).ToHaveTextAsync("5");
        await Expect(Rule(page, 0).GetByTestId("rule-count")).ToHaveTextAsync("5");

        await page.GetByTestId("add-group").Last.ClickAsync();
        var nested = page.GetByTestId("builder-group").Nth(1);
        await nested.GetByTestId("group-logic").GetByText("OR").ClickAsync();
        await page.ChooseAsync(Rule(page, 1).GetByTestId("rule-field"), "purchase");
        await nested.GetByTestId("add-rule").ClickAsync();
        await page.ChooseAsync(Rule(page, 2).GetByTestId("rule-field"), "Tags");
        await Rule(page, 2).GetByTestId("rule-value").FillAsync("vip");

        await Expect(page.GetByTestId("preview-count")).ToHaveTextAsync(apiCount.ToString(CultureInfo.InvariantCulture));
        await Expect(Rule(page, 1).GetByTestId("rule-count")).ToHaveTextAsync("4");
        await Expect(Rule(page, 2).GetByTestId("rule-count")).ToHaveTextAsync("3");
        await page.GetByTestId("preview-button").ClickAsync();
        await Expect(page.GetByTestId("preview-table").GetByTestId("preview-row")).ToHaveCountAsync(apiCount);
        await page.ScreenshotAsync("segment-builder");

        await page.GetByTestId("save-segment").ClickAsync();
        var row = page.SegmentRow("Norwegian buyers or VIPs");
        await Expect(row.GetByTestId("segment-row-count")).ToHaveTextAsync(apiCount.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(RuleJson.Serialize(RuleJson.ParseDefinition(NorwayBuyersOrVips)), await StoredDefinitionAsync(tenant.Id, "Norwegian buyers or VIPs"));

        await row.GetByTestId("row-duplicate").ClickAsync();
        var copy = page.SegmentRow("Norwegian buyers or VIPs (copy)");
        await Expect(copy.GetByTestId("segment-row-count")).ToHaveTextAsync(apiCount.ToString(CultureInfo.InvariantCulture));
        await copy.GetByTestId("row-delete").ClickAsync();
        await page.GetByTestId("confirm-delete").ClickAsync();
        await Expect(copy).ToHaveCountAsync(0);
        await row.GetByTestId("row-delete").ClickAsync();
        await page.GetByTestId("confirm-delete").ClickAsync();
        await Expect(page.GetByTestId("segment-row")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Show_an_invalid_value_s_message_beside_its_rule_and_refuse_to_save()
    {
        var (tenant, page) = await OpenBuilderAsync("Invalid shop");

        await page.GetByTestId("segment-name").FillAsync("Never saved");
        await page.ChooseAsync(Rule(page, 0).GetByTestId("rule-field"), "Created at");
        await page.ChooseAsync(Rule(page, 0).GetByTestId("rule-operator"), "is in the last … days");
        await Expect(Rule(page, 0).GetByTestId("rule-value")).ToHaveAttributeAsync("role", "spinbutton");
        await Rule(page, 0).GetByTestId("rule-value").FillAsync("30");
        await Expect(page.GetByTestId("preview-count")).ToHaveTextAsync("12");
        await Rule(page, 0).GetByTestId("rule-value").FillAsync("99999");

        await Expect(Rule(page, 0).GetByTestId("validation-message")).ToHaveTextAsync("Expected a number of days from 0 to 36500.");
        await Expect(page.GetByTestId("preview-count")).ToHaveTextAsync("–");
        await Expect(page.GetByTestId("preview-note")).ToHaveTextAsync("Fix the rules marked in red to see the count.");
        await page.GetByTestId("save-segment").ClickAsync();
        await Expect(Rule(page, 0).GetByTestId("validation-message")).ToHaveTextAsync("Expected a number of days from 0 to 36500.");
        await page.ScreenshotAsync("segment-builder-invalid");
        Assert.EndsWith("/segments/new", page.Url, StringComparison.Ordinal);

        await Rule(page, 0).GetByTestId("rule-value").FillAsync("30");
        await Expect(Rule(page, 0).GetByTestId("validation-message")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("preview-count")).ToHaveTextAsync("12");
        Assert.Equal(0, await SegmentCountAsync(tenant.Id));
    }

    [Fact]
    public async Task Create_a_working_segment_from_a_template()
    {
        var (_, page) = await OpenBuilderAsync("Template shop");

        await page.ChooseAsync(page.GetByTestId("template-picker"), "Company employees");

        await Expect(page.GetByTestId("segment-name")).ToHaveValueAsync("Company employees");
        await Expect(Rule(page, 0).GetByTestId("rule-value")).ToHaveValueAsync("@company.com");
        await Expect(page.GetByTestId("preview-count")).ToHaveTextAsync("3");
        await page.GetByTestId("save-segment").ClickAsync();
        await Expect(page.SegmentRow("Company employees").GetByTestId("segment-row-count")).ToHaveTextAsync("3");
        await page.ScreenshotAsync("segment-builder-template");
    }

    [Fact]
    public async Task Edit_a_dynamic_segment_and_refill_it_with_the_new_rules()
    {
        var (tenant, page) = await OpenBuilderAsync("Edit shop");
        await page.GetByTestId("segment-name").FillAsync("Where they live");
        await page.ChooseAsync(Rule(page, 0).GetByTestId("rule-field"), "Country");
        await Rule(page, 0).GetByTestId("rule-value").FillAsync("Norway");
        await Expect(page.GetByTestId("preview-count")).ToHaveTextAsync("5");
        await page.GetByTestId("save-segment").ClickAsync();

        await page.SegmentRow("Where they live").GetByTestId("row-edit").ClickAsync();
        await Expect(Rule(page, 0).GetByTestId("rule-value")).ToHaveValueAsync("Norway");
        await Expect(page.GetByTestId("segment-dynamic-switch")).ToBeDisabledAsync();
        await Rule(page, 0).GetByTestId("rule-value").FillAsync("Chile");
        await Expect(page.GetByTestId("preview-count")).ToHaveTextAsync("7");
        await page.ChooseAsync(Rule(page, 0).GetByTestId("rule-operator"), "is not");
        await Expect(page.GetByTestId("preview-count")).ToHaveTextAsync("5");
        await page.ChooseAsync(Rule(page, 0).GetByTestId("rule-operator"), "is");
        await Rule(page, 0).GetByTestId("rule-value").FillAsync("Peru");
        await Expect(page.GetByTestId("preview-count")).ToHaveTextAsync("0");
        await Rule(page, 0).GetByTestId("rule-value").FillAsync("Chile");
        await Expect(page.GetByTestId("preview-count")).ToHaveTextAsync("7");
        await page.GetByTestId("save-segment").ClickAsync();

        await Expect(page.SegmentRow("Where they live").GetByTestId("segment-row-count")).ToHaveTextAsync("7");
        Assert.Contains("\"Chile\"", await StoredDefinitionAsync(tenant.Id, "Where they live"), StringComparison.Ordinal);
        await page.ScreenshotAsync("segment-builder-edit");
    }

    [Fact]
    public async Task Make_a_static_list_of_contacts_picked_by_hand()
    {
        var (_, page) = await OpenBuilderAsync("List shop");

        await page.GetByTestId("segment-name").FillAsync("Picked by hand");
        await page.GetByTestId("segment-dynamic-switch").ClickAsync();
        await page.GetByTestId("static-source").GetByText("Contacts I pick").ClickAsync();
        string[] picks = ["c1@builder.test", "c5@builder.test"];
        for (var i = 0; i < picks.Length; i++)
        {
            await page.GetByTestId("contact-picker").FillAsync(picks[i]);
            await page.GetByTestId("contact-option").Filter(new LocatorFilterOptions { HasText = picks[i] }).ClickAsync();
            await Expect(page.GetByTestId("picked-contact")).ToHaveCountAsync(i + 1);
        }

        await Expect(page.GetByTestId("preview-count")).ToHaveTextAsync("2");
        await page.GetByTestId("save-segment").ClickAsync();

        await Expect(page.SegmentRow("Picked by hand").GetByTestId("segment-row-count")).ToHaveTextAsync("2");
        await page.ScreenshotAsync("segment-builder-picked-list");
    }

    [Fact]
    public async Task Rename_a_list_made_by_hand_without_touching_its_members()
    {
        var (tenant, page) = await OpenBuilderAsync("Rename shop");
        Guid list;
        await using (var scope = host.Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<TenantContext>().Use(tenant.Id);
            var ids = await scope.ServiceProvider.GetRequiredService<SegmenterDbContext>().Contacts.OrderBy(c => c.Email).Select(c => c.Id).Take(2)
                .ToListAsync(TestContext.Current.CancellationToken);
            list = (await scope.ServiceProvider.GetRequiredService<CreateSegment>()
                .HandleAsync(new CreateSegmentRequest("Old name", null, SegmentType.Static, ContactIds: ids), null, TestContext.Current.CancellationToken)).Id;
        }

        await page.GotoAsync($"/segments/{list}/edit");
        await page.WaitForInteractiveAsync();

        await Expect(page.GetByTestId("preview-count")).ToHaveTextAsync("2");
        await Expect(page.GetByTestId("rule-builder")).ToHaveCountAsync(0);
        await Expect(page.GetByTestId("contact-picker")).ToHaveCountAsync(0);
        await page.GetByTestId("segment-name").FillAsync("New name");
        await page.GetByTestId("save-segment").ClickAsync();

        await Expect(page.SegmentRow("New name").GetByTestId("segment-row-count")).ToHaveTextAsync("2");
        await page.ScreenshotAsync("segment-builder-list-renamed");
    }

    [Fact]
    public async Task Keep_senders_out_of_the_builder()
    {
        var tenant = await host.NewTenantAsync("Sender shop");
        var page = await host.NewPageAsync();
        await page.SignInAsync(await host.NewUserAsync((tenant.Id, TenantRole.Sender)));

        await Expect(page.GetByTestId("segments-table")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("create-segment")).ToHaveCountAsync(0);
        await page.GotoAsync("/segments/new");

        await Expect(page.GetByText("Your role in this workspace does not open that page.")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("save-segment")).ToHaveCountAsync(0);
        await page.ScreenshotAsync("segment-builder-sender-denied");
    }

    /// <summary>A seeded tenant of its own and a marketer of it on a new segment's builder.</summary>
    private async Task<(Tenant Tenant, IPage Page)> OpenBuilderAsync(string tenantName)
    {
        var tenant = await host.NewTenantAsync(tenantName);
        await SeedAsync(tenant.Id);
        var page = await host.NewPageAsync();
        await page.SignInAsync(await host.NewUserAsync((tenant.Id, TenantRole.Marketer)));
        await page.GotoAsync("/segments/new");
        await page.WaitForInteractiveAsync();
        return (tenant, page);
    }

    private static ILocator Rule(IPage page, int index) => page.GetByTestId("builder-rule").Nth(index);

    /// <summary>
    /// Twelve contacts: five in Norway (two bought, one of them also vip; one more vip), seven in Chile (two bought,
    /// one vip); three have an @company.com address.
    /// </summary>
    private async Task SeedAsync(Guid tenantId)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var scope = host.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Use(tenantId);
        var db = scope.ServiceProvider.GetRequiredService<SegmenterDbContext>();
        var contacts = Enumerable.Range(0, 12).Select(i => new Contact
        {
            TenantId = tenantId,
            Email = i % 4 == 0 ? $"staff{i}@company.com" : $"c{i}@builder.test",
            Country = i < 5 ? "Norway" : "Chile",
            Tags = i is 1 or 2 or 7 ? ["VIP"] : [],
        }).ToList();
        db.Contacts.AddRange(contacts);
        db.ContactEvents.AddRange(Buyers.Select(i => new ContactEvent
        {
            TenantId = tenantId,
            ContactId = contacts[i].Id,
            Type = "purchase",
            OccurredAt = DateTimeOffset.UtcNow.AddDays(-3),
        }));
        await db.SaveChangesAsync(ct);
    }

    private async Task<int> ApiPreviewCountAsync(Guid tenantId, string definition)
    {
        var ct = TestContext.Current.CancellationToken;
        IssuedApiKey key;
        await using (var scope = host.Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<TenantContext>().Use(tenantId);
            key = await scope.ServiceProvider.GetRequiredService<ApiKeys>().IssueAsync("Builder test", TenantRole.Marketer, ct);
        }

        using var http = new HttpClient { BaseAddress = host.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key.Secret);
        using var response = await http.PostAsJsonAsync(
            new Uri("/api/v1/segments/preview", UriKind.Relative), new { definition = JsonDocument.Parse(definition).RootElement }, ct);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        return body.GetProperty("count").GetInt32();
    }

    private async Task<string> StoredDefinitionAsync(Guid tenantId, string name)
    {
        await using var scope = host.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Use(tenantId);
        var db = scope.ServiceProvider.GetRequiredService<SegmenterDbContext>();
        var definition = await db.Segments.Where(s => s.Name == name).Select(s => s.Definition).SingleAsync(TestContext.Current.CancellationToken);
        return RuleJson.Serialize(RuleJson.ReadDefinition(definition!.RootElement));
    }

    private async Task<int> SegmentCountAsync(Guid tenantId)
    {
        await using var scope = host.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Use(tenantId);
        return await scope.ServiceProvider.GetRequiredService<SegmenterDbContext>().Segments.CountAsync(TestContext.Current.CancellationToken);
    }
}
