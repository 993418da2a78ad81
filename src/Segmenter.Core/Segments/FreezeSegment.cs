using FluentValidation;
using Microsoft.EntityFrameworkCore;
using Segmenter.Core.Audit;
using Segmenter.Core.Data;
using Segmenter.Core.Membership;

namespace Segmenter.Core.Segments;

/// <summary>A new static segment holding exactly the members a segment has now, with its rules kept for reference.</summary>
public sealed class FreezeSegment(SegmenterDbContext db, MembershipEngine engine, AuditLog audit, TimeProvider clock)
{
    public Task<Segment> HandleAsync(Guid segmentId, string name, Guid? createdBy, CancellationToken cancellationToken) =>
        CopyAsync(segmentId, name, createdBy, "segment.frozen", cancellationToken);

    /// <summary>The copy, recorded in the audit log on its source under <paramref name="auditAction"/> (a freeze, or a static segment's duplicate).</summary>
    internal async Task<Segment> CopyAsync(Guid segmentId, string name, Guid? createdBy, string auditAction, CancellationToken cancellationToken)
    {
        if (Names.Check(name) is { } invalid)
        {
            throw new ValidationException([invalid]);
        }

        var source = await db.Segments.AsNoTracking().LiveAsync(segmentId, cancellationToken);
        var frozen = new Segment
        {
            TenantId = source.TenantId,
            Name = name.Trim(),
            Description = source.Description,
            Type = SegmentType.Static,
            Definition = source.Definition,
            CreatedBy = createdBy,
        };

        var now = clock.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.Segments.Add(frozen);
        await db.SaveChangesAsync(cancellationToken);

        // The source's lock makes the copy wait for a refresh in progress rather than copy the old members.
        await engine.LockAsync(segmentId, cancellationToken);
        await db.Database.ExecuteSqlAsync($"""
            WITH entered AS (
                INSERT INTO segment_members (tenant_id, segment_id, contact_id, entered_at)
                SELECT tenant_id, {frozen.Id}, contact_id, {now} FROM segment_members
                WHERE tenant_id = {source.TenantId} AND segment_id = {segmentId}
                RETURNING contact_id)
            INSERT INTO segment_membership_changes (tenant_id, segment_id, contact_id, kind, at)
            SELECT {source.TenantId}, {frozen.Id}, contact_id, 'entered', {now} FROM entered
            """, cancellationToken);
        var copy = await db.Segments.AsNoTracking().SingleAsync(s => s.Id == frozen.Id, cancellationToken);
        audit.Add(auditAction, source, null, new { copy_id = copy.Id, copy_name = copy.Name, members = copy.MemberCount });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return copy;
    }
}
