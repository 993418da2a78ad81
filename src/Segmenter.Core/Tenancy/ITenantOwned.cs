namespace Segmenter.Core.Tenancy;

/// <summary>A row that belongs to exactly one tenant: every key and index of its table starts with <c>tenant_id</c>.</summary>
public interface ITenantOwned
{
    Guid TenantId { get; }
}
