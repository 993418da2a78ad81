using Microsoft.EntityFrameworkCore;

namespace Segmenter.Core.Segments;

/// <summary>Reading the segments that are not deleted, the way every use case and endpoint does.</summary>
public static class SegmentQueries
{
    public static IQueryable<Segment> Live(this IQueryable<Segment> segments) => segments.Where(s => s.DeletedAt == null);

    /// <exception cref="NotFoundException">No live segment with this id in the current tenant.</exception>
    public static async Task<Segment> LiveAsync(this IQueryable<Segment> segments, Guid segmentId, CancellationToken cancellationToken) =>
        await segments.SingleOrDefaultAsync(s => s.Id == segmentId && s.DeletedAt == null, cancellationToken)
        ?? throw new NotFoundException($"There is no segment {segmentId}.");
}
