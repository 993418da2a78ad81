using Microsoft.EntityFrameworkCore;
using Segmenter.Core.Tenancy;
using Segmenter.IntegrationTests.Infrastructure;

namespace Segmenter.IntegrationTests.Tenancy;

public sealed class TenantMembershipsShould(DatabaseFixture database) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task Read_across_tenants_only_the_users_own_memberships()
    {
        var ct = TestContext.Current.CancellationToken;
        var mine = await TenantGraph.SeedAsync(database, (await database.NewTenantAsync()).Id);
        var theirs = await TenantGraph.SeedAsync(database, (await database.NewTenantAsync()).Id);
        await using var asMine = database.CreateContext(mine.TenantId);
        var myUser = await asMine.TenantUsers.Select(u => u.UserId).SingleAsync(ct);
        // Sign-in reads before any tenant is current.
        await using var db = database.CreateContext();
        var memberships = new TenantMemberships(db);

        var found = await memberships.ForUserAsync(myUser, ct);

        Assert.Equal([(mine.TenantId, TenantRole.Admin)], found.Select(m => (m.TenantId, m.Role)));
        Assert.NotNull(await memberships.FindAsync(myUser, mine.TenantId, ct));
        Assert.Null(await memberships.FindAsync(myUser, theirs.TenantId, ct));
    }
}
