using Microsoft.EntityFrameworkCore;
using Npgsql;
using Segmenter.Core.Contacts;
using Segmenter.Core.Fields;
using Segmenter.Core.Segments;
using Segmenter.IntegrationTests.Infrastructure;

namespace Segmenter.IntegrationTests.Contacts;

public sealed class ContactStorageShould(DatabaseFixture database) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task Refuse_an_email_that_differs_only_in_case_within_a_tenant()
    {
        var tenant = await database.NewTenantAsync();
        await AddContactAsync(tenant.Id, "Ada.Lovelace@Example.test");

        var error = await Assert.ThrowsAsync<DbUpdateException>(() => AddContactAsync(tenant.Id, "ada.lovelace@example.TEST"));

        Assert.Equal(PostgresErrorCodes.UniqueViolation, Assert.IsType<PostgresException>(error.InnerException).SqlState);
    }

    [Fact]
    public async Task Allow_the_same_email_in_two_tenants()
    {
        var a = await database.NewTenantAsync();
        var b = await database.NewTenantAsync();

        var first = await AddContactAsync(a.Id, "shared@example.test");
        var second = await AddContactAsync(b.Id, "SHARED@example.test");

        Assert.NotEqual(first.Id, second.Id);
        Assert.Equal("shared@example.test", second.EmailNormalized);
    }

    [Fact]
    public async Task Give_contacts_time_ordered_uuid_v7_ids()
    {
        var tenant = await database.NewTenantAsync();
        var first = await AddContactAsync(tenant.Id, "first@example.test");
        var second = await AddContactAsync(tenant.Id, "second@example.test");

        Assert.Equal(7, first.Id.Version);
        Assert.True(first.Id.CompareTo(second.Id) < 0);
    }

    [Fact]
    public async Task Keep_attribute_values_typed_in_jsonb()
    {
        var ct = TestContext.Current.CancellationToken;
        var tenant = await database.NewTenantAsync();
        await using (var db = database.CreateContext(tenant.Id))
        {
            db.Contacts.Add(new Contact
            {
                TenantId = tenant.Id,
                Email = "typed@example.test",
                Attributes = AttributeValues.ToDocument(new Dictionary<string, (string, object?)>
                {
                    ["lifetime_value"] = (FieldType.Number, 1234.5m),
                    ["last_purchase_date"] = (FieldType.Date, new DateOnly(2026, 2, 28)),
                    ["newsletter_opt_in"] = (FieldType.Boolean, false),
                    ["plan_type"] = (FieldType.Choice, "Pro"),
                }),
            });
            await db.SaveChangesAsync(ct);
        }

        await using var connection = new NpgsqlConnection(database.OwnerConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            """
            SELECT jsonb_typeof(attributes -> 'lifetime_value'), jsonb_typeof(attributes -> 'newsletter_opt_in'),
                   (attributes ->> 'lifetime_value')::numeric > 1000, (attributes ->> 'last_purchase_date')::date
            FROM contacts WHERE tenant_id = @tenant
            """,
            connection);
        command.Parameters.AddWithValue("tenant", tenant.Id);
        await using var reader = await command.ExecuteReaderAsync(ct);
        Assert.True(await reader.ReadAsync(ct));

        Assert.Equal("number", reader.GetString(0));
        Assert.Equal("boolean", reader.GetString(1));
        Assert.True(reader.GetBoolean(2));
        Assert.Equal(new DateOnly(2026, 2, 28), reader.GetFieldValue<DateOnly>(3));
    }

    [Fact]
    public async Task Take_a_deleted_contact_out_of_its_events_and_segments()
    {
        var ct = TestContext.Current.CancellationToken;
        var tenant = await database.NewTenantAsync();
        var graph = await TenantGraph.SeedAsync(database, tenant.Id);

        await using var db = database.CreateContext(tenant.Id);
        await db.Contacts.Where(c => c.Id == graph.ContactId).ExecuteDeleteAsync(ct);

        Assert.False(await db.ContactEvents.AnyAsync(e => e.ContactId == graph.ContactId, ct));
        Assert.False(await db.SegmentMembers.AnyAsync(m => m.ContactId == graph.ContactId, ct));
        Assert.False(await db.CampaignRecipients.AnyAsync(r => r.ContactId == graph.ContactId, ct));
        // The membership history outlives the contact.
        Assert.True(await db.SegmentMembershipChanges.AnyAsync(c => c.ContactId == graph.ContactId && c.Kind == SegmentMembershipChange.Entered, ct));
    }

    private async Task<Contact> AddContactAsync(Guid tenantId, string email)
    {
        await using var db = database.CreateContext(tenantId);
        var contact = new Contact { TenantId = tenantId, Email = email };
        db.Contacts.Add(contact);
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        return contact;
    }
}
