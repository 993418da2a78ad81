using Microsoft.EntityFrameworkCore;
using Segmenter.Core.Data;
using Segmenter.Core.Tenancy;
using Segmenter.IntegrationTests.Infrastructure;

namespace Segmenter.IntegrationTests.Tenancy;

public sealed class TenantIsolationShould(DatabaseFixture database) : IClassFixture<DatabaseFixture>
{
    /// <summary>Every table whose rows belong to a tenant, read through the tenant-scoped context.</summary>
    private static readonly Dictionary<string, Func<SegmenterDbContext, IQueryable<Guid>>> TenantTables = new()
    {
        ["tenants"] = db => db.Tenants.Select(t => t.Id),
        ["tenant_users"] = db => TenantIds(db.TenantUsers),
        ["api_keys"] = db => TenantIds(db.ApiKeys),
        ["contacts"] = db => TenantIds(db.Contacts),
        ["contact_events"] = db => TenantIds(db.ContactEvents),
        ["event_types"] = db => TenantIds(db.EventTypes),
        ["contact_imports"] = db => TenantIds(db.ContactImports),
        ["field_definitions"] = db => TenantIds(db.FieldDefinitions),
        ["segments"] = db => TenantIds(db.Segments),
        ["segment_members"] = db => TenantIds(db.SegmentMembers),
        ["segment_membership_changes"] = db => TenantIds(db.SegmentMembershipChanges),
        ["segment_size_history"] = db => TenantIds(db.SegmentSizeHistory),
        ["campaigns"] = db => TenantIds(db.Campaigns),
        ["campaign_recipients"] = db => TenantIds(db.CampaignRecipients),
        ["audit_entries"] = db => TenantIds(db.AuditEntries),
    };

    public static TheoryData<string> Tables => new(TenantTables.Keys);

    [Theory]
    [MemberData(nameof(Tables))]
    public async Task Show_a_tenant_only_its_own_rows(string table)
    {
        var ct = TestContext.Current.CancellationToken;
        var a = await database.NewTenantAsync();
        var b = await database.NewTenantAsync();
        await TenantGraph.SeedAsync(database, a.Id);
        await TenantGraph.SeedAsync(database, b.Id);

        await using var asB = database.CreateContext(b.Id);
        var seenByB = await TenantTables[table](asB).ToListAsync(ct);
        var tenantColumn = table == "tenants" ? "id" : "tenant_id";
#pragma warning disable EF1003 // The table name comes from the fixed list above, never from input.
        var rowsOfA = await asB.Database
            .SqlQueryRaw<int>("SELECT count(*)::int AS \"Value\" FROM " + table + " WHERE " + tenantColumn + " = {0}", a.Id)
            .SingleAsync(ct);
#pragma warning restore EF1003

        Assert.True(rowsOfA > 0, $"tenant A has no row in {table}: the test would prove nothing");
        Assert.NotEmpty(seenByB);
        Assert.All(seenByB, id => Assert.Equal(b.Id, id));
    }

    [Fact]
    public async Task Show_nothing_when_no_tenant_is_current()
    {
        var ct = TestContext.Current.CancellationToken;
        var a = await database.NewTenantAsync();
        await TenantGraph.SeedAsync(database, a.Id);

        await using var noTenant = database.CreateContext();
        foreach (var (table, rows) in TenantTables)
        {
            Assert.False(await rows(noTenant).AnyAsync(ct), $"{table} shows rows outside of any tenant");
        }
    }

    [Fact]
    public void Cover_every_table_of_the_model()
    {
        using var db = database.CreateContext();
        var globalTables = new[] { "users", "user_claims", "user_logins", "user_tokens" };
        var modelTables = db.Model.GetEntityTypes().Select(e => e.GetTableName()!).Except(globalTables);

        Assert.Equal(modelTables.Order(), TenantTables.Keys.Order());
    }

    [Fact]
    public async Task Leave_another_tenants_rows_alone_in_set_based_writes()
    {
        var ct = TestContext.Current.CancellationToken;
        var a = await database.NewTenantAsync();
        var b = await database.NewTenantAsync();
        var graphOfA = await TenantGraph.SeedAsync(database, a.Id);

        await using (var asB = database.CreateContext(b.Id))
        {
            var updated = await asB.Contacts.ExecuteUpdateAsync(s => s.SetProperty(c => c.City, "Hacked"), ct);
            var deleted = await asB.Segments.ExecuteDeleteAsync(ct);
            Assert.Equal((0, 0), (updated, deleted));
        }

        await using var asA = database.CreateContext(a.Id);
        Assert.Null(await asA.Contacts.Where(c => c.Id == graphOfA.ContactId).Select(c => c.City).SingleAsync(ct));
        Assert.True(await asA.Segments.AnyAsync(s => s.Id == graphOfA.SegmentId, ct));
    }

    private static IQueryable<Guid> TenantIds<T>(IQueryable<T> rows)
        where T : ITenantOwned => rows.Select(r => r.TenantId);
}
