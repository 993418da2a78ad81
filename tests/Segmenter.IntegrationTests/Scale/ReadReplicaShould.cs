using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Segmenter.Core.Data;
using Segmenter.IntegrationTests.Api;
using Segmenter.IntegrationTests.Infrastructure;
using static Segmenter.IntegrationTests.Api.ApiCalls;

namespace Segmenter.IntegrationTests.Scale;

/// <summary>The app on the primary of <see cref="ScaleClusters"/>, reading from its streaming replica.</summary>
public sealed class ReplicaHost : ApiHost
{
    /// <summary>The host's database on the replica, as the application's role.</summary>
    public string ReplicaConnectionString => ScaleClusters.On(PostgresServer.AsApp(ScaleClusters.Replica), Database);

    /// <summary>The host's database on the replica, as the superuser, who sees every row.</summary>
    public string ReplicaOwnerConnectionString => ScaleClusters.On(ScaleClusters.Replica, Database);

    private string Database => new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString).Database!;

    protected override async Task<string> CreateDatabaseAsync(CancellationToken cancellationToken)
    {
        // A run killed mid-test may have left replay paused.
        await ScaleClusters.ExecuteAsync(ScaleClusters.Replica, "SELECT pg_wal_replay_resume()", cancellationToken);
        var owner = await ScaleClusters.CreateDatabaseAsync(ScaleClusters.Primary, cancellationToken);
        var app = PostgresServer.AsApp(owner);
        await SegmenterDatabase.MigrateAsync(owner, app, cancellationToken);
        return app;
    }

    protected override Task DropDatabasesAsync() => ScaleClusters.DropDatabaseAsync(ScaleClusters.On(ScaleClusters.Primary, Database));

    // Checked every 100 ms, and current enough while replay is paused for the length of a test.
    protected override IWebHostBuilder Configure(IWebHostBuilder web) => web
        .UseSetting("ConnectionStrings:ReadReplica", ReplicaConnectionString)
        .UseSetting("Segmenter:ReadReplica:CheckMilliseconds", "100")
        .UseSetting("Segmenter:ReadReplica:MaxLagSeconds", "3600");
}

/// <summary>
/// Previews, counts, member lists and exports read from the replica; everything else, and every read while the
/// replica lags or is down, from the primary. Replay is paused on the replica to tell the two apart: the
/// primary then has a contact the replica has not seen.
/// </summary>
[Collection(HangfireTests.Name)]
public sealed class ReadReplicaShould(ReplicaHost host) : IClassFixture<ReplicaHost>
{
    private const string Norway = """{"logic":"and","rules":[{"field":"country","operator":"equals","value":"Norway"}]}""";

    [Fact]
    public async Task Read_previews_member_lists_and_exports_from_the_replica_and_everything_else_from_the_primary()
    {
        var ct = TestContext.Current.CancellationToken;
        var (tenantId, admin, segmentId) = await NorwayAsync(host.Factory);
        await PauseReplayAsync(ct);
        try
        {
            await AddNorwegianAsync(admin, tenantId, segmentId, ct);

            Assert.Equal(3, await PreviewCountAsync(admin));
            Assert.Equal(3, (await GetJsonAsync(admin, $"/api/v1/segments/{segmentId}/contacts")).GetProperty("items").GetArrayLength());
            var csv = await admin.GetStringAsync(new Uri($"/api/v1/segments/{segmentId}/contacts.csv", UriKind.Relative), ct);
            Assert.Equal(1 + 3, csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
            // The segment itself, like every read not named above, comes from the primary.
            Assert.Equal(4, (await GetJsonAsync(admin, $"/api/v1/segments/{segmentId}")).GetProperty("member_count").GetInt32());
        }
        finally
        {
            await ResumeReplayAsync();
        }
    }

    [Fact]
    public async Task Read_from_the_primary_while_the_replica_lags()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var strict = host.Node(web => web.UseSetting("Segmenter:ReadReplica:MaxLagSeconds", "0.5"));
        var (tenantId, admin, segmentId) = await NorwayAsync(strict);
        await PauseReplayAsync(ct);
        try
        {
            await AddNorwegianAsync(admin, tenantId, segmentId, ct);

            var count = 0;
            for (var waited = 0; waited < 100 && count != 4; waited++)
            {
                await Task.Delay(100, ct);
                count = await PreviewCountAsync(admin);
            }

            Assert.Equal(4, count);
            Assert.Equal(4L, await ContactsOnReplicaAsync(tenantId, ct));
        }
        finally
        {
            await ResumeReplayAsync();
        }
    }

