using System.Net;
using Hangfire;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Segmenter.Core.Membership;
using Segmenter.Core.Tenancy;
using Segmenter.IntegrationTests.Api;
using Segmenter.IntegrationTests.Infrastructure;
using static Segmenter.IntegrationTests.Api.ApiCalls;

namespace Segmenter.IntegrationTests.Scale;

/// <summary>
/// The app with two clusters: home, on the tests' server, and the shard "second", a database on another
/// PostgreSQL server that the app migrates itself at start.
/// </summary>
public sealed class ShardedHost : ApiHost
{
    public const string Shard = "second";

    /// <summary>The shard's database as its owner, who sees every tenant's rows.</summary>
    public string ShardOwnerConnectionString { get; private set; } = "";

    protected override async Task<string> CreateDatabaseAsync(CancellationToken cancellationToken)
    {
        ShardOwnerConnectionString = await ScaleClusters.CreateDatabaseAsync(ScaleClusters.Shard, cancellationToken);
        return await base.CreateDatabaseAsync(cancellationToken);
    }

    protected override async Task DropDatabasesAsync()
    {
        await base.DropDatabasesAsync();
        await ScaleClusters.DropDatabaseAsync(ShardOwnerConnectionString);
    }

    protected override IWebHostBuilder Configure(IWebHostBuilder web) => web
        .UseSetting("Segmenter:Database:MigrateOnStartup", "true")
        .UseSetting($"Segmenter:Shards:{Shard}:Segmenter", PostgresServer.AsApp(ShardOwnerConnectionString))
        .UseSetting($"Segmenter:Shards:{Shard}:SegmenterOwner", ShardOwnerConnectionString);
}

[Collection(HangfireTests.Name)]
public sealed class TenantShardsShould(ShardedHost host) : IClassFixture<ShardedHost>
{
    private const string Norway = """{"logic":"and","rules":[{"field":"country","operator":"equals","value":"Norway"}]}""";

    [Fact]
    public async Task Serve_tenants_on_two_clusters_through_one_api_with_each_tenants_rows_on_its_own_cluster()
    {
        var ct = TestContext.Current.CancellationToken;
        var home = await TenantAsync(shard: null);
        var sharded = await TenantAsync(ShardedHost.Shard);

        foreach (var (_, admin, segmentId) in new[] { home, sharded })
        {
            Assert.Equal(2, (await ReadAsync(await PostJsonAsync(admin, "/api/v1/segments/preview", $$"""{"definition":{{Norway}}}"""))).GetProperty("count").GetInt32());
            // A contact moving in is a member at once, through the real-time path on the tenant's cluster.
            await ReadAsync(await PostJsonAsync(admin, "/api/v1/contacts/batch", """{"contacts":[{"email":"c@x.test","country":"Norway"}]}"""));
            var members = 0;
            for (var waited = 0; waited < 100 && members != 3; waited++)
            {
                await Task.Delay(50, ct);
                members = (await GetJsonAsync(admin, $"/api/v1/segments/{segmentId}/contacts")).GetProperty("items").GetArrayLength();
            }

            Assert.Equal(3, members);
            Assert.Equal(1, (await GetJsonAsync(admin, "/api/v1/segments")).GetProperty("items").GetArrayLength());
        }

        foreach (var (cluster, mine, other) in new[] { (host.OwnerConnectionString, home.TenantId, sharded.TenantId), (host.ShardOwnerConnectionString, sharded.TenantId, home.TenantId) })
        {
            Assert.Equal(4L, await CountAsync(cluster, "contacts", mine));
            Assert.Equal(0L, await CountAsync(cluster, "contacts", other));
            Assert.Equal(1L, await CountAsync(cluster, "segments", mine));
            Assert.Equal(0L, await CountAsync(cluster, "segments", other));
        }

        // The catalogue — every tenant with its placement, and every API key — is at home; a shard has its tenants' rows only.
        Assert.Equal(ShardedHost.Shard, await ScaleClusters.ScalarAsync<string>(host.OwnerConnectionString, $"SELECT shard FROM tenants WHERE id = '{sharded.TenantId}'", ct));
        Assert.Equal(1L, await CountAsync(host.OwnerConnectionString, "api_keys", sharded.TenantId));
        Assert.Equal(0L, await ScaleClusters.ScalarAsync<long>(host.ShardOwnerConnectionString, "SELECT count(*) FROM api_keys", ct));
        Assert.Equal(0L, await ScaleClusters.ScalarAsync<long>(host.ShardOwnerConnectionString, $"SELECT count(*) FROM tenants WHERE id = '{home.TenantId}'", ct));
    }

