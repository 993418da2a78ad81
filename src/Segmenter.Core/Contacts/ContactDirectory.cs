using Microsoft.EntityFrameworkCore;
using Segmenter.Core.Data;
using Segmenter.Core.Membership;

namespace Segmenter.Core.Contacts;

/// <summary>One page of the contacts table.</summary>
public sealed record ContactTablePage(IReadOnlyList<Contact> Rows, int Total);

/// <summary>A contact with its latest events and the segments it is in.</summary>
public sealed record ContactDetail(Contact Contact, IReadOnlyList<ContactEvent> RecentEvents, int EventCount, IReadOnlyList<ContactMembership> Segments);

/// <summary>The UI's view of the current tenant's contacts: a searchable table, and one contact in full.</summary>
public sealed class ContactDirectory(SegmenterDbContext db, MembershipStats stats)
{
    public const int MaxPageSize = 100;
    public const int RecentEvents = 50;

    /// <summary>Contacts whose email or name contains <paramref name="search"/> (any case), newest first.</summary>
    public async Task<ContactTablePage> SearchAsync(string? search, int page, int pageSize, CancellationToken cancellationToken)
    {
        var contacts = db.Contacts.AsNoTracking().Matching(search);
        var size = Math.Clamp(pageSize, 1, MaxPageSize);
        var total = await contacts.CountAsync(cancellationToken);
        var rows = await Newest(contacts).PageAt(page, size).ToListAsync(cancellationToken);
        return new ContactTablePage(rows, total);
    }

    /// <summary>The first <paramref name="limit"/> of <see cref="SearchAsync"/>'s contacts without counting the rest, for pickers.</summary>
    public async Task<IReadOnlyList<Contact>> FindAsync(string? search, int limit, CancellationToken cancellationToken) =>
        await Newest(db.Contacts.AsNoTracking().Matching(search)).Take(Math.Clamp(limit, 1, MaxPageSize)).ToListAsync(cancellationToken);

    private static IOrderedQueryable<Contact> Newest(IQueryable<Contact> contacts) =>
        contacts.OrderByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id);

    /// <exception cref="NotFoundException">No such contact in the current tenant.</exception>
    public async Task<ContactDetail> DetailAsync(Guid contactId, CancellationToken cancellationToken)
    {
        var contact = await db.Contacts.AsNoTracking().SingleOrDefaultAsync(c => c.Id == contactId, cancellationToken)
            ?? throw new NotFoundException($"There is no contact {contactId}.");
        var events = db.ContactEvents.AsNoTracking().Where(e => e.ContactId == contactId);
        var recent = await events.OrderByDescending(e => e.OccurredAt).ThenByDescending(e => e.Id).Take(RecentEvents).ToListAsync(cancellationToken);
        var count = await events.CountAsync(cancellationToken);
        return new ContactDetail(contact, recent, count, await stats.SegmentsOfContactAsync(contactId, cancellationToken));
    }
}
