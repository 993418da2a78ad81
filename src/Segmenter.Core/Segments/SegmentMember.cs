using Segmenter.Core.Tenancy;

namespace Segmenter.Core.Segments;

/// <summary>A materialised membership: the contact is in the segment since <see cref="EnteredAt"/>.</summary>
public sealed class SegmentMember : ITenantOwned
{
    public required Guid TenantId { get; init; }

    public required Guid SegmentId { get; init; }

    public required Guid ContactId { get; init; }

    public DateTimeOffset EnteredAt { get; init; }
}
