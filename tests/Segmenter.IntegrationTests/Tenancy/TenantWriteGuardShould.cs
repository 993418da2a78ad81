using Microsoft.EntityFrameworkCore;
using Segmenter.Core.Contacts;
using Segmenter.Core.Segments;
using Segmenter.Core.Tenancy;
using Segmenter.IntegrationTests.Infrastructure;

namespace Segmenter.IntegrationTests.Tenancy;

public sealed class TenantWriteGuardShould(DatabaseFixture database) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task Refuse_to_add_a_row_for_another_tenant()
    {
        var a = await database.NewTenantAsync();
        var b = await database.NewTenantAsync();
        await using var asB = database.CreateContext(b.Id);
        asB.Contacts.Add(new Contact { TenantId = a.Id, Email = "intruder@example.test" });

        var error = await Assert.ThrowsAsync<TenantIsolationException>(() => asB.SaveChangesAsync(TestContext.Current.CancellationToken));

        Assert.Contains(a.Id.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Equal(0, await CountContactsAsync(a.Id));
    }

    [Fact]
    public async Task Refuse_a_row_without_a_tenant()
    {
        var b = await database.NewTenantAsync();
        await using var asB = database.CreateContext(b.Id);
        asB.Segments.Add(new Segment { TenantId = Guid.Empty, Name = "Orphan", Type = SegmentType.Static });

        await Assert.ThrowsAsync<TenantIsolationException>(() => asB.SaveChangesAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Refuse_tenant_rows_written_outside_of_any_tenant()
    {
        var a = await database.NewTenantAsync();
        await using var noTenant = database.CreateContext();
        noTenant.Contacts.Add(new Contact { TenantId = a.Id, Email = "nobody@example.test" });

        await Assert.ThrowsAsync<TenantIsolationException>(() => noTenant.SaveChangesAsync(TestContext.Current.CancellationToken));
        Assert.Equal(0, await CountContactsAsync(a.Id));
    }

    [Fact]
    public async Task Refuse_to_change_or_delete_a_row_of_another_tenant()
    {
        var a = await database.NewTenantAsync();
        var b = await database.NewTenantAsync();
        var graphOfA = await TenantGraph.SeedAsync(database, a.Id);
        await using var asA = database.CreateContext(a.Id);
        var contactOfA = await asA.Contacts.AsNoTracking().SingleAsync(c => c.Id == graphOfA.ContactId, TestContext.Current.CancellationToken);

        await using var asB = database.CreateContext(b.Id);
        asB.Attach(contactOfA).Entity.City = "Elsewhere";
        await Assert.ThrowsAsync<TenantIsolationException>(() => asB.SaveChangesAsync(TestContext.Current.CancellationToken));

        asB.ChangeTracker.Clear();
        asB.Remove(contactOfA);
        await Assert.ThrowsAsync<TenantIsolationException>(() => asB.SaveChangesAsync(TestContext.Current.CancellationToken));
        Assert.Equal(1, await CountContactsAsync(a.Id));
    }

    [Fact]
    public async Task Refuse_to_point_a_row_at_another_tenants_row()
    {
        var a = await database.NewTenantAsync();
        var b = await database.NewTenantAsync();
        var graphOfA = await TenantGraph.SeedAsync(database, a.Id);
        var graphOfB = await TenantGraph.SeedAsync(database, b.Id);

        // Keys are (tenant_id, id), so a row of B can only ever reference rows of B.
        await using var asB = database.CreateContext(b.Id);
        asB.SegmentMembers.Add(new SegmentMember { TenantId = b.Id, SegmentId = graphOfA.SegmentId, ContactId = graphOfB.ContactId });

        await Assert.ThrowsAsync<DbUpdateException>(() => asB.SaveChangesAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Refuse_to_switch_a_scope_to_another_tenant()
    {
        var scope = new TenantContext();
        scope.Use(Guid.CreateVersion7());

        Assert.Throws<TenantIsolationException>(() => scope.Use(Guid.CreateVersion7()));
    }

    private async Task<int> CountContactsAsync(Guid tenantId)
    {
        await using var db = database.CreateContext(tenantId);
        return await db.Contacts.CountAsync(TestContext.Current.CancellationToken);
    }
}