    [Fact]
    public async Task Read_from_the_primary_at_once_when_the_replica_stops_between_two_checks()
    {
        var ct = TestContext.Current.CancellationToken;
        // One check at start, none after: only the failed connection itself can send the reads elsewhere.
        await using var node = host.Node(web => web.UseSetting("Segmenter:ReadReplica:CheckMilliseconds", "3600000"));
        var (tenantId, admin, segmentId) = await NorwayAsync(node);
        await PauseReplayAsync(ct);
        await AddNorwegianAsync(admin, tenantId, segmentId, ct);
        Assert.Equal(3, await PreviewCountAsync(admin));

        // The node's pooled connections to the replica die with it: the first read after meets one.
        await ScaleClusters.ScriptAsync("stop-replica", ct);
        try
        {
            Assert.Equal(4, await PreviewCountAsync(admin));
            Assert.Equal(4, (await GetJsonAsync(admin, $"/api/v1/segments/{segmentId}/contacts")).GetProperty("items").GetArrayLength());
        }
        finally
        {
            await ScaleClusters.ScriptAsync("start-replica", CancellationToken.None);
            await ResumeReplayAsync();
        }
    }

    /// <summary>
    /// A tenant with three Norwegians and a dynamic segment of them, through <paramref name="node"/>, once all of
    /// it is on the replica too and the node reads from it.
    /// </summary>
    private async Task<(Guid TenantId, HttpClient Admin, Guid SegmentId)> NorwayAsync(WebApplicationFactory<Program> node)
    {
        var ct = TestContext.Current.CancellationToken;
        var (tenantId, _, key) = await host.ProvisionAsync();
        var admin = node.CreateClient();
        admin.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        await ReadAsync(await PostJsonAsync(admin, "/api/v1/contacts/batch",
            """{"contacts":[{"email":"a@x.test","country":"Norway"},{"email":"b@x.test","country":"Norway"},{"email":"c@x.test","country":"Norway"},{"email":"d@x.test","country":"Chile"}]}"""));
        var segment = await ReadAsync(await PostJsonAsync(admin, "/api/v1/segments", $$"""{"name":"Norway","type":"dynamic","definition":{{Norway}}}"""), HttpStatusCode.Created);
        var segmentId = segment.GetProperty("id").GetGuid();
        var replicas = node.Services.GetRequiredService<ReplicaHealth>();
        var home = node.Services.GetRequiredService<DatabaseTopology>().Home;
        var membersOnReplica = $"SELECT count(*) FROM segment_members WHERE tenant_id = '{tenantId}' AND segment_id = '{segmentId}'";
        for (var waited = 0; waited < 100 && !(replicas.IsUsable(home) && await ScaleClusters.ScalarAsync<long>(host.ReplicaOwnerConnectionString, membersOnReplica, ct) == 3); waited++)
        {
            await Task.Delay(50, ct);
        }

        Assert.True(replicas.IsUsable(home), "the node never found the replica current");
        Assert.Equal(4L, await ContactsOnReplicaAsync(tenantId, ct));
        return (tenantId, admin, segmentId);
    }

    /// <summary>A fourth Norwegian, written through the API to the primary and in the segment there at once.</summary>
    private async Task AddNorwegianAsync(HttpClient admin, Guid tenantId, Guid segmentId, CancellationToken ct)
    {
        await ReadAsync(await PostJsonAsync(admin, "/api/v1/contacts/batch", """{"contacts":[{"email":"e@x.test","country":"Norway"}]}"""));
        long members = 0;
        for (var waited = 0; waited < 100 && members != 4; waited++)
        {
            await Task.Delay(50, ct);
            members = await ScaleClusters.ScalarAsync<long>(
                host.OwnerConnectionString, $"SELECT count(*) FROM segment_members WHERE tenant_id = '{tenantId}' AND segment_id = '{segmentId}'", ct);
        }

        Assert.Equal(4, members);
    }

    private static async Task<int> PreviewCountAsync(HttpClient admin) =>
        (await ReadAsync(await PostJsonAsync(admin, "/api/v1/segments/preview", $$"""{"definition":{{Norway}},"sample_size":0}"""))).GetProperty("count").GetInt32();

    private Task<long> ContactsOnReplicaAsync(Guid tenantId, CancellationToken ct) =>
        ScaleClusters.ScalarAsync<long>(host.ReplicaOwnerConnectionString, $"SELECT count(*) FROM contacts WHERE tenant_id = '{tenantId}'", ct);

    private Task PauseReplayAsync(CancellationToken ct) =>
        ScaleClusters.ExecuteAsync(host.ReplicaOwnerConnectionString, "SELECT pg_wal_replay_pause()", ct);

    private Task ResumeReplayAsync() =>
        ScaleClusters.ExecuteAsync(host.ReplicaOwnerConnectionString, "SELECT pg_wal_replay_resume()", CancellationToken.None);
}
