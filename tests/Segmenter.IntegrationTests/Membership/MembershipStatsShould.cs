using Microsoft.Extensions.DependencyInjection;
using Segmenter.Core;
using Segmenter.Core.Contacts;
using Segmenter.Core.Membership;
using Segmenter.IntegrationTests.Infrastructure;

namespace Segmenter.IntegrationTests.Membership;

public sealed class MembershipStatsShould(DatabaseFixture database) : IClassFixture<DatabaseFixture>
{
    // 03:30 UTC on 24 November is still 23 November in New York, the tenant's zone.
    private static readonly DateTimeOffset Start = new(2026, 11, 24, 3, 30, 0, TimeSpan.Zero);

    [Fact]
    public async Task Report_sizes_daily_changes_overlap_and_a_contacts_segments()
    {
        var ct = TestContext.Current.CancellationToken;
        var tenant = await database.NewTenantAsync("America/New_York");
        await using var host = MembershipHost.Create(database, Start);
        var contacts = await host.AddContactsAsync(tenant.Id, Enumerable.Range(0, 10).Select(i => new Contact
        {
            TenantId = tenant.Id, Email = $"c{i}@example.test", Country = i < 6 ? "Norway" : "Chile", City = i % 2 == 0 ? "Oslo" : "Lima",
        }));
        await using var scope = host.For(tenant.Id);
        var norway = await RefreshShould.CreateDynamicAsync(scope, "Norway", """{"logic":"and","rules":[{"field":"country","operator":"equals","value":"Norway"}]}""");
        var oslo = await RefreshShould.CreateDynamicAsync(scope, "Oslo", """{"logic":"and","rules":[{"field":"city","operator":"equals","value":"Oslo"}]}""");

        await using (var db = database.CreateContext(tenant.Id))
        {
            foreach (var (id, country) in new[] { (contacts[0].Id, "Chile"), (contacts[1].Id, "Chile"), (contacts[7].Id, "Norway") })
            {
                (await db.Contacts.FindAsync([tenant.Id, id], ct))!.Country = country;
            }

            await db.SaveChangesAsync(ct);
        }

        host.Clock.Now = Start.AddHours(6);
        await scope.ServiceProvider.GetRequiredService<MembershipEngine>().RefreshAsync(norway.Id, ct);
        var stats = scope.ServiceProvider.GetRequiredService<MembershipStats>();

        Assert.Equal(
            [new SizePoint(Start, 6, 6, 0), new SizePoint(Start.AddHours(6), 5, 1, 2)],
            await stats.HistoryAsync(norway.Id, Start.AddDays(-1), ct));
        Assert.Equal(
            [new DailyChanges(new DateOnly(2026, 11, 23), 6, 0), new DailyChanges(new DateOnly(2026, 11, 24), 1, 2)],
            await stats.ChangesPerDayAsync(norway.Id, Start.AddDays(-1), ct));
        // Norway is now 2, 3, 4, 5, 7; Oslo is 0, 2, 4, 6, 8.
        Assert.Equal(new Overlap(norway.Id, 5, oslo.Id, 5, 2), await stats.OverlapAsync(norway.Id, oslo.Id, ct));
        Assert.Equal([norway.Id, oslo.Id], (await stats.SegmentsOfContactAsync(contacts[2].Id, ct)).Select(m => m.SegmentId).ToHashSet());
        Assert.Equal([oslo.Id], (await stats.SegmentsOfContactAsync(contacts[0].Id, ct)).Select(m => m.SegmentId));
        await Assert.ThrowsAsync<NotFoundException>(() => stats.OverlapAsync(norway.Id, Guid.CreateVersion7(), ct));
        await Assert.ThrowsAsync<NotFoundException>(() => stats.SegmentsOfContactAsync(Guid.CreateVersion7(), ct));
    }
}
