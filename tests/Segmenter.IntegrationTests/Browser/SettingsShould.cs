using System.Net;
using System.Net.Http.Headers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Segmenter.Core.Data;
using Segmenter.Core.Tenancy;
using Segmenter.IntegrationTests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Segmenter.IntegrationTests.Browser;

[Collection(HangfireTests.Name)]
public sealed class SettingsShould(BrowserHost host) : IClassFixture<BrowserHost>
{
    [Fact]
    public async Task Add_a_custom_field_after_showing_the_problem_beside_a_bad_key()
    {
        var page = await SignedInAdminAsync("Fields shop");

        await page.GetByTestId("field-key").FillAsync("Bad Key");
        await page.GetByTestId("field-label").FillAsync("Lifetime value");
        await page.GetByTestId("field-add").ClickAsync();
        await Expect(page.GetByText("A key is a lower-case letter")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("field-row")).ToHaveCountAsync(0);

        await page.GetByTestId("field-key").FillAsync("lifetime_value");
        await page.ChooseAsync(page.GetByTestId("field-type"), "number");
        await page.GetByTestId("field-add").ClickAsync();

        var row = page.GetByTestId("field-row");
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row).ToContainTextAsync("lifetime_value");
        await Expect(row).ToContainTextAsync("number");
        await Expect(page.GetByText("A key is a lower-case letter")).ToHaveCountAsync(0);
        await page.ScreenshotAsync("settings-fields");
    }

    [Fact]
    public async Task Show_a_new_api_key_once_and_refuse_it_once_revoked()
    {
        var page = await SignedInAdminAsync("Keys shop");
        await page.GetByRole(AriaRole.Tab, new PageGetByRoleOptions { Name = "API keys" }).ClickAsync();

        await page.GetByTestId("key-name").FillAsync("Shop sync");
        await page.GetByTestId("key-create").ClickAsync();
        var secret = (await page.GetByTestId("issued-key").TextContentAsync())!.Trim();
        Assert.StartsWith("sgk_", secret, StringComparison.Ordinal);
        await Expect(page.GetByTestId("key-row")).ToContainTextAsync("Shop sync");
        await page.ScreenshotAsync("settings-api-key-issued");
        Assert.Equal(HttpStatusCode.OK, await FieldsStatusAsync(secret));

        await page.GetByTestId("key-revoke").ClickAsync();
        await page.GetByTestId("confirm-revoke").ClickAsync();
        await Expect(page.GetByTestId("key-row")).ToContainTextAsync("Revoked");
        Assert.Equal(HttpStatusCode.Unauthorized, await FieldsStatusAsync(secret));
    }

    [Fact]
    public async Task Add_a_user_who_signs_in_with_the_role_and_keep_the_last_admin()
    {
        var page = await SignedInAdminAsync("Team shop");
        await page.GetByRole(AriaRole.Tab, new PageGetByRoleOptions { Name = "Users" }).ClickAsync();

        var newcomer = $"{Guid.NewGuid():N}@team.test";
        await page.GetByTestId("user-new-email").FillAsync(newcomer);
        await page.GetByTestId("user-new-password").FillAsync("short");
        await page.GetByTestId("user-add").ClickAsync();
        await Expect(page.GetByText("Passwords must be at least 10 characters")).ToBeVisibleAsync();
        await page.GetByTestId("user-new-password").FillAsync("Newcomer!pass1");
        await page.GetByTestId("user-add").ClickAsync();
        await Expect(page.GetByTestId("user-row")).ToHaveCountAsync(2);
        await Expect(page.GetByTestId("users-table")).ToContainTextAsync(newcomer);

        // The only admin cannot make themselves a marketer.
        var me = page.GetByTestId("user-row").Filter(new LocatorFilterOptions { HasNot = page.GetByTestId("user-remove") });
        await me.GetByTestId("user-role").ClickAsync();
        await page.PickAsync("marketer");
        await Expect(page.GetByText("A workspace keeps at least one admin")).ToBeVisibleAsync();
        await Expect(me.GetByTestId("user-role")).ToHaveTextAsync("admin");
        await page.ScreenshotAsync("settings-users");

        var theirs = await host.NewPageAsync();
        await theirs.SignInAsync(newcomer, "Newcomer!pass1");
        await Expect(theirs.GetByTestId("nav-contacts")).ToBeVisibleAsync();
        await Expect(theirs.GetByTestId("nav-settings")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Set_the_time_zone_of_the_workspace()
    {
        var page = await SignedInAdminAsync("Zone shop");
        await page.GetByRole(AriaRole.Tab, new PageGetByRoleOptions { Name = "Workspace" }).ClickAsync();

        await page.GetByTestId("workspace-time-zone").FillAsync("Europe/Os");
        await page.PickAsync("Europe/Oslo");
        await page.GetByTestId("workspace-save").ClickAsync();
        await Expect(page.GetByText("The workspace's time zone is Europe/Oslo.")).ToBeVisibleAsync();

        await using var owner = PostgresServer.CreateContext(host.OwnerConnectionString, new TenantContext());
        var zone = await owner.Tenants.IgnoreQueryFilters([SegmenterDbContext.TenantFilter]).Where(t => t.Name == "Zone shop").Select(t => t.TimeZone)
            .SingleAsync(TestContext.Current.CancellationToken);
        Assert.Equal("Europe/Oslo", zone);
        await page.ScreenshotAsync("settings-time-zone");
    }

    private async Task<IPage> SignedInAdminAsync(string tenantName)
    {
        var tenant = await host.NewTenantAsync(tenantName);
        var page = await host.NewPageAsync();
        await page.SignInAsync(await host.NewUserAsync((tenant.Id, TenantRole.Admin)));
        await page.GetByTestId("nav-settings").ClickAsync();
        await Expect(page.GetByTestId("fields-table")).ToBeVisibleAsync();
        return page;
    }


    private async Task<HttpStatusCode> FieldsStatusAsync(string key)
    {
        using var http = new HttpClient { BaseAddress = host.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await http.GetAsync(new Uri("/api/v1/fields", UriKind.Relative), TestContext.Current.CancellationToken);
        return response.StatusCode;
    }
}
