using Segmenter.Core.Tenancy;

namespace Segmenter.Core.Segments;

/// <summary>One entry into or exit from a segment, appended by every refresh and every list edit.</summary>
public sealed class SegmentMembershipChange : ITenantOwned
{
    public const string Entered = "entered";
    public const string Exited = "exited";

    public required Guid TenantId { get; init; }

    public long Id { get; init; }

    public required Guid SegmentId { get; init; }

    /// <summary>Not a foreign key: the history outlives a deleted contact.</summary>
    public required Guid ContactId { get; init; }

    /// <summary><see cref="Entered"/> or <see cref="Exited"/>.</summary>
    public required string Kind { get; init; }

    public DateTimeOffset At { get; init; }
}
