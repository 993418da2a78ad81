using Microsoft.EntityFrameworkCore;
using Segmenter.Core.Data;
using Segmenter.Core.Tenancy;

namespace Segmenter.Core.Contacts;

/// <summary>
/// Deletes a contact with its events, after logging its exit from every segment it was in, so entries and
/// exits add up. The segments' locks are taken in id order, the order every multi-segment writer uses.
/// </summary>
public sealed class DeleteContact(SegmenterDbContext db, ITenantContext tenant, TimeProvider clock)
{
    public async Task HandleAsync(Guid contactId, CancellationToken cancellationToken)
    {
        var tenantId = tenant.TenantId ?? throw new InvalidOperationException("Deleting a contact needs a current tenant.");
        var now = clock.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (!await db.Contacts.AnyAsync(c => c.Id == contactId, cancellationToken))
        {
            throw new NotFoundException($"There is no contact {contactId}.");
        }

        await db.Database.ExecuteSqlAsync($"""
            SELECT pg_advisory_xact_lock(hashtextextended(segment_id::text, 0))
            FROM (SELECT segment_id FROM segment_members WHERE tenant_id = {tenantId} AND contact_id = {contactId} ORDER BY segment_id) AS held
            """, cancellationToken);
        await db.Database.ExecuteSqlAsync($"""
            WITH exited AS (
                DELETE FROM segment_members WHERE tenant_id = {tenantId} AND contact_id = {contactId}
                RETURNING segment_id)
            INSERT INTO segment_membership_changes (tenant_id, segment_id, contact_id, kind, at)
            SELECT {tenantId}, segment_id, {contactId}, 'exited', {now} FROM exited
            """, cancellationToken);
        await db.Contacts.Where(c => c.Id == contactId).ExecuteDeleteAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }
}
