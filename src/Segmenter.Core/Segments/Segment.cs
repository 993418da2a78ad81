using System.Text.Json;
using Segmenter.Core.Tenancy;

namespace Segmenter.Core.Segments;

public sealed class Segment : ITenantOwned
{
    public required Guid TenantId { get; init; }

    public Guid Id { get; init; } = Guid.CreateVersion7();

    public required string Name { get; set; }

    public string? Description { get; set; }

    /// <summary>One of <see cref="SegmentType"/>.</summary>
    public required string Type { get; set; }

    /// <summary>The rule tree (a group), or null for a list built by hand.</summary>
    public JsonDocument? Definition { get; set; }

    public int MemberCount { get; set; }

    public DateTimeOffset? LastEvaluatedAt { get; set; }

    public int? LastEvaluationMs { get; set; }

    public string? LastError { get; set; }

    public Guid? CreatedBy { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Set by a soft delete; the segment can be restored for 30 days.</summary>
    public DateTimeOffset? DeletedAt { get; set; }
}
