using Microsoft.EntityFrameworkCore;
using Segmenter.Core.Contacts;
using Segmenter.Core.Data;
using Segmenter.Core.Rules;

namespace Segmenter.Core.Segments;

/// <summary>A member with the moment it entered the segment.</summary>
public sealed record MemberRow(Contact Contact, DateTimeOffset EnteredAt);

/// <summary>One page of a segment's members table; <c>Total</c> counts what the search matches.</summary>
public sealed record MemberTablePage(IReadOnlyList<MemberRow> Rows, int Total);

/// <summary>An entry or exit with the contact's email (null once the contact is deleted: the log outlives it).</summary>
public sealed record ChangeRow(Guid ContactId, string? Email, string Kind, DateTimeOffset At);

/// <summary>A contact's explanation against a segment's rules, and whether it is a member now.</summary>
public sealed record MemberExplanation(ExplainedNode Tree, bool IsMember);

/// <summary>Who is in a live segment of the current tenant, for the API, the CSV export and the segment page.</summary>
public sealed class SegmentMembers(SegmenterDbContext db, RuleQueries rules)
{
    public const int MaxPageSize = 100;

    /// <summary>Members in id order after <paramref name="after"/>, for keyset paging and streaming exports.</summary>
    /// <remarks>Walks the segment's key range of <c>segment_members</c>, then reads those contacts by id.</remarks>
    /// <exception cref="NotFoundException">No such live segment in the tenant.</exception>
    public async Task<ContactPage> PageAsync(Guid segmentId, Guid? after, int limit, CancellationToken cancellationToken)
    {
        await db.Segments.AsNoTracking().LiveAsync(segmentId, cancellationToken);
        var members = db.SegmentMembers.AsNoTracking().Where(m => m.SegmentId == segmentId);
        if (after is { } cursor)
        {
            members = members.Where(m => m.ContactId.CompareTo(cursor) > 0);
        }

        var ids = await members.OrderBy(m => m.ContactId).Select(m => m.ContactId).Take(Math.Max(limit, 1) + 1).ToListAsync(cancellationToken);
        var more = ids.Count > limit;
        var pageIds = more ? ids[..limit] : ids;
        var items = await db.Contacts.AsNoTracking().Where(c => pageIds.Contains(c.Id)).OrderBy(c => c.Id).ToListAsync(cancellationToken);
        return new ContactPage(items, more ? pageIds[^1] : null);
    }

    /// <summary>
    /// Page <paramref name="page"/> (from 0) of the members table: newest entries first, searched by email or name.
    /// Without a search the page is cut from <c>segment_members</c> alone and the total is the kept member count.
    /// </summary>
    public async Task<MemberTablePage> TableAsync(Guid segmentId, string? search, int page, int pageSize, CancellationToken cancellationToken)
    {
        var segment = await db.Segments.AsNoTracking().LiveAsync(segmentId, cancellationToken);
        var size = Math.Clamp(pageSize, 1, MaxPageSize);
        var members = db.SegmentMembers.AsNoTracking().Where(m => m.SegmentId == segmentId);
        if (string.IsNullOrWhiteSpace(search))
        {
            var entries = await members.OrderByDescending(m => m.EnteredAt).ThenBy(m => m.ContactId).PageAt(page, size)
                .Select(m => new { m.ContactId, m.EnteredAt }).ToListAsync(cancellationToken);
            var ids = entries.Select(e => e.ContactId).ToList();
            var contacts = await db.Contacts.AsNoTracking().Where(c => ids.Contains(c.Id)).ToDictionaryAsync(c => c.Id, cancellationToken);
            return new MemberTablePage(
                [.. entries.Where(e => contacts.ContainsKey(e.ContactId)).Select(e => new MemberRow(contacts[e.ContactId], e.EnteredAt))],
                segment.MemberCount);
        }

        var rows = members.Join(db.Contacts.AsNoTracking().Matching(search), m => m.ContactId, c => c.Id, (m, c) => new { m.EnteredAt, Contact = c });
        var total = await rows.CountAsync(cancellationToken);
        var items = await rows.OrderByDescending(r => r.EnteredAt).ThenBy(r => r.Contact.Id).PageAt(page, size).ToListAsync(cancellationToken);
        return new MemberTablePage([.. items.Select(r => new MemberRow(r.Contact, r.EnteredAt))], total);
    }

    /// <summary>The latest entries and exits, newest first.</summary>
    public async Task<IReadOnlyList<ChangeRow>> ChangesAsync(Guid segmentId, int limit, CancellationToken cancellationToken)
    {
        await db.Segments.AsNoTracking().LiveAsync(segmentId, cancellationToken);
        return await db.SegmentMembershipChanges.AsNoTracking()
            .Where(c => c.SegmentId == segmentId)
            .OrderByDescending(c => c.At).ThenByDescending(c => c.Id)
            .Take(Math.Clamp(limit, 1, MaxPageSize))
            .Select(c => new ChangeRow(c.ContactId, db.Contacts.Where(k => k.Id == c.ContactId).Select(k => k.Email).FirstOrDefault(), c.Kind, c.At))
            .ToListAsync(cancellationToken);
    }

    /// <summary>Why a contact is in or out: each rule of the segment with whether the contact passes it now.</summary>
    /// <exception cref="ConflictException">The segment was made by hand and has no rules.</exception>
    /// <exception cref="NotFoundException">No such segment or contact in the tenant.</exception>
    public async Task<MemberExplanation> ExplainAsync(Guid segmentId, Guid contactId, CancellationToken cancellationToken)
    {
        var segment = await db.Segments.AsNoTracking().LiveAsync(segmentId, cancellationToken);
        var definition = segment.Definition is { } json
            ? RuleJson.ReadDefinition(json.RootElement)
            : throw new ConflictException("This segment was made by hand; it has no rules to explain.");
        var tree = await rules.ExplainAsync(definition, contactId, cancellationToken)
            ?? throw new NotFoundException($"There is no contact {contactId}.");
        var isMember = await db.SegmentMembers.AnyAsync(m => m.SegmentId == segmentId && m.ContactId == contactId, cancellationToken);
        return new MemberExplanation(tree, isMember);
    }
}
