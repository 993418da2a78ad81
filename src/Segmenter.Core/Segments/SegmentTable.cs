using Microsoft.EntityFrameworkCore;
using Segmenter.Core.Data;
using Segmenter.Core.Tenancy;

namespace Segmenter.Core.Segments;

/// <summary>The columns the segments table sorts by.</summary>
public enum SegmentSort
{
    Name,
    Members,
    LastRefreshed,
}

/// <summary>One page of the segments table: a search in names, a type, a sort, a page (from 0).</summary>
public sealed record SegmentTableQuery(string? Search, string? Type, SegmentSort Sort, bool Descending, int Page, int PageSize);

/// <summary>A row of the segments table; <paramref name="Trend"/> is the member count at the end of each of the last days with a refresh.</summary>
public sealed record SegmentRow(
    Guid Id, string Name, string? Description, string Type, int MemberCount, DateTimeOffset? LastEvaluatedAt, string? LastError, IReadOnlyList<int> Trend);

public sealed record SegmentTablePage(IReadOnlyList<SegmentRow> Rows, int Total);

/// <summary>
/// The live segments of the current tenant a page at a time, for the UI's table (the API pages by key
/// instead). Sorting by anything but the name breaks ties by name, so a page never shuffles.
/// </summary>
public sealed class SegmentTable(SegmenterDbContext db, ITenantContext tenant, TimeProvider clock)
{
    public const int TrendDays = 30;
    public const int MaxPageSize = 100;

    public async Task<SegmentTablePage> ReadAsync(SegmentTableQuery query, CancellationToken cancellationToken)
    {
        var segments = Filter(db.Segments.AsNoTracking().Live(), query);
        var total = await segments.CountAsync(cancellationToken);
        var pageSize = Math.Clamp(query.PageSize, 1, MaxPageSize);
        var page = await Sort(segments, query)
            .PageAt(query.Page, pageSize)
            .Select(s => new { s.Id, s.Name, s.Description, s.Type, s.MemberCount, s.LastEvaluatedAt, s.LastError })
            .ToListAsync(cancellationToken);
        var trends = await TrendsAsync(page.Select(s => s.Id).ToArray(), cancellationToken);
        var rows = page
            .Select(s => new SegmentRow(s.Id, s.Name, s.Description, s.Type, s.MemberCount, s.LastEvaluatedAt, s.LastError, trends[s.Id]))
            .ToList();
        return new SegmentTablePage(rows, total);
    }

    private static IQueryable<Segment> Filter(IQueryable<Segment> segments, SegmentTableQuery query)
    {
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var pattern = LikePatterns.Containing(query.Search.Trim());
            segments = segments.Where(s => EF.Functions.ILike(s.Name, pattern, LikePatterns.EscapeCharacter));
        }

        return query.Type is { } type ? segments.Where(s => s.Type == type) : segments;
    }

    private static IOrderedQueryable<Segment> Sort(IQueryable<Segment> segments, SegmentTableQuery query) =>
        (query.Sort, query.Descending) switch
        {
            (SegmentSort.Members, false) => segments.OrderBy(s => s.MemberCount).ThenBy(s => s.Name).ThenBy(s => s.Id),
            (SegmentSort.Members, true) => segments.OrderByDescending(s => s.MemberCount).ThenBy(s => s.Name).ThenBy(s => s.Id),
            // Never refreshed comes last either way (PostgreSQL puts nulls first in a descending sort).
            (SegmentSort.LastRefreshed, false) => segments.OrderBy(s => s.LastEvaluatedAt == null).ThenBy(s => s.LastEvaluatedAt).ThenBy(s => s.Name).ThenBy(s => s.Id),
            (SegmentSort.LastRefreshed, true) => segments.OrderBy(s => s.LastEvaluatedAt == null).ThenByDescending(s => s.LastEvaluatedAt).ThenBy(s => s.Name).ThenBy(s => s.Id),
            (_, false) => segments.OrderBy(s => s.Name).ThenBy(s => s.Id),
            (_, true) => segments.OrderByDescending(s => s.Name).ThenBy(s => s.Id),
        };

    /// <summary>
    /// The last size of each UTC day of the trend window, per segment, oldest first (a refresh every few minutes
    /// would be thousands of points). The tenant is named inside the SQL as well: EF's filter lands outside the
    /// <c>DISTINCT ON</c>, where PostgreSQL cannot push it down to the key <c>(tenant_id, segment_id, at)</c>.
    /// </summary>
    private async Task<Dictionary<Guid, IReadOnlyList<int>>> TrendsAsync(Guid[] segmentIds, CancellationToken cancellationToken)
    {
        var since = clock.GetUtcNow().AddDays(-TrendDays);
        var tenantId = tenant.TenantId ?? throw new InvalidOperationException("The segments table needs a current tenant.");
        var points = await db.SegmentSizeHistory
            .FromSql($"""
                SELECT DISTINCT ON (segment_id, date_trunc('day', at, 'UTC')) *
                FROM segment_size_history
                WHERE tenant_id = {tenantId} AND segment_id = ANY({segmentIds}) AND at >= {since}
                ORDER BY segment_id, date_trunc('day', at, 'UTC'), at DESC
                """)
            .AsNoTracking()
            .Select(h => new { h.SegmentId, h.At, h.MemberCount })
            .ToListAsync(cancellationToken);
        var bySegment = points.ToLookup(p => p.SegmentId);
        return segmentIds.ToDictionary(
            id => id,
            IReadOnlyList<int> (id) => bySegment[id].OrderBy(p => p.At).Select(p => p.MemberCount).ToList());
    }
}
