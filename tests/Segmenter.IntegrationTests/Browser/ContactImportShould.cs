using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Segmenter.Core.Data;
using Segmenter.Core.Fields;
using Segmenter.Core.Segments;
using Segmenter.Core.Tenancy;
using Segmenter.IntegrationTests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Segmenter.IntegrationTests.Browser;

[Collection(HangfireTests.Name)]
public sealed class ContactImportShould(BrowserHost host) : IClassFixture<BrowserHost>
{
    private const string Csv = """
        Email,First Name,Plan,Notes
        ada@import.test,Ada,Pro,Oslo
        grace@import.test,Grace,Free,Bergen
        not-an-email,Bad,Pro,Tromsø
        linus@import.test,Linus,Platinum,Turku
        """;

    [Fact]
    public async Task Import_a_csv_with_a_changed_column_mapping_into_a_list_and_report_the_rejected_rows()
    {
        var ct = TestContext.Current.CancellationToken;
        var tenant = await host.NewTenantAsync("Import shop");
        var list = await SeedAsync(tenant.Id);
        var page = await host.NewPageAsync();
        await page.SignInAsync(await host.NewUserAsync((tenant.Id, TenantRole.Marketer)));
        await page.GetByTestId("nav-contacts").ClickAsync();
        await page.GetByTestId("import-contacts").ClickAsync();

        await page.Locator("input[type=file]").SetInputFilesAsync(new FilePayload
        {
            Name = "contacts.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(Csv),
        });

        var rows = page.GetByTestId("import-mapping-row");
        await Expect(rows).ToHaveCountAsync(4);
        await Expect(page.GetByTestId("import-file-name")).ToHaveTextAsync("contacts.csv · 4 rows");
        await Expect(rows.Nth(0).GetByTestId("import-map-field")).ToHaveValueAsync("Email");
        await Expect(rows.Nth(2).GetByTestId("import-map-field")).ToHaveValueAsync("Plan");
        await Expect(rows.Nth(3).GetByTestId("import-map-field")).ToHaveValueAsync("(ignore this column)");
        await page.ChooseAsync(rows.Nth(3).GetByTestId("import-map-field"), "City");
        await page.ChooseAsync(rows.Nth(1).GetByTestId("import-map-field"), "(ignore this column)");
        await page.ChooseAsync(page.GetByTestId("import-target"), "Imported");
        await page.GetByTestId("import-start").ClickAsync();

        await Expect(page.GetByTestId("import-status")).ToHaveTextAsync("succeeded", new LocatorAssertionsToHaveTextOptions { Timeout = 30_000 });
        await Expect(page.GetByTestId("import-counts")).ToHaveTextAsync("4 of 4 rows read · 2 imported · 2 rejected");
        var rejected = page.GetByTestId("import-rejected-row");
        await Expect(rejected).ToHaveCountAsync(2);
        await Expect(rejected.Nth(0)).ToContainTextAsync("4");
        await Expect(rejected.Nth(0)).ToContainTextAsync("email");
        await Expect(rejected.Nth(1)).ToContainTextAsync("5");
        await Expect(rejected.Nth(1)).ToContainTextAsync("plan_type");
        await page.ScreenshotAsync("contact-import");

        await using var scope = host.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Use(tenant.Id);
        var db = scope.ServiceProvider.GetRequiredService<SegmenterDbContext>();
        var imported = await db.Contacts.OrderBy(c => c.Email).Select(c => new { c.Email, c.City, c.FirstName }).ToListAsync(ct);
        Assert.Equal(
            [new { Email = "ada@import.test", City = (string?)"Oslo", FirstName = (string?)null }, new { Email = "grace@import.test", City = (string?)"Bergen", FirstName = (string?)null }],
            imported);
        Assert.Equal(2, await db.SegmentMembers.CountAsync(m => m.SegmentId == list, ct));
    }

    [Fact]
    public async Task Say_what_is_wrong_with_a_file_without_an_email_column()
    {
        var tenant = await host.NewTenantAsync("Bad file shop");
        var page = await host.NewPageAsync();
        await page.SignInAsync(await host.NewUserAsync((tenant.Id, TenantRole.Marketer)));
        await page.GotoAsync("/contacts/import");
        await page.WaitForInteractiveAsync();

        await page.Locator("input[type=file]").SetInputFilesAsync(new FilePayload
        {
            Name = "names.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes("Name,City\nAda,Oslo\n"),
        });
        await page.GetByTestId("import-start").ClickAsync();

        await Expect(page.GetByTestId("validation-message")).ToHaveTextAsync("file: The file needs a header row with an email column.");
        await Expect(page.GetByTestId("import-report")).ToHaveCountAsync(0);
        await page.ScreenshotAsync("contact-import-no-email-column");
    }

    /// <summary>A choice field plan_type (Free, Pro) labelled "Plan", and an empty static list "Imported".</summary>
    private async Task<Guid> SeedAsync(Guid tenantId)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var scope = host.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Use(tenantId);
        var db = scope.ServiceProvider.GetRequiredService<SegmenterDbContext>();
        db.FieldDefinitions.Add(new FieldDefinition { TenantId = tenantId, Key = "plan_type", Label = "Plan", Type = FieldType.Choice, Options = ["Free", "Pro"] });
        await db.SaveChangesAsync(ct);
        var list = await scope.ServiceProvider.GetRequiredService<CreateSegment>()
            .HandleAsync(new CreateSegmentRequest("Imported", null, SegmentType.Static, ContactIds: []), null, ct);
        return list.Id;
    }
}
