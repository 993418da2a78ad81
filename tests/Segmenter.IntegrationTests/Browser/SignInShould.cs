using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Segmenter.Core.Data;
using Segmenter.Core.Tenancy;
using Segmenter.IntegrationTests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Segmenter.IntegrationTests.Browser;

[Collection(HangfireTests.Name)]
public sealed partial class SignInShould(BrowserHost host) : IClassFixture<BrowserHost>
{
    [Fact]
    public async Task Take_a_marketer_to_the_pages_of_the_role_in_the_tenant()
    {
        var tenant = await host.NewTenantAsync("Nordic Outdoor");
        var email = await host.NewUserAsync((tenant.Id, TenantRole.Marketer));
        var page = await host.NewPageAsync();

        await page.SignInAsync(email);

        await Expect(page).ToHaveURLAsync(SegmentsUrl());
        await Expect(page.GetByTestId("current-tenant")).ToContainTextAsync("Nordic Outdoor");
        await Expect(page.GetByTestId("nav-segments")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("nav-contacts")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("nav-settings")).ToHaveCountAsync(0);
        await page.ScreenshotAsync("sign-in-marketer");

        await page.GotoAsync("/hangfire");
        await Expect(page.GetByText("No access")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Keep_a_sender_out_of_contacts_and_settings()
    {
        var tenant = await host.NewTenantAsync("Sender's shop");
        var email = await host.NewUserAsync((tenant.Id, TenantRole.Sender));
        var page = await host.NewPageAsync();

        await page.SignInAsync(email);

        await Expect(page.GetByTestId("nav-campaigns")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("nav-contacts")).ToHaveCountAsync(0);
        await page.GotoAsync("/settings");
        await Expect(page.GetByText("No access")).ToBeVisibleAsync();
        await page.GotoAsync("/contacts");
        await Expect(page.GetByText("No access")).ToBeVisibleAsync();
        await page.ScreenshotAsync("sign-in-sender-refused");
    }

    [Fact]
    public async Task Open_the_jobs_dashboard_to_the_operator_only_and_not_to_other_admins()
    {
        var tenant = await host.NewTenantAsync("Admin's shop");
        var page = await host.NewPageAsync();
        await page.SignInAsync(await host.NewUserAsync((tenant.Id, TenantRole.Admin)));
        await Expect(page.GetByTestId("nav-settings")).ToBeVisibleAsync();
        await page.GotoAsync("/hangfire");
        await Expect(page.GetByText("No access")).ToBeVisibleAsync();

        var operatorPage = await host.NewPageAsync();
        await operatorPage.SignInAsync(await host.NewUserAsync(BrowserHost.Operator, (tenant.Id, TenantRole.Admin)));
        var dashboard = await operatorPage.GotoAsync("/hangfire");

        Assert.Equal(200, dashboard!.Status);
        await Expect(operatorPage.Locator("body")).ToContainTextAsync("Recurring Jobs");
        await operatorPage.ScreenshotAsync("jobs-dashboard-operator");
    }

    [Fact]
    public async Task Say_what_went_wrong_and_lock_the_account_after_five_failures()
    {
        var tenant = await host.NewTenantAsync("Locked shop");
        var email = await host.NewUserAsync((tenant.Id, TenantRole.Marketer));
        var page = await host.NewPageAsync();

        await page.GotoAsync("/account/login");
        await page.GetByTestId("login-submit").ClickAsync();
        await Expect(page.GetByText("Enter your email.")).ToBeVisibleAsync();

        for (var attempt = 1; attempt <= 5; attempt++)
        {
            await SubmitAsync(page, email, "not the password");
            await Expect(page.GetByTestId("login-error")).ToContainTextAsync(attempt < 5 ? "not right" : "locked");
        }

        await SubmitAsync(page, email, BrowserHost.Password);
        await Expect(page.GetByTestId("login-error")).ToContainTextAsync("locked");
        await page.ScreenshotAsync("sign-in-locked");
        await page.GotoAsync("/segments");
        await Expect(page).ToHaveURLAsync(LoginUrl());
    }

    [Fact]
    public async Task Return_to_the_page_asked_for_and_sign_out()
    {
        var tenant = await host.NewTenantAsync("Return shop");
        var email = await host.NewUserAsync((tenant.Id, TenantRole.Sender));
        var page = await host.NewPageAsync();

        await page.GotoAsync("/campaigns");
        await Expect(page).ToHaveURLAsync(LoginUrl());
        await SubmitAsync(page, email, BrowserHost.Password);
        await page.WaitForInteractiveAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/campaigns$"));

        await page.GetByTestId("current-tenant").ClickAsync();
        await page.GetByTestId("sign-out").ClickAsync();
        await Expect(page).ToHaveURLAsync(LoginUrl());
        await page.GotoAsync("/campaigns");
        await Expect(page).ToHaveURLAsync(LoginUrl());
        await page.ScreenshotAsync("signed-out");
    }

    [Fact]
    public async Task Switch_to_another_tenant_of_the_user_with_the_role_there()
    {
        var first = await host.NewTenantAsync("Alpha stores");
        var second = await host.NewTenantAsync("Beta stores");
        var email = await host.NewUserAsync((first.Id, TenantRole.Admin), (second.Id, TenantRole.Sender));
        var page = await host.NewPageAsync();

        await page.SignInAsync(email);
        await Expect(page.GetByTestId("current-tenant")).ToContainTextAsync("Alpha stores");
        await Expect(page.GetByTestId("nav-settings")).ToBeVisibleAsync();

        await page.GetByTestId("current-tenant").ClickAsync();
        await page.GetByTestId("switch-tenant").ClickAsync();
        await page.WaitForInteractiveAsync();

        await Expect(page.GetByTestId("current-tenant")).ToContainTextAsync("Beta stores");
        await Expect(page.GetByTestId("nav-settings")).ToHaveCountAsync(0);
        await page.ScreenshotAsync("sign-in-switched-tenant");
    }

    [Fact]
    public async Task Close_the_app_to_a_user_removed_from_the_tenant_on_the_next_page()
    {
        var tenant = await host.NewTenantAsync("Leaving shop");
        var email = await host.NewUserAsync((tenant.Id, TenantRole.Marketer));
        var page = await host.NewPageAsync();
        await page.SignInAsync(email);
        await Expect(page.GetByTestId("nav-contacts")).ToBeVisibleAsync();

        await using (var scope = host.Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<TenantContext>().Use(tenant.Id);
            await scope.ServiceProvider.GetRequiredService<SegmenterDbContext>().TenantUsers
                .Where(u => u.TenantId == tenant.Id).ExecuteDeleteAsync(TestContext.Current.CancellationToken);
        }

        await page.GotoAsync("/segments");
        await Expect(page.GetByText("No access")).ToBeVisibleAsync();
        await page.ScreenshotAsync("removed-user-signed-out");
    }

    private static async Task SubmitAsync(IPage page, string email, string password)
    {
        await page.GetByTestId("login-email").FillAsync(email);
        await page.GetByTestId("login-password").FillAsync(password);
        await page.GetByTestId("login-submit").ClickAsync();
    }

    [GeneratedRegex("/segments$")]
    private static partial Regex SegmentsUrl();

    [GeneratedRegex("/account/login")]
    private static partial Regex LoginUrl();
}
