namespace Segmenter.Core.Tenancy;

/// <summary>A user's role in one tenant; a user may belong to several tenants.</summary>
public sealed class TenantUser : ITenantOwned
{
    public required Guid TenantId { get; init; }

    public required Guid UserId { get; init; }

    /// <summary>One of <see cref="TenantRole"/>.</summary>
    public required string Role { get; set; }
}
