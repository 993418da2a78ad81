using Microsoft.EntityFrameworkCore;
using Segmenter.Core.Data;
using Segmenter.Core.Segments;

namespace Segmenter.Core.Membership;

public sealed record SizePoint(DateTimeOffset At, int MemberCount, int Entered, int Exited);

/// <summary>Entries and exits on one calendar day of the tenant's time zone.</summary>
public sealed record DailyChanges(DateOnly Day, int Entered, int Exited);

public sealed record Overlap(Guid First, int FirstCount, Guid Second, int SecondCount, int Both);

public sealed record ContactMembership(Guid SegmentId, string Name, string Type, DateTimeOffset EnteredAt);

/// <summary>The numbers the segment pages and the API show about membership, for the current tenant.</summary>
public sealed class MembershipStats(SegmenterDbContext db)
{
    /// <summary>The size after each full evaluation since <paramref name="since"/>, oldest first.</summary>
    public async Task<IReadOnlyList<SizePoint>> HistoryAsync(Guid segmentId, DateTimeOffset since, CancellationToken cancellationToken)
    {
        await EnsureSegmentsAsync([segmentId], cancellationToken);
        var from = since.ToUniversalTime();
        return await db.SegmentSizeHistory.AsNoTracking()
            .Where(h => h.SegmentId == segmentId && h.At >= from)
            .OrderBy(h => h.At)
            .Select(h => new SizePoint(h.At, h.MemberCount, h.Entered, h.Exited))
            .ToListAsync(cancellationToken);
    }

    /// <summary>Every entry and exit, by refresh, real-time re-evaluation or list edit, counted per day of the tenant's time zone.</summary>
    public async Task<IReadOnlyList<DailyChanges>> ChangesPerDayAsync(Guid segmentId, DateTimeOffset since, CancellationToken cancellationToken)
    {
        await EnsureSegmentsAsync([segmentId], cancellationToken);
        var timeZone = await db.Tenants.Select(t => t.TimeZone).SingleAsync(cancellationToken);
        var from = since.ToUniversalTime();
        var rows = await db.SegmentMembershipChanges.AsNoTracking()
            .Where(c => c.SegmentId == segmentId && c.At >= from)
            .GroupBy(c => Rules.RuleSql.LocalDate(c.At, timeZone))
            .Select(g => new
            {
                Day = g.Key,
                Entered = g.Count(c => c.Kind == SegmentMembershipChange.Entered),
                Exited = g.Count(c => c.Kind == SegmentMembershipChange.Exited),
            })
            .OrderBy(r => r.Day)
            .ToListAsync(cancellationToken);
        return rows.Select(r => new DailyChanges(r.Day!.Value, r.Entered, r.Exited)).ToList();
    }

    public async Task<Overlap> OverlapAsync(Guid first, Guid second, CancellationToken cancellationToken)
    {
        await EnsureSegmentsAsync([first, second], cancellationToken);
        // One pass over both segments' members: a contact in both is counted twice, so both = all - distinct.
        var counts = await db.SegmentMembers.AsNoTracking()
            .Where(m => m.SegmentId == first || m.SegmentId == second)
            .GroupBy(_ => 1)
            .Select(g => new
            {
                First = g.Count(m => m.SegmentId == first),
                Second = g.Count(m => m.SegmentId == second),
                Contacts = g.Select(m => m.ContactId).Distinct().Count(),
            })
            .SingleOrDefaultAsync(cancellationToken);
        return counts is null
            ? new Overlap(first, 0, second, 0, 0)
            : new Overlap(first, counts.First, second, counts.Second, counts.First + counts.Second - counts.Contacts);
    }

    /// <summary>The live segments a contact is in, the longest-held first.</summary>
    public async Task<IReadOnlyList<ContactMembership>> SegmentsOfContactAsync(Guid contactId, CancellationToken cancellationToken)
    {
        if (!await db.Contacts.AnyAsync(c => c.Id == contactId, cancellationToken))
        {
            throw new NotFoundException($"There is no contact {contactId}.");
        }

        return await db.SegmentMembers.AsNoTracking()
            .Where(m => m.ContactId == contactId)
            .Join(db.Segments.Live(), m => m.SegmentId, s => s.Id, (m, s) => new { m, s })
            .OrderBy(x => x.m.EnteredAt).ThenBy(x => x.s.Name)
            .Select(x => new ContactMembership(x.s.Id, x.s.Name, x.s.Type, x.m.EnteredAt))
            .ToListAsync(cancellationToken);
    }

    private async Task EnsureSegmentsAsync(IReadOnlyList<Guid> segmentIds, CancellationToken cancellationToken)
    {
        var found = await db.Segments.Live().Where(s => segmentIds.Contains(s.Id)).Select(s => s.Id).ToListAsync(cancellationToken);
        var missing = segmentIds.Except(found).ToList();
        if (missing.Count > 0)
        {
            throw new NotFoundException($"There is no segment {missing[0]}.");
        }
    }
}
