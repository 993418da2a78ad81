using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Segmenter.Core.Contacts;
using Segmenter.Core.Data;
using Segmenter.Core.Fields;
using Segmenter.Core.Rules;
using Segmenter.Core.Segments;
using Segmenter.Core.Tenancy;
using Segmenter.IntegrationTests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Segmenter.IntegrationTests.Browser;

[Collection(HangfireTests.Name)]
public sealed class ContactsShould(BrowserHost host) : IClassFixture<BrowserHost>
{
    [Fact]
    public async Task Find_a_contact_and_show_its_fields_attributes_segments_and_events()
    {
        var tenant = await host.NewTenantAsync("Contacts shop");
        var ct = TestContext.Current.CancellationToken;
        await using (var scope = host.Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<TenantContext>().Use(tenant.Id);
            var db = scope.ServiceProvider.GetRequiredService<SegmenterDbContext>();
            var ola = new Contact
            {
                TenantId = tenant.Id, Email = "ola.nordmann@contacts.test", FirstName = "Ola", LastName = "Nordmann", Country = "Norway",
                Attributes = JsonDocument.Parse("""{"plan":"Pro","lifetime_value":1250.5}"""),
            };
            db.FieldDefinitions.Add(new FieldDefinition { TenantId = tenant.Id, Key = "plan", Label = "Plan", Type = FieldType.Choice, Options = ["Free", "Pro"] });
            db.Contacts.AddRange(ola, new Contact { TenantId = tenant.Id, Email = "kari@contacts.test", FirstName = "Kari", Country = "Norway" });
            db.ContactEvents.Add(new ContactEvent
            {
                TenantId = tenant.Id, ContactId = ola.Id, Type = "purchase", OccurredAt = DateTimeOffset.UtcNow.AddDays(-2),
                Properties = JsonDocument.Parse("""{"amount":99}"""),
            });
            await db.SaveChangesAsync(ct);
            await scope.ServiceProvider.GetRequiredService<CreateSegment>().HandleAsync(new CreateSegmentRequest("Pro plan", null, SegmentType.Dynamic,
                RuleJson.ParseDefinition("""{"logic":"and","rules":[{"field":"plan","operator":"equals","value":"Pro"}]}""")), null, ct);
        }

        var page = await host.NewPageAsync();
        await page.SignInAsync(await host.NewUserAsync((tenant.Id, TenantRole.Marketer)));
        await page.GetByTestId("nav-contacts").ClickAsync();
        await Expect(page.GetByTestId("contact-row")).ToHaveCountAsync(2);

        await page.GetByTestId("contacts-search").FillAsync("NORDMANN");
        await Expect(page.GetByTestId("contact-row")).ToHaveCountAsync(1);
        await page.GetByTestId("contact-row-email").ClickAsync();

        await Expect(page.Locator("h1")).ToHaveTextAsync("ola.nordmann@contacts.test");
        await Expect(page.GetByTestId("contact-fields")).ToContainTextAsync("Norway");
        await Expect(page.GetByTestId("contact-attributes")).ToContainTextAsync("1250.5");
        await Expect(page.GetByTestId("contact-segments")).ToContainTextAsync("Pro plan");
        await Expect(page.GetByTestId("contact-events")).ToContainTextAsync("purchase");
        await Expect(page.GetByTestId("contact-events")).ToContainTextAsync("amount: 99");
        await page.ScreenshotAsync("contact-detail");

        var stranger = await host.NewTenantAsync("Stranger shop");
        Guid strangersContact;
        await using (var scope = host.Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<TenantContext>().Use(stranger.Id);
            var db = scope.ServiceProvider.GetRequiredService<SegmenterDbContext>();
            var contact = new Contact { TenantId = stranger.Id, Email = "secret@stranger.test" };
            db.Contacts.Add(contact);
            await db.SaveChangesAsync(ct);
            strangersContact = contact.Id;
        }

        await page.GotoAsync($"/contacts/{strangersContact}");
        await page.WaitForInteractiveAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("Contact not found");
    }
}