    [Fact]
    public async Task Sweep_the_dynamic_segments_of_every_cluster()
    {
        var ct = TestContext.Current.CancellationToken;
        var home = await TenantAsync(shard: null);
        var sharded = await TenantAsync(ShardedHost.Shard);
        var sweepStarted = await ScaleClusters.ScalarAsync<DateTime>(host.OwnerConnectionString, "SELECT now()", ct);

        host.Factory.Services.GetRequiredService<IBackgroundJobClient>().Enqueue<SweepJob>(sweep => sweep.RunAsync(CancellationToken.None));

        foreach (var (cluster, segmentId) in new[] { (host.OwnerConnectionString, home.SegmentId), (host.ShardOwnerConnectionString, sharded.SegmentId) })
        {
            var sql = $"SELECT count(*) FROM segments WHERE id = '{segmentId}' AND last_evaluated_at >= '{sweepStarted:O}'";
            long refreshed = 0;
            for (var waited = 0; waited < 300 && refreshed == 0; waited++)
            {
                await Task.Delay(100, ct);
                refreshed = await ScaleClusters.ScalarAsync<long>(cluster, sql, ct);
            }

            Assert.Equal(1L, refreshed);
        }
    }

    [Fact]
    public async Task Migrate_every_shard_and_keep_a_tenants_copy_on_its_shard_in_step()
    {
        var ct = TestContext.Current.CancellationToken;
        const string history = "SELECT string_agg(migration_id, ',' ORDER BY migration_id) FROM __ef_migrations_history";
        // The host migrates every cluster as it starts.
        _ = host.Factory.Services;
        var migrations = await ScaleClusters.ScalarAsync<string>(host.ShardOwnerConnectionString, history, ct);
        Assert.Equal(await ScaleClusters.ScalarAsync<string>(host.OwnerConnectionString, history, ct), migrations);
        Assert.Contains("ScaleOut", migrations, StringComparison.Ordinal);

        var sharded = await TenantAsync(ShardedHost.Shard);
        await using (var scope = host.Factory.Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<TenantContext>().Use(sharded.TenantId);
            await scope.ServiceProvider.GetRequiredService<TenantAdministration>().SetTimeZoneAsync("Europe/Oslo", ct);
        }

        foreach (var cluster in new[] { host.OwnerConnectionString, host.ShardOwnerConnectionString })
        {
            Assert.Equal("Europe/Oslo", await ScaleClusters.ScalarAsync<string>(cluster, $"SELECT time_zone FROM tenants WHERE id = '{sharded.TenantId}'", ct));
        }
    }

    [Fact]
    public async Task Refuse_a_tenant_on_a_shard_that_is_not_configured()
    {
        using var system = host.WithKey(ApiHost.SystemKey);
        var problem = await AssertProblemAsync(
            await PostJsonAsync(system, "/api/system/tenants", """{"name":"Nowhere","slug":"nowhere-tenant","shard":"third"}"""), HttpStatusCode.BadRequest);
        Assert.Equal(["shard"], problem.GetProperty("errors").EnumerateObject().Select(e => e.Name));
        Assert.Equal(0L, await ScaleClusters.ScalarAsync<long>(host.OwnerConnectionString, "SELECT count(*) FROM tenants WHERE slug = 'nowhere-tenant'", TestContext.Current.CancellationToken));
    }

    /// <summary>A tenant on <paramref name="shard"/> with two Norwegians, a Chilean and a dynamic segment of Norwegians.</summary>
    private async Task<(Guid TenantId, HttpClient Admin, Guid SegmentId)> TenantAsync(string? shard)
    {
        var (tenantId, admin, _) = await host.ProvisionAsync(shard: shard);
        await ReadAsync(await PostJsonAsync(admin, "/api/v1/contacts/batch",
            """{"contacts":[{"email":"a@x.test","country":"Norway"},{"email":"b@x.test","country":"Norway"},{"email":"d@x.test","country":"Chile"}]}"""));
        var segment = await ReadAsync(await PostJsonAsync(admin, "/api/v1/segments", $$"""{"name":"Norway","type":"dynamic","definition":{{Norway}}}"""), HttpStatusCode.Created);
        Assert.Equal(2, segment.GetProperty("member_count").GetInt32());
        return (tenantId, admin, segment.GetProperty("id").GetGuid());
    }

    private static Task<long> CountAsync(string cluster, string table, Guid tenantId) =>
        ScaleClusters.ScalarAsync<long>(cluster, $"SELECT count(*) FROM {table} WHERE tenant_id = '{tenantId}'", TestContext.Current.CancellationToken);
}
