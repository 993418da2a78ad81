using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Segmenter.Core.Contacts;
using Segmenter.Core.Data;
using Segmenter.Core.Identity;
using Segmenter.Core.Tenancy;

namespace Segmenter.Core.Demo;

public sealed record DemoSummary(Guid TenantId, int Contacts, int Events);

/// <summary>
/// Creates the demo tenant, its users (one per role), custom fields, contacts and events, in one transaction.
/// All on the catalogue's context: the users must be, and the demo tenant always lives at home.
/// </summary>
public sealed partial class DemoSeeder(
    [FromKeyedServices(DatabaseRoute.Catalogue)] SegmenterDbContext db,
    TenantContext tenant,
    UserManager<SegmenterUser> users,
    TimeProvider clock,
    IOptions<DemoOptions> options,
    ILogger<DemoSeeder> logger)
{
    private const string ContactColumns =
        "tenant_id, id, email, first_name, last_name, phone, status, country, city, time_zone, birthday, subscribed_at, created_at, updated_at, tags, attributes";

    private const string EventColumns = "tenant_id, id, contact_id, type, occurred_at, properties";

    /// <summary>Seeds only a database with no tenant at all, so a restart never duplicates or overwrites data.</summary>
    public async Task<DemoSummary?> SeedIfEmptyAsync(CancellationToken cancellationToken)
    {
        await using (await db.ReadAcrossTenantsAsync(cancellationToken))
        {
            if (await db.Tenants.IgnoreQueryFilters([SegmenterDbContext.TenantFilter]).AnyAsync(cancellationToken))
            {
                return null;
            }
        }

        return await SeedAsync(cancellationToken);
    }

    public async Task<DemoSummary> SeedAsync(CancellationToken cancellationToken)
    {
        var demo = options.Value;
        var started = clock.GetTimestamp();
        var newTenant = new Tenant { Name = demo.Name, Slug = demo.Slug, TimeZone = demo.TimeZone };
        tenant.Use(newTenant.Id);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.Tenants.Add(newTenant);
        await db.SaveChangesAsync(cancellationToken);

        db.FieldDefinitions.AddRange(DemoDataGenerator.FieldDefinitions(newTenant.Id));
        foreach (var (email, role) in DemoOptions.Users)
        {
            var user = new SegmenterUser { UserName = email, Email = email, EmailConfirmed = true };
            var created = await users.CreateAsync(user, demo.Password);
            if (!created.Succeeded)
            {
                throw new InvalidOperationException($"Demo user {email}: {string.Join(" ", created.Errors.Select(e => e.Description))}");
            }

            db.TenantUsers.Add(new TenantUser { TenantId = newTenant.Id, UserId = user.Id, Role = role });
        }

        await db.SaveChangesAsync(cancellationToken);

        var generated = new DemoDataGenerator(demo.Seed, clock.GetUtcNow()).Generate(newTenant.Id, demo.Contacts).ToList();
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        // No command timeout: a seed of a million events takes as long as it takes.
        await StagedCopy.CopyAsync(
            connection, "contacts", ContactColumns, (copy, ct) => WriteContactsAsync(copy, generated.Select(g => g.Contact), ct), cancellationToken, commandTimeoutSeconds: 0);
        var events = await StagedCopy.CopyAsync(
            connection, "contact_events", EventColumns, (copy, ct) => WriteEventsAsync(copy, generated.SelectMany(g => g.Events), ct), cancellationToken, commandTimeoutSeconds: 0);
        await transaction.CommitAsync(cancellationToken);

        var seconds = clock.GetElapsedTime(started).TotalSeconds;
        LogSeeded(logger, demo.Slug, generated.Count, events, seconds);
        return new DemoSummary(newTenant.Id, generated.Count, events);
    }

    private static async Task WriteContactsAsync(NpgsqlBinaryImporter copy, IEnumerable<Contact> contacts, CancellationToken cancellationToken)
    {
        foreach (var c in contacts)
        {
            await copy.StartRowAsync(cancellationToken);
            await copy.WriteAsync(c.TenantId, NpgsqlDbType.Uuid, cancellationToken);
            await copy.WriteAsync(c.Id, NpgsqlDbType.Uuid, cancellationToken);
            await copy.WriteAsync(c.Email, NpgsqlDbType.Text, cancellationToken);
            await WriteNullableAsync(copy, c.FirstName, NpgsqlDbType.Text, cancellationToken);
            await WriteNullableAsync(copy, c.LastName, NpgsqlDbType.Text, cancellationToken);
            await WriteNullableAsync(copy, c.Phone, NpgsqlDbType.Text, cancellationToken);
            await copy.WriteAsync(c.Status, NpgsqlDbType.Text, cancellationToken);
            await WriteNullableAsync(copy, c.Country, NpgsqlDbType.Text, cancellationToken);
            await WriteNullableAsync(copy, c.City, NpgsqlDbType.Text, cancellationToken);
            await WriteNullableAsync(copy, c.TimeZone, NpgsqlDbType.Text, cancellationToken);
            await WriteNullableAsync(copy, c.Birthday, NpgsqlDbType.Date, cancellationToken);
            await WriteNullableAsync(copy, c.SubscribedAt, NpgsqlDbType.TimestampTz, cancellationToken);
            await copy.WriteAsync(c.CreatedAt, NpgsqlDbType.TimestampTz, cancellationToken);
            await copy.WriteAsync(c.UpdatedAt, NpgsqlDbType.TimestampTz, cancellationToken);
            await copy.WriteAsync(c.Tags.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text, cancellationToken);
            await copy.WriteAsync(c.Attributes.RootElement.GetRawText(), NpgsqlDbType.Jsonb, cancellationToken);
        }
    }

    private static async Task WriteEventsAsync(NpgsqlBinaryImporter copy, IEnumerable<ContactEvent> events, CancellationToken cancellationToken)
    {
        foreach (var e in events)
        {
            await copy.StartRowAsync(cancellationToken);
            await copy.WriteAsync(e.TenantId, NpgsqlDbType.Uuid, cancellationToken);
            await copy.WriteAsync(e.Id, NpgsqlDbType.Uuid, cancellationToken);
            await copy.WriteAsync(e.ContactId, NpgsqlDbType.Uuid, cancellationToken);
            await copy.WriteAsync(e.Type, NpgsqlDbType.Text, cancellationToken);
            await copy.WriteAsync(e.OccurredAt, NpgsqlDbType.TimestampTz, cancellationToken);
            await copy.WriteAsync(e.Properties.RootElement.GetRawText(), NpgsqlDbType.Jsonb, cancellationToken);
        }
    }

    private static Task WriteNullableAsync<T>(NpgsqlBinaryImporter copy, T? value, NpgsqlDbType type, CancellationToken cancellationToken) =>
        value is null ? copy.WriteNullAsync(cancellationToken) : copy.WriteAsync(value, type, cancellationToken);

    [LoggerMessage(Level = LogLevel.Information, Message = "Seeded the '{Slug}' demo tenant: {Contacts} contacts, {Events} events in {Seconds:F1} s")]
    private static partial void LogSeeded(ILogger logger, string slug, int contacts, int events, double seconds);
}
