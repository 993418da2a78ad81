using Segmenter.Core.Audit;
using Segmenter.Core.Data;
using Segmenter.Core.Membership;

namespace Segmenter.Core.Segments;

/// <summary>A refresh someone asked for (the API or the segment page), recorded in the audit log with its result; sweeps are not.</summary>
public sealed class RefreshByHand(SegmenterDbContext db, MembershipEngine engine, AuditLog audit)
{
    public async Task<RefreshResult> HandleAsync(Guid segmentId, CancellationToken cancellationToken)
    {
        var result = await engine.RefreshAsync(segmentId, cancellationToken);
        var segment = await db.Segments.LiveAsync(segmentId, cancellationToken);
        audit.Add("segment.refreshed", segment, null, new { members = result.MemberCount, entered = result.Entered, exited = result.Exited, duration_ms = result.DurationMs });
        await db.SaveChangesAsync(cancellationToken);
        return result;
    }
}
