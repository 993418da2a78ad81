using Segmenter.Core.Segments;
using Segmenter.IntegrationTests.Infrastructure;

namespace Segmenter.IntegrationTests.Segments;

public sealed class SegmentTableShould(DatabaseFixture database) : IClassFixture<DatabaseFixture>
{
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Give_each_segment_the_last_size_of_each_day_of_the_window_oldest_first()
    {
        var tenant = await database.NewTenantAsync();
        await using var db = database.CreateContext(tenant.Id);
        var segment = new Segment { TenantId = tenant.Id, Name = "Growing", Type = SegmentType.Static };
        var other = new Segment { TenantId = tenant.Id, Name = "Other", Type = SegmentType.Static };
        db.Segments.AddRange(segment, other);
        db.SegmentSizeHistory.AddRange(
            History(segment, Now.AddDays(-40), 1),
            History(segment, Now.AddDays(-3).AddHours(-2), 10),
            History(segment, Now.AddDays(-3).AddHours(-1), 12),
            History(segment, Now.AddDays(-1), 15),
            History(segment, Now.AddMinutes(-5), 14),
            History(other, Now.AddDays(-2), 99));
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);

        var page = await new SegmentTable(db, new FixedClock(Now)).ReadAsync(
            new SegmentTableQuery(null, null, SegmentSort.Name, false, 0, 10), TestContext.Current.CancellationToken);

        Assert.Equal(2, page.Total);
        Assert.Equal([12, 15, 14], page.Rows.Single(r => r.Id == segment.Id).Trend);
        Assert.Equal([99], page.Rows.Single(r => r.Id == other.Id).Trend);
    }

    [Fact]
    public async Task Search_names_literally_sort_with_ties_by_name_and_page()
    {
        var tenant = await database.NewTenantAsync();
        await using var db = database.CreateContext(tenant.Id);
        db.Segments.AddRange(
            Segment(tenant.Id, "100% buyers", 5),
            Segment(tenant.Id, "1000 buyers", 7),
            Segment(tenant.Id, "Big spenders", 9),
            Segment(tenant.Id, "Abandoned carts", 5),
            new Segment { TenantId = tenant.Id, Name = "Deleted", Type = SegmentType.Static, DeletedAt = Now });
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        var table = new SegmentTable(db, new FixedClock(Now));

        var percent = await table.ReadAsync(new SegmentTableQuery("0%", null, SegmentSort.Name, false, 0, 10), TestContext.Current.CancellationToken);
        Assert.Equal(["100% buyers"], percent.Rows.Select(r => r.Name));

        var first = await table.ReadAsync(new SegmentTableQuery(null, null, SegmentSort.Members, true, 0, 3), TestContext.Current.CancellationToken);
        var second = await table.ReadAsync(new SegmentTableQuery(null, null, SegmentSort.Members, true, 1, 3), TestContext.Current.CancellationToken);
        Assert.Equal(4, first.Total);
        Assert.Equal(["Big spenders", "1000 buyers", "100% buyers", "Abandoned carts"], first.Rows.Concat(second.Rows).Select(r => r.Name));
    }

    private static Segment Segment(Guid tenantId, string name, int members) =>
        new() { TenantId = tenantId, Name = name, Type = SegmentType.Static, MemberCount = members };

    private static SegmentSizeHistory History(Segment segment, DateTimeOffset at, int members) =>
        new() { TenantId = segment.TenantId, SegmentId = segment.Id, At = at, MemberCount = members };
}
