using Microsoft.EntityFrameworkCore;
using Segmenter.Core.Audit;
using Segmenter.Core.Campaigns;
using Segmenter.Core.Data;
using Segmenter.Core.Membership;

namespace Segmenter.Core.Segments;

/// <summary>
/// A soft delete, refused (409) while another live segment or a draft campaign reads the segment; a
/// deleted segment keeps its members and can be restored for <see cref="RestoreWindow"/>.
/// </summary>
public sealed class DeleteSegment(SegmenterDbContext db, AuditLog audit, TimeProvider clock)
{
    public static readonly TimeSpan RestoreWindow = TimeSpan.FromDays(30);

    public async Task HandleAsync(Guid segmentId, CancellationToken cancellationToken)
    {
        var segment = await db.Segments.LiveAsync(segmentId, cancellationToken);
        var readers = (await SegmentGraph.LoadAsync(db, cancellationToken)).ReadersOf(segmentId);
        if (readers.Count > 0)
        {
            var names = await db.Segments.Where(s => readers.Contains(s.Id)).Select(s => s.Name).ToListAsync(cancellationToken);
            throw new ConflictException($"Other segments use this one: {string.Join(", ", names.Select(n => $"'{n}'"))}. Change them first.");
        }

        var campaigns = await db.Campaigns
            .Where(c => c.Status == Campaign.Draft && (c.IncludeSegmentIds.Contains(segmentId) || c.ExcludeSegmentIds.Contains(segmentId)))
            .Select(c => c.Name).ToListAsync(cancellationToken);
        if (campaigns.Count > 0)
        {
            throw new ConflictException($"Draft campaigns use this segment: {string.Join(", ", campaigns.Select(n => $"'{n}'"))}. Change them first.");
        }

        segment.DeletedAt = clock.GetUtcNow();
        audit.Add("segment.deleted", segment, AuditLog.Snapshot(segment), null);
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <exception cref="NotFoundException">Never deleted, gone, or deleted longer ago than the restore window.</exception>
    public async Task<Segment> RestoreAsync(Guid segmentId, CancellationToken cancellationToken)
    {
        var since = clock.GetUtcNow() - RestoreWindow;
        var segment = await db.Segments.SingleOrDefaultAsync(s => s.Id == segmentId && s.DeletedAt != null && s.DeletedAt >= since, cancellationToken)
            ?? throw new NotFoundException($"There is no deleted segment {segmentId} to restore (they can be restored for {RestoreWindow.TotalDays:0} days).");
        segment.DeletedAt = null;
        segment.UpdatedAt = clock.GetUtcNow();
        audit.Add("segment.restored", segment, null, AuditLog.Snapshot(segment));
        await db.SaveChangesAsync(cancellationToken);
        return segment;
    }
}
