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
        ["contact_event_totals"] = db => TenantIds(db.ContactEventTotals),
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
        var tenantColumn = table == "tenants" ? "id" : "tenant_id";

        await using var asB = database.CreateContext(b.Id);
        var seenByB = await TenantTables[table](asB).ToListAsync(ct);
        // SQL that forgets its tenant filter: row-level security alone keeps A's rows out.
        var seenByRawSql = await RawTenantIdsAsync(asB, table, tenantColumn);
        await using var owner = PostgresServer.CreateContext(database.OwnerConnectionString, new TenantContext());
        var rowsOfA = await RawTenantIdsAsync(owner, table, tenantColumn, a.Id);
        // The owner (a superuser) is not under row-level security: here the query filter alone keeps A out.
        await using var ownerAsB = PostgresServer.CreateContext(database.OwnerConnectionString, Tenant(b.Id));
        var seenThroughTheFilterAlone = await TenantTables[table](ownerAsB).ToListAsync(ct);

        Assert.NotEmpty(rowsOfA);
        Assert.NotEmpty(seenByB);
        Assert.All(seenByB, id => Assert.Equal(b.Id, id));
        Assert.NotEmpty(seenThroughTheFilterAlone);
        Assert.All(seenThroughTheFilterAlone, id => Assert.Equal(b.Id, id));
        Assert.NotEmpty(seenByRawSql);
        Assert.All(seenByRawSql, id => Assert.Equal(b.Id, id));
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
            Assert.Empty(await RawTenantIdsAsync(noTenant, table, table == "tenants" ? "id" : "tenant_id"));
        }
    }

    [Fact]
    public async Task Never_show_the_tenant_of_a_pooled_connections_last_use()
    {
        var ct = TestContext.Current.CancellationToken;
        var a = await database.NewTenantAsync();
        var b = await database.NewTenantAsync();
        await TenantGraph.SeedAsync(database, a.Id);
        await TenantGraph.SeedAsync(database, b.Id);
        // One physical connection, and no DISCARD ALL from Npgsql between uses: the reset has to be Segmenter's own.
        var pooled = new Npgsql.NpgsqlConnectionStringBuilder(database.ConnectionString) { MaxPoolSize = 1, NoResetOnClose = true }.ConnectionString;

        int backendOfA;
        await using (var asA = PostgresServer.CreateContext(pooled, Tenant(a.Id)))
        {
            Assert.Equal([a.Id], await RawTenantIdsAsync(asA, "contacts", "tenant_id"));
            backendOfA = await BackendAsync(asA);
            // A session left reading across tenants, as a bug or a broken dispose would leave it.
            await asA.Database.OpenConnectionAsync(ct);
            await asA.Database.ExecuteSqlRawAsync("SELECT set_config('segmenter.cross_tenant', 'on', false)", ct);
            Assert.Superset(new HashSet<Guid> { a.Id, b.Id }, (await RawTenantIdsAsync(asA, "segments", "tenant_id")).ToHashSet());
        }

        await using (var asB = PostgresServer.CreateContext(pooled, Tenant(b.Id)))
        {
            Assert.Equal(backendOfA, await BackendAsync(asB));
            Assert.Equal([b.Id], await RawTenantIdsAsync(asB, "contacts", "tenant_id"));
            Assert.Equal([b.Id], await RawTenantIdsAsync(asB, "segments", "tenant_id"));
        }

        await using var noTenant = PostgresServer.CreateContext(pooled, new TenantContext());
        Assert.Equal(backendOfA, await BackendAsync(noTenant));
        Assert.Empty(await RawTenantIdsAsync(noTenant, "contacts", "tenant_id"));
    }

    [Fact]
    public async Task Refuse_a_query_when_the_tenant_was_set_after_the_connection_opened()
    {
        var ct = TestContext.Current.CancellationToken;
        var a = await database.NewTenantAsync();
        await TenantGraph.SeedAsync(database, a.Id);
        var tenant = new TenantContext();
        await using var db = PostgresServer.CreateContext(database.ConnectionString, tenant);
        await db.Database.OpenConnectionAsync(ct);

        tenant.Use(a.Id);

        // The session still has no tenant: running would silently see nothing (or write nothing).
        await Assert.ThrowsAsync<TenantIsolationException>(() => db.Contacts.CountAsync(ct));
        await db.Database.CloseConnectionAsync();
        Assert.Equal(1, await db.Contacts.CountAsync(ct));
    }

    [Fact]
    public async Task Refuse_raw_sql_that_writes_another_tenants_rows()
    {
        var ct = TestContext.Current.CancellationToken;
        var a = await database.NewTenantAsync();
        var b = await database.NewTenantAsync();
        var graphOfA = await TenantGraph.SeedAsync(database, a.Id);
        await using var asB = database.CreateContext(b.Id);

        var insert = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => asB.Database.ExecuteSqlAsync(
            $"INSERT INTO segments (tenant_id, id, name, type, member_count, created_at, updated_at) VALUES ({a.Id}, {Guid.NewGuid()}, 'Planted', 'static', 0, now(), now())", ct));
        var updated = await asB.Database.ExecuteSqlAsync($"UPDATE contacts SET city = 'Hacked' WHERE id = {graphOfA.ContactId}", ct);
        var deleted = await asB.Database.ExecuteSqlAsync($"DELETE FROM segment_members WHERE segment_id = {graphOfA.SegmentId}", ct);

        Assert.Equal(Npgsql.PostgresErrorCodes.InsufficientPrivilege, insert.SqlState);
        Assert.Equal((0, 0), (updated, deleted));
        await using var asA = database.CreateContext(a.Id);
        Assert.Null(await asA.Contacts.Where(c => c.Id == graphOfA.ContactId).Select(c => c.City).SingleAsync(ct));
        Assert.True(await asA.SegmentMembers.AnyAsync(m => m.SegmentId == graphOfA.SegmentId, ct));
    }

    [Fact]
    public async Task Guard_every_tenant_table_with_forced_row_level_security_for_a_role_that_cannot_bypass_it()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = database.CreateContext();

        var unguarded = await db.Database.SqlQueryRaw<string>("""
            SELECT c.relname AS "Value" FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind = 'r'
              AND (c.relname = 'tenants' OR EXISTS (SELECT FROM pg_attribute WHERE attrelid = c.oid AND attname = 'tenant_id' AND NOT attisdropped))
              AND NOT (c.relrowsecurity AND c.relforcerowsecurity
                       AND EXISTS (SELECT FROM pg_policy WHERE polrelid = c.oid AND polname = 'tenant_isolation'))
            """).ToListAsync(ct);
        var guarded = await db.Database.SqlQueryRaw<string>(
            "SELECT relname AS \"Value\" FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relrowsecurity").ToListAsync(ct);
        var role = await db.Database.SqlQueryRaw<string>("""
            SELECT format('%s super=%s bypassrls=%s owns=%s', rolname, rolsuper::text, rolbypassrls::text,
                          (SELECT count(*) FROM pg_class WHERE relowner = r.oid AND relkind = 'r')) AS "Value"
            FROM pg_roles AS r WHERE rolname = current_user
            """).SingleAsync(ct);

        Assert.Empty(unguarded);
        Assert.Equal(TenantTables.Keys.Order(), guarded.Order());
        Assert.Equal($"{PostgresServer.AppRole} super=false bypassrls=false owns=0", role);
    }

    [Fact]
    public async Task Keep_the_tenant_sargable_so_an_index_led_by_tenant_id_is_used()
    {
        var ct = TestContext.Current.CancellationToken;
        var a = await database.NewTenantAsync();
        await using var asA = database.CreateContext(a.Id);
        await asA.Database.BeginTransactionAsync(ct);
        await asA.Database.ExecuteSqlRawAsync("SET LOCAL enable_seqscan = off", ct);

        // No tenant in the query: the policy's condition is the only one on tenant_id.
        var plan = string.Join("\n", await asA.Database.SqlQueryRaw<string>(
            "EXPLAIN SELECT * FROM contacts WHERE email_normalized = 'x@example.test'").ToListAsync(ct));

        Assert.Contains("Index Scan using ix_contacts_tenant_id_email_normalized", plan, StringComparison.Ordinal);
        Assert.Matches(@"Index Cond: \(\(tenant_id = \(NULLIF\(current_setting\('segmenter.tenant_id'", plan);
    }

    [Fact]
    public void Cover_every_table_of_the_model()
    {
        using var db = database.CreateContext();
        // The users, and the key ring every node shares: the deployment's own, no tenant's.
        var globalTables = new[] { "users", "user_claims", "user_logins", "user_tokens", "data_protection_keys" };
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

    private static async Task<List<Guid>> RawTenantIdsAsync(SegmenterDbContext db, string table, string tenantColumn, Guid? onlyTenant = null)
    {
#pragma warning disable EF1003 // Table and column come from the fixed list above, never from input.
        return await db.Database
            .SqlQueryRaw<Guid>($"SELECT {tenantColumn} AS \"Value\" FROM {table}" + (onlyTenant is null ? "" : $" WHERE {tenantColumn} = {{0}}"), onlyTenant ?? Guid.Empty)
            .ToListAsync(TestContext.Current.CancellationToken);
#pragma warning restore EF1003
    }

    private static async Task<int> BackendAsync(SegmenterDbContext db) =>
        await db.Database.SqlQueryRaw<int>("SELECT pg_backend_pid() AS \"Value\"").SingleAsync(TestContext.Current.CancellationToken);

    private static TenantContext Tenant(Guid id)
    {
        var tenant = new TenantContext();
        tenant.Use(id);
        return tenant;
    }

    private static IQueryable<Guid> TenantIds<T>(IQueryable<T> rows)
        where T : ITenantOwned => rows.Select(r => r.TenantId);
}
