using Segmenter.Core.Data;
using Segmenter.Core.Segments;
using Segmenter.Core.Tenancy;
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

        var page = await Table(db, tenant.Id).ReadAsync(
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
        var table = Table(db, tenant.Id);

        var percent = await table.ReadAsync(new SegmentTableQuery("0%", null, SegmentSort.Name, false, 0, 10), TestContext.Current.CancellationToken);
        Assert.Equal(["100% buyers"], percent.Rows.Select(r => r.Name));

        var first = await table.ReadAsync(new SegmentTableQuery(null, null, SegmentSort.Members, true, 0, 3), TestContext.Current.CancellationToken);
        var second = await table.ReadAsync(new SegmentTableQuery(null, null, SegmentSort.Members, true, 1, 3), TestContext.Current.CancellationToken);
        Assert.Equal(4, first.Total);
        Assert.Equal(["Big spenders", "1000 buyers", "100% buyers", "Abandoned carts"], first.Rows.Concat(second.Rows).Select(r => r.Name));
    }

    [Fact]
    public async Task Filter_by_type_and_put_never_refreshed_segments_last_either_way()
    {
        var tenant = await database.NewTenantAsync();
        await using var db = database.CreateContext(tenant.Id);
        db.Segments.AddRange(
            new Segment { TenantId = tenant.Id, Name = "Never", Type = SegmentType.Dynamic },
            new Segment { TenantId = tenant.Id, Name = "Old", Type = SegmentType.Dynamic, LastEvaluatedAt = Now.AddDays(-2) },
            new Segment { TenantId = tenant.Id, Name = "New", Type = SegmentType.Dynamic, LastEvaluatedAt = Now.AddMinutes(-1) },
            new Segment { TenantId = tenant.Id, Name = "a_list", Type = SegmentType.Static });
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        var table = Table(db, tenant.Id);

        async Task<IEnumerable<string>> NamesAsync(SegmentTableQuery query) =>
            (await table.ReadAsync(query, TestContext.Current.CancellationToken)).Rows.Select(r => r.Name);

        Assert.Equal(["New", "Old", "Never"], await NamesAsync(new(null, SegmentType.Dynamic, SegmentSort.LastRefreshed, true, 0, 10)));
        Assert.Equal(["Old", "New", "Never"], await NamesAsync(new(null, SegmentType.Dynamic, SegmentSort.LastRefreshed, false, 0, 10)));
        Assert.Equal(["a_list"], await NamesAsync(new("a_", null, SegmentSort.Name, false, 0, 10)));
        Assert.Empty(await NamesAsync(new(null, SegmentType.Static, SegmentSort.Name, false, int.MaxValue, 10)));
    }

    private static SegmentTable Table(SegmenterDbContext db, Guid tenantId)
    {
        var tenant = new TenantContext();
        tenant.Use(tenantId);
        return new SegmentTable(db, tenant, new FixedClock(Now));
    }

    private static Segment Segment(Guid tenantId, string name, int members) =>
        new() { TenantId = tenantId, Name = name, Type = SegmentType.Static, MemberCount = members };

    private static SegmentSizeHistory History(Segment segment, DateTimeOffset at, int members) =>
        new() { TenantId = segment.TenantId, SegmentId = segment.Id, At = at, MemberCount = members };
}
