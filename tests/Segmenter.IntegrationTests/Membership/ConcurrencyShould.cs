using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Segmenter.Core.Contacts;
using Segmenter.Core.Data;
using Segmenter.Core.Membership;
using Segmenter.IntegrationTests.Infrastructure;

namespace Segmenter.IntegrationTests.Membership;

public sealed class ConcurrencyShould(DatabaseFixture database) : IClassFixture<DatabaseFixture>
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Make_a_second_refresh_of_a_segment_wait_for_the_first()
    {
        var ct = TestContext.Current.CancellationToken;
        var (host, tenantId, segmentId) = await NorwaySegmentAsync();
        await using var _ = host;
        await FlipCountriesAsync(tenantId);
        await using var first = host.For(tenantId);
        var firstDb = first.ServiceProvider.GetRequiredService<SegmenterDbContext>();
        await using var transaction = await firstDb.Database.BeginTransactionAsync(ct);
        var firstResult = await first.ServiceProvider.GetRequiredService<MembershipEngine>().RefreshAsync(segmentId, ct);

        await using var second = host.For(tenantId);
        var secondRefresh = second.ServiceProvider.GetRequiredService<MembershipEngine>().RefreshAsync(segmentId, ct);
        await Task.Delay(TimeSpan.FromSeconds(1), ct);
        Assert.False(secondRefresh.IsCompleted, "the second refresh ran alongside the first");
        Assert.Equal(1, await WaitingAdvisoryLocksAsync());

        await transaction.CommitAsync(ct);
        var secondResult = await secondRefresh;

        Assert.Equal((20, 20), (firstResult.Entered, firstResult.Exited));
        Assert.Equal((20, 0, 0), (secondResult.MemberCount, secondResult.Entered, secondResult.Exited));
    }

    [Fact]
    public async Task Keep_the_old_members_when_the_connection_dies_before_the_refresh_commits()
    {
        var ct = TestContext.Current.CancellationToken;
        var (host, tenantId, segmentId) = await NorwaySegmentAsync();
        await using var _ = host;
        var original = await host.MembersAsync(tenantId, segmentId);
        await FlipCountriesAsync(tenantId);

        await using (var doomed = host.For(tenantId))
        {
            var db = doomed.ServiceProvider.GetRequiredService<SegmenterDbContext>();
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var pid = (await db.Database.SqlQuery<int>($"SELECT pg_backend_pid() AS \"Value\"").ToListAsync(ct)).Single();
            var halfway = await doomed.ServiceProvider.GetRequiredService<MembershipEngine>().RefreshAsync(segmentId, ct);
            Assert.Equal(20, halfway.Entered);

            await using (var admin = new NpgsqlConnection(database.OwnerConnectionString))
            {
                await admin.OpenAsync(ct);
                await using var kill = new NpgsqlCommand($"SELECT pg_terminate_backend({pid})", admin);
                await kill.ExecuteScalarAsync(ct);
            }

            await Assert.ThrowsAnyAsync<Exception>(() => transaction.CommitAsync(ct));
        }

        NpgsqlConnection.ClearAllPools();
        Assert.Equal(original, await host.MembersAsync(tenantId, segmentId));
        await using var scope = host.For(tenantId);
        var db2 = scope.ServiceProvider.GetRequiredService<SegmenterDbContext>();
        Assert.Equal(20, await db2.Segments.Where(s => s.Id == segmentId).Select(s => s.MemberCount).SingleAsync(ct));
        Assert.Equal(0, await db2.SegmentMembershipChanges.CountAsync(c => c.SegmentId == segmentId && c.Kind == "exited", ct));

        var next = await scope.ServiceProvider.GetRequiredService<MembershipEngine>().RefreshAsync(segmentId, ct);
        Assert.Equal((20, 20, 20), (next.MemberCount, next.Entered, next.Exited));
        var flipped = await db2.Contacts.Where(c => c.Country == "Norway").Select(c => c.Id).ToListAsync(ct);
        Assert.Equal(flipped.ToHashSet(), await host.MembersAsync(tenantId, segmentId));
    }

    /// <summary>20 of 40 contacts in Norway and a dynamic segment of them.</summary>
    private async Task<(MembershipHost Host, Guid TenantId, Guid SegmentId)> NorwaySegmentAsync()
    {
        var tenant = await database.NewTenantAsync();
        var host = MembershipHost.Create(database, Now);
        await host.AddContactsAsync(tenant.Id, Enumerable.Range(0, 40).Select(i => new Contact
        {
            TenantId = tenant.Id, Email = $"c{i}@example.test", Country = i % 2 == 0 ? "Norway" : "Chile",
        }));
        await using var scope = host.For(tenant.Id);
        var segment = await RefreshShould.CreateDynamicAsync(scope, "Norway", """{"logic":"and","rules":[{"field":"country","operator":"equals","value":"Norway"}]}""");
        return (host, tenant.Id, segment.Id);
    }

    /// <summary>Every contact in Norway moves to Chile and every other to Norway: all 20 members leave, 20 others enter.</summary>
    private async Task FlipCountriesAsync(Guid tenantId)
    {
        await using var db = database.CreateContext(tenantId);
        await db.Contacts.ExecuteUpdateAsync(
            s => s.SetProperty(c => c.Country, c => c.Country == "Norway" ? "Chile" : "Norway"), TestContext.Current.CancellationToken);
    }

    private async Task<int> WaitingAdvisoryLocksAsync()
    {
        await using var connection = new NpgsqlConnection(database.OwnerConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT count(*)::int FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            connection);
        return (int)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }
}
