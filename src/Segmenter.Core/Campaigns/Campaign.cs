using Segmenter.Core.Tenancy;

namespace Segmenter.Core.Campaigns;

/// <summary>
/// A campaign's audience: the union of <see cref="IncludeSegmentIds"/>, minus every contact of
/// <see cref="ExcludeSegmentIds"/>, minus the non-subscribed when <see cref="SubscribedOnly"/>.
/// Locking freezes the recipients into <c>campaign_recipients</c>.
/// </summary>
public sealed class Campaign : ITenantOwned
{
    public const string Draft = "draft";
    public const string Locked = "locked";

    public required Guid TenantId { get; init; }

    public Guid Id { get; init; } = Guid.CreateVersion7();

    public required string Name { get; set; }

    /// <summary><see cref="Draft"/> or <see cref="Locked"/>.</summary>
    public string Status { get; set; } = Draft;

    public List<Guid> IncludeSegmentIds { get; set; } = [];

    public List<Guid> ExcludeSegmentIds { get; set; } = [];

    public bool SubscribedOnly { get; set; } = true;

    public DateTimeOffset? LockedAt { get; set; }

    public DateTimeOffset CreatedAt { get; init; }
}
