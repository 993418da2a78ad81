using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Segmenter.Core.Data;

namespace Segmenter.Core.Tenancy;

/// <summary>A tenant a user belongs to, with the user's role there.</summary>
public sealed record TenantMembership(Guid TenantId, string TenantName, string Role);

/// <summary>
/// Which tenants a user belongs to, read before any tenant is current (sign-in, the tenant switcher, each
/// request's role), so these are the UI's cross-tenant reads.
/// </summary>
public sealed class TenantMemberships([FromKeyedServices(DatabaseRoute.Catalogue)] SegmenterDbContext db)
{
    /// <summary>The user's tenants by name.</summary>
    public async Task<IReadOnlyList<TenantMembership>> ForUserAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using (await db.ReadAcrossTenantsAsync(cancellationToken))
        {
            return await Query(userId, tenantId: null).ToListAsync(cancellationToken);
        }
    }

    /// <summary>The user's membership of one tenant, or null when the user does not belong to it (any more).</summary>
    public async Task<TenantMembership?> FindAsync(Guid userId, Guid tenantId, CancellationToken cancellationToken)
    {
        await using (await db.ReadAcrossTenantsAsync(cancellationToken))
        {
            return await Query(userId, tenantId).SingleOrDefaultAsync(cancellationToken);
        }
    }

    private IQueryable<TenantMembership> Query(Guid userId, Guid? tenantId) =>
        from membership in db.TenantUsers.IgnoreQueryFilters([SegmenterDbContext.TenantFilter])
        join tenant in db.Tenants.IgnoreQueryFilters([SegmenterDbContext.TenantFilter]) on membership.TenantId equals tenant.Id
        where membership.UserId == userId && (tenantId == null || membership.TenantId == tenantId)
        orderby tenant.Name, tenant.Id
        select new TenantMembership(tenant.Id, tenant.Name, membership.Role);
}
