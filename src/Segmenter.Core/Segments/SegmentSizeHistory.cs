using Segmenter.Core.Tenancy;

namespace Segmenter.Core.Segments;

/// <summary>A segment's size after one evaluation, with how many entered and exited in it.</summary>
public sealed class SegmentSizeHistory : ITenantOwned
{
    public required Guid TenantId { get; init; }

    public required Guid SegmentId { get; init; }

    public DateTimeOffset At { get; init; }

    public int MemberCount { get; init; }

    public int Entered { get; init; }

    public int Exited { get; init; }
}
