using FluentValidation;
using FluentValidation.Results;
using Microsoft.EntityFrameworkCore;
using Segmenter.Core.Data;
using Segmenter.Core.Membership;

namespace Segmenter.Core.Segments;

/// <summary>
/// Adding contacts to and removing them from a static segment by hand. Each edit is one statement under
/// the segment's lock, logged as entries and exits like a refresh, and then passed on to the dynamic
/// segments that read this list. Edits by hand are written to the audit log with the contacts asked for and
/// the count after; the members a creation or an import adds are part of that act.
/// </summary>
public sealed class ListMembers(SegmenterDbContext db, MembershipEngine engine, Audit.AuditLog audit, TimeProvider clock)
{
    public const string AddedByHand = "segment.members_added";
    public const string RemovedByHand = "segment.members_removed";

    private const string AddSql = """
        WITH entered AS (
            INSERT INTO segment_members (tenant_id, segment_id, contact_id, entered_at)
            SELECT c.tenant_id, @segment, c.id, @now FROM contacts AS c
            WHERE c.tenant_id = @tenant AND c.id = ANY(@ids)
            ON CONFLICT DO NOTHING
            RETURNING contact_id)
        INSERT INTO segment_membership_changes (tenant_id, segment_id, contact_id, kind, at)
        SELECT @tenant, @segment, contact_id, 'entered', @now FROM entered
        """;

    /// <summary>Adds contacts as part of another act (creating the list, importing into it).</summary>
    /// <returns>The segment's member count after the edit.</returns>
    public Task<int> AddAsync(Guid segmentId, IReadOnlyCollection<Guid> contactIds, CancellationToken cancellationToken) =>
        EditAsync(segmentId, contactIds, null, AddSql, cancellationToken);

    /// <returns>The segment's member count after the edit.</returns>
    public Task<int> AddByHandAsync(Guid segmentId, IReadOnlyCollection<Guid> contactIds, CancellationToken cancellationToken) =>
        EditAsync(segmentId, contactIds, AddedByHand, AddSql, cancellationToken);

    /// <returns>The segment's member count after the edit.</returns>
    public Task<int> RemoveByHandAsync(Guid segmentId, IReadOnlyCollection<Guid> contactIds, CancellationToken cancellationToken) =>
        EditAsync(segmentId, contactIds, RemovedByHand, """
            WITH exited AS (
                DELETE FROM segment_members
                WHERE tenant_id = @tenant AND segment_id = @segment AND contact_id = ANY(@ids)
                RETURNING contact_id)
            INSERT INTO segment_membership_changes (tenant_id, segment_id, contact_id, kind, at)
            SELECT @tenant, @segment, contact_id, 'exited', @now FROM exited
            """, cancellationToken);

    /// <summary>A failure at <c>{path}[i]</c> for each id that is not a contact of the tenant.</summary>
    public async Task<IReadOnlyList<ValidationFailure>> UnknownContactsAsync(IReadOnlyList<Guid> contactIds, string path, CancellationToken cancellationToken)
    {
        var distinct = contactIds.Distinct().ToList();
        var known = (await db.Contacts.Where(c => distinct.Contains(c.Id)).Select(c => c.Id).ToListAsync(cancellationToken)).ToHashSet();
        return contactIds
            .Select((id, i) => (id, i))
            .Where(x => !known.Contains(x.id))
            .Select(x => new ValidationFailure($"{path}[{x.i}]", $"There is no contact {x.id}.", x.id))
            .ToList();
    }

    private async Task<int> EditAsync(Guid segmentId, IReadOnlyCollection<Guid> contactIds, string? auditAction, string sql, CancellationToken cancellationToken)
    {
        var segment = await db.Segments.AsNoTracking().LiveAsync(segmentId, cancellationToken);
        if (segment.Type != SegmentType.Static)
        {
            throw new ConflictException("A dynamic segment's members come from its rules; only static segments are edited by hand.");
        }

        var unknown = await UnknownContactsAsync(contactIds.ToList(), "contact_ids", cancellationToken);
        if (unknown.Count > 0)
        {
            throw new ValidationException(unknown);
        }

        var ids = contactIds.Distinct().ToArray();
        var now = clock.GetUtcNow();
        var owned = db.Database.CurrentTransaction is null;
        var count = await engine.InTransactionAsync(async () =>
        {
            await engine.LockAsync(segmentId, cancellationToken);
            await db.Database.ExecuteSqlRawAsync(
                sql,
                [
                    new Npgsql.NpgsqlParameter("tenant", segment.TenantId),
                    new Npgsql.NpgsqlParameter("segment", segmentId),
                    new Npgsql.NpgsqlParameter("now", now),
                    new Npgsql.NpgsqlParameter("ids", ids),
                ],
                cancellationToken);
            var after = await db.Segments.Where(s => s.Id == segmentId).Select(s => s.MemberCount).SingleAsync(cancellationToken);
            if (auditAction is not null)
            {
                audit.Add(auditAction, segment, null, new Dictionary<string, object> { ["contact_ids"] = ids, ["member_count"] = after });
                await db.SaveChangesAsync(cancellationToken);
            }

            return after;
        }, cancellationToken);

        if (owned)
        {
            await engine.CascadeSafelyAsync(segmentId, now, cancellationToken);
        }

        return count;
    }
}
