using Microsoft.EntityFrameworkCore;
using Npgsql;
using Segmenter.Core.Contacts;
using Segmenter.Core.Data;
using Segmenter.IntegrationTests.Infrastructure;

namespace Segmenter.IntegrationTests.Contacts;

/// <summary>
/// <c>contact_event_totals</c> against the events it rolls up: whatever writes the events, each contact's
/// count, first, last and latest eight instants per type are those of its events, in the same statement.
/// </summary>
public sealed class EventTotalsShould(DatabaseFixture database) : IClassFixture<DatabaseFixture>
{
    private static readonly DateTimeOffset Start = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Agree_with_the_events_after_inserts_in_several_statements_and_deletes()
    {
        var ct = TestContext.Current.CancellationToken;
        var tenant = await database.NewTenantAsync();
        await using var db = database.CreateContext(tenant.Id);
        var contacts = Enumerable.Range(0, 4).Select(i => new Contact { TenantId = tenant.Id, Email = $"totals{i}@example.test" }).ToList();
        db.Contacts.AddRange(contacts);
        await db.SaveChangesAsync(ct);

        var random = new Random(8);
        for (var batch = 0; batch < 3; batch++)
        {
            // Each batch adds to pairs the earlier ones made, before and after their first and last instants.
            db.ContactEvents.AddRange(Enumerable.Range(0, 40).Select(_ => new ContactEvent
            {
                TenantId = tenant.Id,
                ContactId = contacts[random.Next(3)].Id,
                Type = random.Next(2) == 0 ? "email_opened" : "purchase",
                OccurredAt = Start.AddHours(random.Next(-500, 500)),
            }));
            await db.SaveChangesAsync(ct);
        }

        // All after the latest kept: the merge's shortcut, a concatenation.
        db.ContactEvents.AddRange(Enumerable.Range(1, 3).Select(hours => new ContactEvent
        {
            TenantId = tenant.Id, ContactId = contacts[2].Id, Type = "email_opened", OccurredAt = Start.AddHours(500 + hours),
        }));
        await db.SaveChangesAsync(ct);

        Assert.Equal(await FromEventsAsync(db, ct), await TotalsAsync(db, ct));
        Assert.Equal(6, (await TotalsAsync(db, ct)).Count);

        // Deleting the earliest opens of one contact moves its first instant; deleting all its purchases removes that total.
        var opener = contacts[0].Id;
        await db.Database.ExecuteSqlAsync(
            $"DELETE FROM contact_events WHERE contact_id = {opener} AND type = 'email_opened' AND occurred_at < {Start}", ct);
        await db.Database.ExecuteSqlAsync($"DELETE FROM contact_events WHERE contact_id = {opener} AND type = 'purchase'", ct);
        Assert.Equal(await FromEventsAsync(db, ct), await TotalsAsync(db, ct));
        Assert.DoesNotContain(await TotalsAsync(db, ct), t => t.ContactId == opener && t.Type == "purchase");

        await db.Contacts.Where(c => c.Id == contacts[1].Id).ExecuteDeleteAsync(ct);
        Assert.Equal(await FromEventsAsync(db, ct), await TotalsAsync(db, ct));
        Assert.DoesNotContain(await TotalsAsync(db, ct), t => t.ContactId == contacts[1].Id);
    }

    [Fact]
    public async Task Refuse_to_move_an_event_to_another_type_or_instant()
    {
        var ct = TestContext.Current.CancellationToken;
        var tenant = await database.NewTenantAsync();
        await using var db = database.CreateContext(tenant.Id);
        var contact = new Contact { TenantId = tenant.Id, Email = "fixed@example.test" };
        db.Contacts.Add(contact);
        db.ContactEvents.Add(new ContactEvent { TenantId = tenant.Id, ContactId = contact.Id, Type = "purchase", OccurredAt = Start });
        await db.SaveChangesAsync(ct);

        var moved = await Assert.ThrowsAsync<PostgresException>(() =>
            db.Database.ExecuteSqlAsync($"UPDATE contact_events SET type = 'email_opened' WHERE contact_id = {contact.Id}", ct));
        Assert.Equal(PostgresErrorCodes.IntegrityConstraintViolation, moved.SqlState);
        await Assert.ThrowsAsync<PostgresException>(() =>
            db.Database.ExecuteSqlAsync($"UPDATE contact_events SET occurred_at = occurred_at + interval '1 day' WHERE contact_id = {contact.Id}", ct));

        var properties = await db.Database.ExecuteSqlAsync(
            $"UPDATE contact_events SET properties = '{{\"amount\": 5}}'::jsonb WHERE contact_id = {contact.Id}", ct);
        Assert.Equal(1, properties);
        Assert.Equal(await FromEventsAsync(db, ct), await TotalsAsync(db, ct));
    }

    private static async Task<List<Total>> TotalsAsync(SegmenterDbContext db, CancellationToken ct) =>
        (await db.ContactEventTotals.AsNoTracking().ToListAsync(ct))
        .Select(t => new Total(t.ContactId, t.Type, t.Count, t.FirstAt, t.LastAt, Instants(t.Latest))).Order().ToList();

    private static async Task<List<Total>> FromEventsAsync(SegmenterDbContext db, CancellationToken ct) =>
        (await db.ContactEvents.AsNoTracking().Select(e => new { e.ContactId, e.Type, e.OccurredAt }).ToListAsync(ct))
        .GroupBy(e => (e.ContactId, e.Type))
        .Select(g => new Total(
            g.Key.ContactId, g.Key.Type, g.LongCount(), g.Min(e => e.OccurredAt), g.Max(e => e.OccurredAt),
            Instants(g.Select(e => e.OccurredAt).OrderDescending().Take(ContactEventTotal.LatestKept))))
        .Order().ToList();

    private static string Instants(IEnumerable<DateTimeOffset> instants) =>
        string.Join(", ", instants.Select(i => i.ToUniversalTime().ToString("O", System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>A total as compared: <see cref="Latest"/> is the latest instants, newest first, as text.</summary>
    private sealed record Total(Guid ContactId, string Type, long Count, DateTimeOffset FirstAt, DateTimeOffset LastAt, string Latest) : IComparable<Total>
    {
        public int CompareTo(Total? other) =>
            other is null ? 1 : ContactId.CompareTo(other.ContactId) is var byContact and not 0 ? byContact : string.CompareOrdinal(Type, other.Type);
    }
}
