using Microsoft.EntityFrameworkCore;
using Segmenter.Core.Audit;
using Segmenter.Core.Data;
using Segmenter.Core.Membership;

namespace Segmenter.Core.Segments;

/// <summary>
/// A refresh someone asked for (the API or the segment page), recorded in the audit log with its result once
/// it has committed (the refresh is its own transaction); sweeps are not recorded.
/// </summary>
public sealed class RefreshByHand(SegmenterDbContext db, MembershipEngine engine, AuditLog audit)
{
    public async Task<RefreshResult> HandleAsync(Guid segmentId, CancellationToken cancellationToken)
    {
        var segment = await db.Segments.AsNoTracking().LiveAsync(segmentId, cancellationToken);
        var result = await engine.RefreshAsync(segmentId, cancellationToken);
        audit.Add("segment.refreshed", segment, null, new { members = result.MemberCount, entered = result.Entered, exited = result.Exited, duration_ms = result.DurationMs });
        await db.SaveChangesAsync(cancellationToken);
        return result;
    }
}
