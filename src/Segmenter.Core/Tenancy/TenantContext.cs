namespace Segmenter.Core.Tenancy;

/// <summary>The tenant the current unit of work acts for.</summary>
public interface ITenantContext
{
    Guid? TenantId { get; }
}

/// <summary>
/// The ambient tenant of one DI scope: a web request or Blazor circuit sets it from the signed-in user or
/// the API key, a background job sets it from its own arguments. It is set once per scope; a scope never
/// switches tenant halfway, so a DbContext created in it can never see two tenants.
/// </summary>
public sealed class TenantContext : ITenantContext
{
    public Guid? TenantId { get; private set; }

    public void Use(Guid tenantId)
    {
        if (tenantId == Guid.Empty)
        {
            throw new ArgumentException("A tenant id cannot be empty.", nameof(tenantId));
        }

        if (TenantId is { } current && current != tenantId)
        {
            throw new TenantIsolationException($"This scope already acts for tenant {current}; it cannot switch to {tenantId}.");
        }

        TenantId = tenantId;
    }
}
