using System.Diagnostics;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Segmenter.Core.Contacts;
using Segmenter.Core.Data;
using Segmenter.Core.Membership;
using Segmenter.IntegrationTests.Infrastructure;

namespace Segmenter.IntegrationTests.Membership;

/// <summary>Writes through the services move contacts in and out of dynamic segments with no sweep and no refresh call.</summary>
public sealed class RealtimeShould(DatabaseFixture database) : IClassFixture<DatabaseFixture>
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Move_a_changed_contact_into_and_out_of_segments_and_their_readers()
    {
        var ct = TestContext.Current.CancellationToken;
        var tenant = await database.NewTenantAsync();
        await using var host = MembershipHost.Create(database, Now);
        var realtime = host.Services.GetRequiredService<RealtimeMembership>();
        await realtime.StartAsync(ct);
        var contacts = await host.AddContactsAsync(tenant.Id, Enumerable.Range(0, 3).Select(i => new Contact
        {
            TenantId = tenant.Id, Email = $"c{i}@example.test", Country = "Chile", Tags = ["VIP"],
        }));
        await using var scope = host.For(tenant.Id);
        var norway = await RefreshShould.CreateDynamicAsync(scope, "Norway", """{"logic":"and","rules":[{"field":"country","operator":"equals","value":"Norway"}]}""");
        var vipNorway = await RefreshShould.CreateDynamicAsync(scope, "VIP in Norway",
            $$"""{"logic":"and","rules":[{"segment":"{{norway.Id}}","operator":"in"},{"field":"tags","operator":"contains","value":"vip"}]}""");
        var buyers = await RefreshShould.CreateDynamicAsync(scope, "Bought this month",
            """{"logic":"and","rules":[{"event":"purchase","within_days":30,"operator":"greater_than_or_equal","value":1}]}""");
        Assert.Equal((0, 0, 0), (norway.MemberCount, vipNorway.MemberCount, buyers.MemberCount));

        var db = scope.ServiceProvider.GetRequiredService<SegmenterDbContext>();
        var moving = await db.Contacts.SingleAsync(c => c.Id == contacts[0].Id, ct);
        moving.Country = "Norway";
        await db.SaveChangesAsync(ct);
        var latency = await WaitForAsync(host, tenant.Id, vipNorway.Id, members => members.SetEquals([moving.Id]));
        Assert.Equal([moving.Id], await host.MembersAsync(tenant.Id, norway.Id));

        db.ContactEvents.Add(new ContactEvent
        {
            TenantId = tenant.Id, ContactId = contacts[1].Id, Type = "purchase", OccurredAt = Now.AddDays(-1), Properties = JsonDocument.Parse("{}"),
        });
        await db.SaveChangesAsync(ct);
        await WaitForAsync(host, tenant.Id, buyers.Id, members => members.SetEquals([contacts[1].Id]));

        moving.Country = "Peru";
        await db.SaveChangesAsync(ct);
        await WaitForAsync(host, tenant.Id, vipNorway.Id, members => members.Count == 0);
        Assert.Empty(await host.MembersAsync(tenant.Id, norway.Id));
        Assert.Equal(
            ["entered", "exited"],
            await db.SegmentMembershipChanges.Where(c => c.SegmentId == vipNorway.Id && c.ContactId == moving.Id).OrderBy(c => c.Id).Select(c => c.Kind).ToListAsync(ct));
        Assert.Equal(0, await db.Segments.Where(s => s.Id == norway.Id).Select(s => s.MemberCount).SingleAsync(ct));
        TestContext.Current.SendDiagnosticMessage($"first real-time move visible after {latency.TotalMilliseconds:F0} ms");
        await realtime.StopAsync(ct);
    }

    [Fact]
    public async Task Hold_back_writes_of_a_transaction_until_it_commits_and_drop_them_on_rollback()
    {
        var ct = TestContext.Current.CancellationToken;
        var tenant = await database.NewTenantAsync();
        await using var host = MembershipHost.Create(database, Now);
        var realtime = host.Services.GetRequiredService<RealtimeMembership>();
        await realtime.StartAsync(ct);
        var contacts = await host.AddContactsAsync(tenant.Id, Enumerable.Range(0, 2).Select(i => new Contact { TenantId = tenant.Id, Email = $"c{i}@example.test" }));
        await using var scope = host.For(tenant.Id);
        var oslo = await RefreshShould.CreateDynamicAsync(scope, "Oslo", """{"logic":"and","rules":[{"field":"city","operator":"equals","value":"Oslo"}]}""");
        var db = scope.ServiceProvider.GetRequiredService<SegmenterDbContext>();

        await using (var rolledBack = await db.Database.BeginTransactionAsync(ct))
        {
            (await db.Contacts.SingleAsync(c => c.Id == contacts[0].Id, ct)).City = "Oslo";
            await db.SaveChangesAsync(ct);
            await rolledBack.RollbackAsync(ct);
        }

        db.ChangeTracker.Clear();
        await using (var committed = await db.Database.BeginTransactionAsync(ct))
        {
            (await db.Contacts.SingleAsync(c => c.Id == contacts[1].Id, ct)).City = "Oslo";
            await db.SaveChangesAsync(ct);
            await Task.Delay(300, ct);
            Assert.Empty(await host.MembersAsync(tenant.Id, oslo.Id));
            await committed.CommitAsync(ct);
        }

        await WaitForAsync(host, tenant.Id, oslo.Id, members => members.SetEquals([contacts[1].Id]));
        await realtime.StopAsync(ct);
    }

    /// <summary>A rule whose SQL has no parameter of its own (only the tenant's) is asked of a scope like any other.</summary>
    [Fact]
    public async Task Re_evaluate_a_rule_whose_sql_has_no_parameter_of_its_own()
    {
        var ct = TestContext.Current.CancellationToken;
        var tenant = await database.NewTenantAsync();
        await using var host = MembershipHost.Create(database, Now);
        await host.AddContactsAsync(tenant.Id, Enumerable.Range(0, 3).Select(i => new Contact { TenantId = tenant.Id, Email = $"c{i}@example.test" }));
        await using var scope = host.For(tenant.Id);
        var withEmail = await RefreshShould.CreateDynamicAsync(scope, "With an email", """{"logic":"and","rules":[{"field":"email","operator":"is_not_empty"}]}""");
        Assert.Equal(3, withEmail.MemberCount);
        var added = Guid.CreateVersion7();
        var db = scope.ServiceProvider.GetRequiredService<SegmenterDbContext>();
        await db.Database.ExecuteSqlAsync($"INSERT INTO contacts (tenant_id, id, email) VALUES ({tenant.Id}, {added}, 'added@example.test')", ct);

        await scope.ServiceProvider.GetRequiredService<MembershipEngine>().ReevaluateContactsAsync([added], ct);

        Assert.Contains(added, await host.MembersAsync(tenant.Id, withEmail.Id));
    }

    /// <summary>
    /// While a new tenant's contacts are loaded its statistics say it has almost none, and a plan built on that
    /// estimate scans the whole tenant for every pass: the pass must look up its own contacts and no others.
    /// </summary>
    [Fact]
    public async Task Read_only_the_contacts_of_a_pass_while_the_tenants_statistics_are_stale()
    {
        var ct = TestContext.Current.CancellationToken;
        var tenant = await database.NewTenantAsync();
        await using var host = MembershipHost.Create(database, Now);
        await using var scope = host.For(tenant.Id);
        var db = scope.ServiceProvider.GetRequiredService<SegmenterDbContext>();
        await db.Database.ExecuteSqlRawAsync("ANALYZE contacts", ct);
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO contacts (tenant_id, id, email, country)
            SELECT {tenant.Id}, gen_random_uuid(), 'c' || i || '@example.test', CASE WHEN i % 2 = 0 THEN 'Norway' END
            FROM generate_series(1, 20000) AS i
            """, ct);
        var norway = await RefreshShould.CreateDynamicAsync(scope, "Norway", """{"logic":"and","rules":[{"field":"country","operator":"equals","value":"Norway"}]}""");
        Assert.Equal(10_000, norway.MemberCount);
        var moved = await db.Contacts.Where(c => c.Country == null).OrderBy(c => c.Email).Select(c => c.Id).Take(10).ToListAsync(ct);
        await db.Contacts.Where(c => moved.Contains(c.Id)).ExecuteUpdateAsync(s => s.SetProperty(c => c.Country, "Norway"), ct);

        // The counters are the backend's since its last report, so the pass is measured as a difference in one transaction.
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var before = await RowsReadAsync(db);
        await scope.ServiceProvider.GetRequiredService<MembershipEngine>().ReevaluateContactsAsync(moved, ct);
        var read = await RowsReadAsync(db) - before;
        await transaction.CommitAsync(ct);

        Assert.Superset(moved.ToHashSet(), await host.MembersAsync(tenant.Id, norway.Id));
        Assert.InRange(read, moved.Count, 10 * moved.Count);
    }

    /// <summary>
    /// Rows and index entries of contacts and segment members this backend has read and not yet reported (an
    /// index scan counts on the index, a sequential or bitmap scan on the table).
    /// </summary>
    private static async Task<long> RowsReadAsync(SegmenterDbContext db) =>
        await db.Database.SqlQuery<long>($"""
            SELECT sum(pg_stat_get_xact_tuples_fetched(r) + pg_stat_get_xact_tuples_returned(r))::bigint AS "Value"
            FROM (SELECT indexrelid FROM pg_index WHERE indrelid IN ('contacts'::regclass, 'segment_members'::regclass)
                  UNION ALL VALUES ('contacts'::regclass), ('segment_members'::regclass)) AS relations(r)
            """).SingleAsync(TestContext.Current.CancellationToken);

    private static async Task<TimeSpan> WaitForAsync(MembershipHost host, Guid tenantId, Guid segmentId, Func<HashSet<Guid>, bool> expected)
    {
        var clock = Stopwatch.StartNew();
        while (!expected(await host.MembersAsync(tenantId, segmentId)))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "the real-time path did not update the segment within 10 s");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        return clock.Elapsed;
    }
}
