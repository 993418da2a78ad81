using Segmenter.Core.Tenancy;

namespace Segmenter.Core.ApiKeys;

/// <summary>An API key of one tenant. Only a hash of the secret is stored; the key is shown once.</summary>
public sealed class ApiKey : ITenantOwned
{
    public required Guid TenantId { get; init; }

    public Guid Id { get; init; } = Guid.CreateVersion7();

    public required string Name { get; set; }

    /// <summary>The visible start of the key, used to find it and to show it in lists.</summary>
    public required string Prefix { get; init; }

    public required byte[] Hash { get; init; }

    /// <summary>One of <see cref="TenantRole"/>.</summary>
    public required string Role { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? LastUsedAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }
}
